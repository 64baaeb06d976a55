// CUB-200-2011 with Reed et al.'s captions, in AttnGAN's data/birds layout:
//   CUB_200_2011/images.txt            "<id> <class>/<name>.jpg"
//   CUB_200_2011/bounding_boxes.txt    "<id> x y w h"
//   CUB_200_2011/image_class_labels.txt  (optional, checked) "<id> <class id>"
//   CUB_200_2011/images/<class>/<name>.jpg
//   text/<class>/<name>.txt            10 captions (or Reed's text_c10/)
// and a class split (see splitFiles.ts). Labels are the species, numbered by
// sorted class folder (001.* is 0). Images are cropped around the bounding box
// (half side 0.75·max(w, h)) before resizing, as AttnGAN does.
import path from 'node:path';
import { DatasetError } from './datasetErrors';
import type { LoaderOptions } from './loaderOptions';
import { evenlySpaced, type PhotoItem, type PhotoManifest } from './photoDataset';
import { applySplit, discoverSplit, readSplitFile, type SplitExamples, type SplitLists } from './splitFiles';
import { isDir, isFile, readCaptionFile, readText, requireDir, splitLines } from './textFiles';

export const CUB_CAPTIONS_PER_IMAGE = 10;
const CUB_EXAMPLES: SplitExamples = { className: '001.Black_footed_Albatross', key: '001.Black_footed_Albatross/Black_Footed_Albatross_0046_18' };

/** An image of a class-folder dataset before captions are read. */
export interface ClassImage {
  key: string;
  className: string;
  file: string;
  bbox?: readonly [number, number, number, number];
}

/** Reads a whitespace-separated index file ("<id> fields..."), reporting malformed lines. */
function readIndex(file: string, what: string, fields: number, example: string, opts: LoaderOptions): { id: string; parts: string[]; line: number }[] {
  const out: { id: string; parts: string[]; line: number }[] = [];
  splitLines(readText(file, what)).forEach((raw, i) => {
    if (!raw.trim()) return;
    const parts = raw.trim().split(/\s+/);
    if (parts.length !== fields + 1 || !/^\d+$/.test(parts[0]!)) {
      opts.bad.report('malformed line', file, i + 1, `expected "${example}", got ${JSON.stringify(raw.slice(0, 60))}`);
      return;
    }
    out.push({ id: parts[0]!, parts: parts.slice(1), line: i + 1 });
  });
  return out;
}

/** Finds the caption folder: AttnGAN's `text/` or Reed's `text_c10/`. */
export function findTextDir(root: string): string {
  for (const d of ['text', 'text_c10']) if (isDir(path.join(root, d))) return path.join(root, d);
  throw new DatasetError(path.join(root, 'text'), undefined, 'missing caption folder: expected text/<class>/<name>.txt (AttnGAN) or text_c10/<class>/<name>.txt (Reed et al.)');
}

/**
 * Splits class-folder images by the split lists, reads their captions and
 * numbers the classes; shared by CUB and Oxford-102.
 */
export function classFolderManifest(
  kind: string,
  images: ClassImage[],
  lists: SplitLists,
  textDir: string,
  opts: LoaderOptions,
  defaultPerImage: number,
  allClasses?: readonly string[],
): PhotoManifest {
  const classNames = [...new Set(allClasses ?? images.map((im) => im.className))].sort();
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const { train, test, unmatched, both } = applySplit(images, lists);
  for (const e of unmatched) opts.bad.report('split mismatch', e.file, e.line, `${JSON.stringify(e.name)} names no class or image of the dataset`);
  for (const im of both) opts.bad.report('split mismatch', lists.source, undefined, `${im.key} is in both the train and the test list`);
  const perImage = opts.captionsPerImage || defaultPerImage;
  const withCaptions = (list: ClassImage[]): PhotoItem[] => {
    const out: PhotoItem[] = [];
    for (const im of evenlySpaced(list, opts.maxImages)) {
      const captions = readCaptionFile(path.join(textDir, `${im.key}.txt`), perImage, opts.bad);
      if (captions) out.push({ key: im.key, file: im.file, captions, label: classIndex.get(im.className), bbox: im.bbox });
    }
    return out;
  };
  return { kind, root: opts.root, train: withCaptions(train), test: withCaptions(test), numClasses: classNames.length, classNames };
}

