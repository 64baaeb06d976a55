// A plain image folder:
//   images/<name>.png|.jpg|.jpeg    (imagesDir; default root/images)
//   images/<name>.txt               captions, one per line (the sidecar of each image)
//   labels.json                     optional {"<name>.png" or "<name>": class index or class name}
// The split is `splitFile` (JSON {"train": [...], "test": [...]} of image
// names) or, without one, a seeded random `testFraction` of the images.
import fs from 'node:fs';
import path from 'node:path';
import { DatasetError } from './datasetErrors';
import { IMAGE_EXTENSIONS } from './imageDecode';
import type { LoaderOptions } from './loaderOptions';
import { evenlySpaced, type PhotoItem, type PhotoManifest } from './photoDataset';
import { Rng } from './rng';
import { applySplit, readSplitFile } from './splitFiles';
import { isFile, lineOfKey, readCaptionFile, readJson, requireDir } from './textFiles';

export const FOLDER_LABELS_FILE = 'labels.json';

interface FolderImage {
  key: string;
  className: string;
  file: string;
  name: string;
}

interface FolderLabels {
  byKey: Map<string, number>;
  numClasses: number;
  classNames?: string[];
  file: string;
}

function readLabels(file: string, images: FolderImage[], opts: LoaderOptions): FolderLabels {
  const { value, text } = readJson(file, 'label file');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetError(file, undefined, 'must be a JSON object {"<image file>": <class index or class name>, ...}');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const kinds = new Set(entries.map(([, v]) => typeof v));
  if (kinds.has('number') && kinds.has('string')) throw new DatasetError(file, undefined, 'mixes class indices and class names; use one or the other');
  const keys = new Map<string, string>();
  for (const im of images) {
    keys.set(im.name, im.key);
    keys.set(im.key, im.key);
  }
  const raw = new Map<string, number | string>();
  for (const [name, v] of entries) {
    const line = lineOfKey(text, name);
    const key = keys.get(name);
    if (!key) {
      opts.bad.report('label mismatch', file, line, `${JSON.stringify(name)} names no image in ${path.dirname(images[0]?.file ?? '')}`);
      continue;
    }
    const ok = (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && v.trim() !== '');
    if (!ok) {
      opts.bad.report('label mismatch', file, line, `label of ${JSON.stringify(name)} must be a non-negative integer or a class name, got ${JSON.stringify(v)}`);
      continue;
    }
    raw.set(key, v as number | string);
  }
  if (kinds.has('string')) {
    const classNames = [...new Set([...raw.values()].map(String))].sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    return { byKey: new Map([...raw].map(([k, v]) => [k, index.get(String(v))!])), numClasses: classNames.length, classNames, file };
  }
  const byKey = raw as Map<string, number>;
  return { byKey, numClasses: Math.max(-1, ...byKey.values()) + 1, file };
}

export function folderManifest(opts: LoaderOptions): PhotoManifest {
  const root = opts.root;
  requireDir(root, 'image folder dataset (dataset.root)');
  const imagesDir = opts.imagesDir ?? path.join(root, 'images');
  requireDir(imagesDir, 'image folder');
  const images: FolderImage[] = fs
    .readdirSync(imagesDir)
    .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
    .sort()
    .map((name) => {
      const key = name.slice(0, -path.extname(name).length);
      return { key, className: key, file: path.join(imagesDir, name), name };
    });
  if (images.length === 0) throw new DatasetError(imagesDir, undefined, 'has no .png or .jpg images');
  const dup = images.find((im, i) => i > 0 && images[i - 1]!.key === im.key);
  if (dup) throw new DatasetError(dup.file, undefined, `two images share the name ${dup.key} (their captions would share ${dup.key}.txt)`);

  const labelsFile = path.join(root, FOLDER_LABELS_FILE);
  const labels = isFile(labelsFile) ? readLabels(labelsFile, images, opts) : undefined;

  let train: FolderImage[];
  let test: FolderImage[];
  if (opts.splitFile) {
    const split = applySplit(images, readSplitFile(opts.splitFile, root, { className: images[0]!.key, key: images[0]!.name }));
    for (const e of split.unmatched) opts.bad.report('split mismatch', e.file, e.line, `${JSON.stringify(e.name)} names no image in ${imagesDir}`);
    for (const im of split.both) opts.bad.report('split mismatch', opts.splitFile, undefined, `${im.name} is in both the train and the test list`);
    ({ train, test } = split);
  } else {
    const order = new Rng(opts.seed).shuffle(images.map((_, i) => i));
    const testCount = Math.min(images.length - 1, Math.round(opts.testFraction * images.length));
    const inTest = new Set(order.slice(0, testCount));
    train = images.filter((_, i) => !inTest.has(i));
    test = images.filter((_, i) => inTest.has(i));
  }

  const toItems = (list: FolderImage[]): PhotoItem[] => {
    const items: PhotoItem[] = [];
    for (const im of evenlySpaced(list, opts.maxImages)) {
      let label: number | undefined;
      if (labels) {
        label = labels.byKey.get(im.key);
        if (label === undefined) {
          opts.bad.report('label mismatch', labels.file, undefined, `has no label for ${im.name}`);
          continue;
        }
      }
      const captions = readCaptionFile(path.join(imagesDir, `${im.key}.txt`), opts.captionsPerImage, opts.bad);
      if (captions) items.push({ key: im.key, file: im.file, captions, label });
    }
    return items;
  };
  return { kind: 'folder', root, train: toItems(train), test: toItems(test), numClasses: labels?.numClasses, classNames: labels?.classNames };
}
