// MS-COCO 2014 from the official JSON:
//   annotations/captions_train2014.json, annotations/captions_val2014.json
//     images[{id, file_name}], annotations[{id, image_id, caption}]
//   train2014/COCO_train2014_*.jpg, val2014/COCO_val2014_*.jpg (or one images/ folder)
// train = the train2014 file, test = the val2014 file (AttnGAN's split), 5
// captions per image. Optional labels from instances_*.json next to each
// captions file (`cocoLabels`): the category of the largest instance, or
// multi-hot over the 80 categories. Optional Karpathy split: `splitFile`
// pointing at dataset_coco.json puts "train" and "restval" images in train
// and "val" and "test" images in test (captions still come from the COCO files).
import path from 'node:path';
import { DatasetError } from './datasetErrors';
import type { LoaderOptions } from './loaderOptions';
import { evenlySpaced, type PhotoItem, type PhotoManifest } from './photoDataset';
import { cleanCaption, hasWords, isDir, isFile, readJson, requireDir } from './textFiles';

export const COCO_CAPTIONS_PER_IMAGE = 5;
export const COCO_DEFAULT_ANNOTATIONS = { train: 'annotations/captions_train2014.json', test: 'annotations/captions_val2014.json' };

interface CocoImage {
  id: number;
  fileName: string;
  captions: string[];
  /** Where the image is listed, for messages. */
  source: string;
  bad?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one captions_*.json: every listed image with its captions in annotation order. */
function readCaptionsJson(file: string, opts: LoaderOptions): CocoImage[] {
  const { value } = readJson(file, 'COCO captions file');
  if (!isObject(value) || !Array.isArray(value.images) || !Array.isArray(value.annotations)) {
    throw new DatasetError(file, undefined, 'is not a COCO captions file: expected an object with "images" and "annotations" lists');
  }
  const images: CocoImage[] = [];
  const byId = new Map<number, CocoImage>();
  value.images.forEach((im: unknown, k: number) => {
    if (!isObject(im) || typeof im.id !== 'number' || typeof im.file_name !== 'string' || !im.file_name) {
      opts.bad.report('malformed line', file, undefined, `images[${k}] needs a numeric "id" and a "file_name"`);
      return;
    }
    const entry: CocoImage = { id: im.id, fileName: im.file_name, captions: [], source: file };
    images.push(entry);
    byId.set(im.id, entry);
  });
  value.annotations.forEach((a: unknown, k: number) => {
    const at = `annotations[${k}]${isObject(a) && a.id !== undefined ? ` (id ${String(a.id)})` : ''}`;
    if (!isObject(a) || typeof a.image_id !== 'number' || typeof a.caption !== 'string') {
      opts.bad.report('malformed line', file, undefined, `${at} needs a numeric "image_id" and a "caption" string`);
      return;
    }
    const im = byId.get(a.image_id);
    if (!im) {
      opts.bad.report('malformed line', file, undefined, `${at}: image_id ${a.image_id} is not in "images"`);
      return;
    }
    if (im.bad) return;
    const caption = cleanCaption(a.caption);
    if (!hasWords(caption)) {
      opts.bad.report('empty caption', file, undefined, `${at}: empty caption ${JSON.stringify(a.caption.slice(0, 40))} for image ${a.image_id} (${im.fileName})`);
      im.bad = true;
      return;
    }
    im.captions.push(caption);
  });
  return images;
}

/** The folder holding a split's images: `imagesDir`, or the first standard folder where the images are. */
function imageFolder(images: CocoImage[], opts: LoaderOptions, annotations: string): string {
  if (opts.imagesDir) {
    requireDir(opts.imagesDir, 'COCO image folder (imagesDir)');
    return opts.imagesDir;
  }
  const root = opts.root;
  const candidates = [...new Set(['train2014', 'val2014', 'images', 'train2017', 'val2017', '.'].map((d) => path.join(root, d)))].filter(isDir);
  const probe = images.slice(0, 20);
  for (const dir of candidates) if (probe.some((im) => isFile(path.join(dir, im.fileName)))) return dir;
  const first = probe[0]?.fileName ?? '(none)';
  throw new DatasetError(
    annotations,
    undefined,
    `cannot find its images (e.g. ${first}) in ${candidates.length ? candidates.join(', ') : root}; set "imagesDir" in the dataset config to the image folder`,
  );
}

interface Labels {
  largest: Map<number, number>;
  sets: Map<number, Set<number>>;
  classNames: string[];
}

/** instances_*.json next to a captions_*.json. */
export function instancesFileFor(captionsFile: string): string {
  const base = path.basename(captionsFile);
  if (!base.startsWith('captions_')) {
    throw new DatasetError(captionsFile, undefined, 'cocoLabels needs the captions file to be named captions_<split>.json, with instances_<split>.json beside it');
  }
  return path.join(path.dirname(captionsFile), `instances_${base.slice('captions_'.length)}`);
}

function readInstances(file: string, knownImages: Set<number>, opts: LoaderOptions, labels: Labels | undefined): Labels {
  if (!isFile(file)) {
    throw new DatasetError(file, undefined, 'missing COCO instances file, needed for "cocoLabels" (from annotations_trainval2014.zip); or set "cocoLabels": "none"');
  }
  const { value } = readJson(file, 'COCO instances file');
  if (!isObject(value) || !Array.isArray(value.categories) || !Array.isArray(value.annotations)) {
    throw new DatasetError(file, undefined, 'is not a COCO instances file: expected "categories" and "annotations" lists');
  }
  const cats = value.categories
    .filter((c: unknown): c is { id: number; name: string } => isObject(c) && typeof c.id === 'number' && typeof c.name === 'string')
    .sort((a, b) => a.id - b.id);
  if (cats.length === 0) throw new DatasetError(file, undefined, 'lists no categories');
  const classNames = cats.map((c) => c.name);
  if (labels && classNames.join('\n') !== labels.classNames.join('\n')) {
    throw new DatasetError(file, undefined, 'its categories differ from those of the other instances file');
  }
  const index = new Map(cats.map((c, i) => [c.id, i]));
  const out: Labels = labels ?? { largest: new Map(), sets: new Map(), classNames };
  const best = new Map<number, { area: number; crowd: boolean }>();
  value.annotations.forEach((a: unknown, k: number) => {
    if (!isObject(a) || typeof a.image_id !== 'number' || typeof a.category_id !== 'number') {
      opts.bad.report('label mismatch', file, undefined, `annotations[${k}] needs numeric "image_id" and "category_id"`);
      return;
    }
    const cls = index.get(a.category_id);
    if (cls === undefined) {
      opts.bad.report('label mismatch', file, undefined, `annotations[${k}]: category_id ${a.category_id} is not in "categories"`);
      return;
    }
    if (!knownImages.has(a.image_id)) {
      opts.bad.report('label mismatch', file, undefined, `annotations[${k}]: image_id ${a.image_id} is not in the captions file`);
      return;
    }
    const bbox = Array.isArray(a.bbox) ? (a.bbox as number[]) : [];
    const area = typeof a.area === 'number' ? a.area : (bbox[2] ?? 0) * (bbox[3] ?? 0);
    const crowd = a.iscrowd === 1;
    let set = out.sets.get(a.image_id);
    if (!set) out.sets.set(a.image_id, (set = new Set()));
    set.add(cls);
    // Largest instance, preferring single objects over crowd regions.
    const prev = best.get(a.image_id);
    if (!prev || (prev.crowd && !crowd) || (prev.crowd === crowd && area > prev.area)) {
      best.set(a.image_id, { area, crowd });
      out.largest.set(a.image_id, cls);
    }
  });
  return out;
}

/** dataset_coco.json: images[{cocoid, split}] (train, restval, val, test); returns cocoid -> split. */
function readKarpathy(file: string): Map<number, string> {
  if (/\.(pickle|pkl)$/i.test(file)) {
    throw new DatasetError(file, undefined, 'is a Python pickle, which T2I Lab does not read; for COCO, "splitFile" is Karpathy\'s dataset_coco.json (images[{cocoid, split}])');
  }
  const { value } = readJson(file, 'Karpathy split file');
  if (!isObject(value) || !Array.isArray(value.images)) {
    throw new DatasetError(file, undefined, 'is not a Karpathy split file (dataset_coco.json): expected an "images" list of {cocoid, split}');
  }
  const out = new Map<number, string>();
  value.images.forEach((im: unknown, k: number) => {
    const id = isObject(im) ? (typeof im.cocoid === 'number' ? im.cocoid : im.id) : undefined;
    if (!isObject(im) || typeof id !== 'number' || typeof im.split !== 'string') {
      throw new DatasetError(file, undefined, `images[${k}] needs a numeric "cocoid" and a "split"`);
    }
    out.set(id, im.split);
  });
  return out;
}

export function cocoManifest(opts: LoaderOptions): PhotoManifest {
  requireDir(opts.root, 'COCO dataset folder (dataset.root)');
  const trainFiles = opts.trainAnnotations ?? [path.join(opts.root, COCO_DEFAULT_ANNOTATIONS.train)];
  const testFiles = opts.testAnnotations ?? [path.join(opts.root, COCO_DEFAULT_ANNOTATIONS.test)];
  const perImage = opts.captionsPerImage || COCO_CAPTIONS_PER_IMAGE;

  const read = (files: string[]) =>
    files.map((file) => {
      const images = readCaptionsJson(file, opts);
      return { file, images, dir: imageFolder(images, opts, file) };
    });
  const trainParts = read(trainFiles);
  const testParts = read(testFiles);

  let labels: Labels | undefined;
  if (opts.cocoLabels !== 'none') {
    for (const part of [...trainParts, ...testParts]) {
      labels = readInstances(instancesFileFor(part.file), new Set(part.images.map((im) => im.id)), opts, labels);
    }
  }

  const cocoIds = new Map<PhotoItem, number>();
  const toItems = (parts: typeof trainParts): PhotoItem[] => {
    const items: PhotoItem[] = [];
    for (const { dir, images } of parts) {
      for (const im of images) {
        if (im.bad) continue;
        if (im.captions.length < perImage) {
          opts.bad.report('too few captions', im.source, undefined, `image ${im.id} (${im.fileName}) has ${im.captions.length} captions, the dataset config needs ${perImage} per image (captionsPerImage)`);
          continue;
        }
        const item: PhotoItem = { key: im.fileName.replace(/\.[^.]+$/, ''), file: path.join(dir, im.fileName), captions: im.captions.slice(0, perImage) };
        if (opts.cocoLabels === 'largest-instance') item.label = labels?.largest.get(im.id);
        if (opts.cocoLabels === 'multi-hot') item.labelSet = [...(labels?.sets.get(im.id) ?? [])].sort((a, b) => a - b);
        cocoIds.set(item, im.id);
        items.push(item);
      }
    }
    return items;
  };
  let train = toItems(trainParts);
  let test = toItems(testParts);

  if (opts.splitFile) {
    const karpathy = readKarpathy(opts.splitFile);
    const pooled = [...train, ...test];
    const known = new Set(cocoIds.values());
    let unknown = 0;
    for (const id of karpathy.keys()) if (!known.has(id)) unknown++;
    if (unknown) opts.log?.(`${opts.splitFile}: ${unknown} images of the Karpathy split are not in the captions files (left out)`);
    const splitOf = (it: PhotoItem) => karpathy.get(cocoIds.get(it)!) ?? '';
    train = pooled.filter((it) => ['train', 'restval'].includes(splitOf(it)));
    test = pooled.filter((it) => ['val', 'test'].includes(splitOf(it)));
  }
  if (opts.cocoLabels === 'largest-instance') {
    const unlabelled = [...train, ...test].filter((it) => it.label === undefined).length;
    if (unlabelled) opts.log?.(`coco: ${unlabelled} ${unlabelled === 1 ? 'image has' : 'images have'} no instance annotation, so no label`);
  }
  return {
    kind: 'coco',
    root: opts.root,
    train: evenlySpaced(train, opts.maxImages),
    test: evenlySpaced(test, opts.maxImages),
    numClasses: labels?.classNames.length,
    classNames: labels?.classNames,
  };
}