export function cubManifest(opts: LoaderOptions): PhotoManifest {
  const root = opts.root;
  requireDir(root, 'CUB dataset folder (dataset.root)');
  const cubDir = isFile(path.join(root, 'CUB_200_2011', 'images.txt')) ? path.join(root, 'CUB_200_2011') : isFile(path.join(root, 'images.txt')) ? root : undefined;
  if (!cubDir) {
    throw new DatasetError(
      path.join(root, 'CUB_200_2011', 'images.txt'),
      undefined,
      "missing CUB-200-2011 index; dataset.root should be AttnGAN's data/birds folder: CUB_200_2011/{images.txt, bounding_boxes.txt, images/} and text/<class>/<name>.txt",
    );
  }
  const imagesDir = opts.imagesDir ?? path.join(cubDir, 'images');
  requireDir(imagesDir, 'CUB image folder');

  const indexFile = path.join(cubDir, 'images.txt');
  const byId = new Map<string, ClassImage & { line: number }>();
  for (const { id, parts, line } of readIndex(indexFile, 'CUB image list', 1, '<id> <class>/<name>.jpg', opts)) {
    const rel = parts[0]!;
    const slash = rel.indexOf('/');
    if (slash <= 0) {
      opts.bad.report('malformed line', indexFile, line, `expected "<id> <class>/<name>.jpg", got ${JSON.stringify(rel)}`);
      continue;
    }
    if (byId.has(id)) {
      opts.bad.report('malformed line', indexFile, line, `image id ${id} appears twice`);
      continue;
    }
    byId.set(id, { key: rel.replace(/\.[^./]+$/, ''), className: rel.slice(0, slash), file: path.join(imagesDir, rel), line });
  }
  if (byId.size === 0) throw new DatasetError(indexFile, undefined, 'lists no images');
  const allClasses = [...new Set([...byId.values()].map((im) => im.className))];

  if (opts.bboxCrop) {
    const bboxFile = path.join(cubDir, 'bounding_boxes.txt');
    if (!isFile(bboxFile)) throw new DatasetError(bboxFile, undefined, 'missing bounding-box file (or set "bboxCrop": false in the dataset config to use whole images)');
    for (const { id, parts, line } of readIndex(bboxFile, 'bounding-box file', 4, '<id> <x> <y> <width> <height>', opts)) {
      const box = parts.map(Number) as [number, number, number, number];
      const im = byId.get(id);
      if (box.some((v) => !Number.isFinite(v)) || box[2] <= 0 || box[3] <= 0) {
        opts.bad.report('malformed line', bboxFile, line, `bounding box ${parts.join(' ')} is not x y w h with positive w and h`);
      } else if (!im) {
        opts.bad.report('label mismatch', bboxFile, line, `image id ${id} is not in ${path.basename(indexFile)}`);
      } else {
        im.bbox = box;
      }
    }
    for (const [id, im] of byId) {
      if (!im.bbox) {
        opts.bad.report('label mismatch', bboxFile, undefined, `no bounding box for image id ${id} (${im.key}, ${path.basename(indexFile)} line ${im.line})`);
        byId.delete(id);
      }
    }
  }

  // The species file is optional; when present it must agree with the folders.
  const labelFile = path.join(cubDir, 'image_class_labels.txt');
  if (isFile(labelFile)) {
    for (const { id, parts, line } of readIndex(labelFile, 'class label file', 1, '<id> <class id>', opts)) {
      const im = byId.get(id);
      if (!im) continue; // already reported, or not in the image list
      const folderId = /^(\d+)\./.exec(im.className)?.[1];
      if (folderId !== undefined && Number(folderId) !== Number(parts[0])) {
        opts.bad.report('label mismatch', labelFile, line, `class ${parts[0]} for image id ${id} does not match its folder ${im.className}`);
        byId.delete(id);
      }
    }
  }

  const textDir = findTextDir(root);
  const lists = opts.splitFile ? readSplitFile(opts.splitFile, root, CUB_EXAMPLES) : discoverSplit(root, CUB_EXAMPLES);
  return classFolderManifest('cub', [...byId.values()], lists, textDir, opts, CUB_CAPTIONS_PER_IMAGE, allClasses);
}
