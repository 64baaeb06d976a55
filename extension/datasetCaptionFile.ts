// Which image a dataset's caption file belongs to, by the loaders' own path
// rules (models/data/cub.ts, oxford102.ts, folder.ts): CUB
// `text|text_c10/<class>/<name>.txt` → `CUB_200_2011/images/<class>/<name>.jpg`;
// Oxford-102 `text_c10/<class>/<image>.txt` → `jpg/<image>.jpg`; folder
// `images/<name>.txt` → `images/<name>.png|jpg|jpeg`. `imagesDir` overrides
// the image folder as it does for the loaders. Pure node:fs, no vscode.
import path from 'node:path';
import type { T2IConfig } from '../models/config/config';
import { datasetRootOf } from '../models/config/datasetPaths';
import { IMAGE_EXTENSIONS } from '../models/data/imageDecode';
import { isDir, isFile } from '../models/data/textFiles';

export interface DatasetCaptionFile {
  configPath: string;
  kind: 'cub' | 'oxford102' | 'folder';
  /** The sample's key as the loader names it (`<class>/<name>`, or the file stem). */
  key: string;
  /** The real image; undefined when it is not on disk. */
  image?: string;
}

function inside(parent: string, child: string): string | undefined {
  const rel = path.relative(parent, child);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** The dataset sample a `.txt` caption file is, if it is one of `cfg`'s caption files. */
export function datasetCaptionFile(cfg: T2IConfig, configPath: string, file: string): DatasetCaptionFile | undefined {
  const d = cfg.dataset;
  if (!file.toLowerCase().endsWith('.txt') || (d.kind !== 'cub' && d.kind !== 'oxford102' && d.kind !== 'folder')) return undefined;
  const root = datasetRootOf(cfg, configPath);
  const imagesDirOverride = d.imagesDir ? path.resolve(root, d.imagesDir) : undefined;
  const abs = path.resolve(file);
  if (d.kind === 'folder') {
    const imagesDir = imagesDirOverride ?? path.join(root, 'images');
    const rel = inside(imagesDir, abs);
    if (!rel || rel.includes(path.sep)) return undefined;
    const key = rel.slice(0, -4);
    const image = IMAGE_EXTENSIONS.map((e) => path.join(imagesDir, key + e)).find(isFile);
    return { configPath, kind: 'folder', key, image };
  }
  // Class-folder layouts: <text dir>/<class>/<name>.txt, text dir `text` (AttnGAN) or `text_c10` (Reed), as findTextDir picks.
  const textDir = ['text', 'text_c10'].map((t) => path.join(root, t)).find(isDir);
  const rel = textDir ? inside(textDir, abs) : undefined;
  const parts = rel?.split(path.sep);
  if (!parts || parts.length !== 2) return undefined;
  const [className, fileName] = parts as [string, string];
  const stem = fileName.slice(0, -4);
  const key = `${className}/${stem}`;
  if (d.kind === 'oxford102') {
    const image = path.join(imagesDirOverride ?? path.join(root, 'jpg'), `${stem}.jpg`);
    return { configPath, kind: 'oxford102', key, image: isFile(image) ? image : undefined };
  }
  const cubDir = isFile(path.join(root, 'CUB_200_2011', 'images.txt')) ? path.join(root, 'CUB_200_2011') : root;
  const image = path.join(imagesDirOverride ?? path.join(cubDir, 'images'), className, `${stem}.jpg`);
  return { configPath, kind: 'cub', key, image: isFile(image) ? image : undefined };
}
