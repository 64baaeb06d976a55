// Oxford-102 Flowers in Reed et al.'s layout:
//   jpg/image_XXXXX.jpg
//   text_c10/class_XXXXX/image_XXXXX.txt   10 captions (other files there, e.g. .h5, are ignored)
//   trainvalclasses.txt, testclasses.txt    class split, one class_XXXXX per line
// Labels number the class folders in sorted order (class_00001 is 0).
import fs from 'node:fs';
import path from 'node:path';
import { classFolderManifest, findTextDir, type ClassImage } from './cub';
import { DatasetError } from './datasetErrors';
import type { LoaderOptions } from './loaderOptions';
import type { PhotoManifest } from './photoDataset';
import { discoverSplit, readSplitFile, type SplitExamples } from './splitFiles';
import { isDir, requireDir } from './textFiles';

export const OXFORD_CAPTIONS_PER_IMAGE = 10;
const OXFORD_EXAMPLES: SplitExamples = { className: 'class_00001', key: 'class_00001/image_06734' };

export function oxford102Manifest(opts: LoaderOptions): PhotoManifest {
  const root = opts.root;
  requireDir(root, 'Oxford-102 dataset folder (dataset.root)');
  const textDir = findTextDir(root);
  const imagesDir = opts.imagesDir ?? path.join(root, 'jpg');
  requireDir(imagesDir, 'Oxford-102 image folder (jpg/)');

  const images: ClassImage[] = [];
  const classes = fs.readdirSync(textDir).filter((d) => isDir(path.join(textDir, d))).sort();
  for (const className of classes) {
    const files = fs.readdirSync(path.join(textDir, className)).filter((f) => f.endsWith('.txt')).sort();
    for (const f of files) {
      const stem = f.slice(0, -4);
      images.push({ key: `${className}/${stem}`, className, file: path.join(imagesDir, `${stem}.jpg`) });
    }
  }
  if (images.length === 0) throw new DatasetError(textDir, undefined, 'has no class folders with caption files (expected class_XXXXX/image_XXXXX.txt)');
  const lists = opts.splitFile ? readSplitFile(opts.splitFile, root, OXFORD_EXAMPLES) : discoverSplit(root, OXFORD_EXAMPLES);
  return classFolderManifest('oxford102', images, lists, textDir, opts, OXFORD_CAPTIONS_PER_IMAGE, classes);
}
