// Localized Narratives: JSON-lines files (one narrative per line, fields
// dataset_id, image_id, annotator_id, caption, timed_caption, traces, ...)
// joined to a COCO or Open Images image folder by image_id:
//   COCO:        image_id "391895"           -> COCO_train2014_000000391895.jpg or 000000391895.jpg
//   Open Images: image_id "0000b86e2fd18333" -> 0000b86e2fd18333.jpg
// Defaults: root/coco_train_localized_narratives.jsonl (train) and
// root/coco_val_localized_narratives.jsonl (test); images in imagesDir, else
// the first of root/{train2014, val2014, images, train, validation} and root
// that holds them. One narrative per image (XMC-GAN); the rest are kept only
// when captionsPerImage asks for more.
import fs from 'node:fs';
import path from 'node:path';
import { DatasetError } from './datasetErrors';
import { IMAGE_EXTENSIONS } from './imageDecode';
import type { LoaderOptions } from './loaderOptions';
import { evenlySpaced, type PhotoItem, type PhotoManifest } from './photoDataset';
import { cleanCaption, forEachLine, hasWords, isDir, requireDir } from './textFiles';

export const LN_CAPTIONS_PER_IMAGE = 1;
export const LN_DEFAULT_ANNOTATIONS = { train: 'coco_train_localized_narratives.jsonl', test: 'coco_val_localized_narratives.jsonl' };

/** Image files of the folders, by every name an image_id may take (file stem; COCO id without zeros). */
function indexImages(dirs: string[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir)) {
      const ext = path.extname(f).toLowerCase();
      if (!IMAGE_EXTENSIONS.includes(ext)) continue;
      const stem = f.slice(0, -ext.length);
      const file = path.join(dir, f);
      if (!index.has(stem)) index.set(stem, file);
      const coco = /(?:^|_)(\d{6,})$/.exec(stem);
      if (coco) {
        const id = String(Number(coco[1]));
        if (!index.has(id)) index.set(id, file);
      }
    }
  }
  return index;
}

interface Narrated {
  imageId: string;
  captions: string[];
  file: string;
  /** The JSON-lines file and line of the image's first narrative. */
  source: string;
  line: number;
  bad?: boolean;
}

function readNarratives(files: string[], images: Map<string, string>, dirs: string[], opts: LoaderOptions): Narrated[] {
  const byImage = new Map<string, Narrated>();
  for (const file of files) {
    forEachLine(file, 'Localized Narratives file', (text, line) => {
      if (!text.trim()) return;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (e) {
        opts.bad.report('malformed line', file, line, `not valid JSON: ${(e as Error).message}`);
        return;
      }
      const r = rec as { image_id?: unknown; caption?: unknown };
      const id = typeof r?.image_id === 'number' ? String(r.image_id) : r?.image_id;
      if (typeof id !== 'string' || !id || typeof r.caption !== 'string') {
        opts.bad.report('malformed line', file, line, 'a narrative needs "image_id" and "caption"');
        return;
      }
      let entry = byImage.get(id);
      if (entry?.bad) return;
      if (!entry) {
        const image = images.get(id) ?? images.get(String(Number(id)));
        if (!image) {
          opts.bad.report('missing image', file, line, `no image for image_id ${id} in ${dirs.join(', ')}`);
          byImage.set(id, { imageId: id, captions: [], file: '', source: file, line, bad: true });
          return;
        }
        entry = { imageId: id, captions: [], file: image, source: file, line };
        byImage.set(id, entry);
      }
      const caption = cleanCaption(r.caption);
      if (!hasWords(caption)) {
        opts.bad.report('empty caption', file, line, `empty caption for image_id ${id}`);
        entry.bad = true;
        return;
      }
      entry.captions.push(caption);
    });
  }
  return [...byImage.values()].filter((e) => !e.bad);
}

export function localizedNarrativesManifest(opts: LoaderOptions): PhotoManifest {
  const root = opts.root;
  requireDir(root, 'Localized Narratives folder (dataset.root)');
  let dirs: string[];
  if (opts.imagesDir) {
    requireDir(opts.imagesDir, 'image folder (imagesDir)');
    dirs = [opts.imagesDir];
  } else {
    dirs = ['train2014', 'val2014', 'images', 'train', 'validation', '.'].map((d) => path.join(root, d)).filter(isDir);
  }
  const images = indexImages(dirs);
  if (images.size === 0) {
    throw new DatasetError(opts.imagesDir ?? root, undefined, 'holds no .png/.jpg images to join the narratives to; set "imagesDir" in the dataset config to the COCO or Open Images image folder');
  }
  const perImage = opts.captionsPerImage || LN_CAPTIONS_PER_IMAGE;
  const toItems = (files: string[]): PhotoItem[] => {
    const items: PhotoItem[] = [];
    for (const n of readNarratives(files, images, dirs, opts)) {
      if (n.captions.length < perImage) {
        opts.bad.report('too few captions', n.source, n.line, `image_id ${n.imageId} has ${n.captions.length} narratives, the dataset config needs ${perImage} per image (captionsPerImage)`);
        continue;
      }
      items.push({ key: n.imageId, file: n.file, captions: n.captions.slice(0, perImage) });
    }
    return items;
  };
  const train = toItems(opts.trainAnnotations ?? [path.join(root, LN_DEFAULT_ANNOTATIONS.train)]);
  const test = toItems(opts.testAnnotations ?? [path.join(root, LN_DEFAULT_ANNOTATIONS.test)]);
  return { kind: 'localized-narratives', root, train: evenlySpaced(train, opts.maxImages), test: evenlySpaced(test, opts.maxImages) };
}
