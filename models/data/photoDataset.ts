// Turns a loader's manifest (image files, captions, labels per split) into a
// T2IDataset: images come from the decoded-image cache, and training reads
// get AttnGAN's augmentation (stored at ⌊S·76/64⌋ on the shorter side, random
// S crop, random horizontal flip) when the split is given an Rng.
import crypto from 'node:crypto';
import type { DatasetSplit, T2IDataset } from './dataset';
import { BadSamples } from './datasetErrors';
import { openImageStore, type ImageStore, type ImageStoreStats } from './imageStore';
import { cropMarginSize, cropRgb, flipRgbInPlace } from './resize';
import type { Rng } from './rng';

export type Augment = 'crop-flip' | 'crop' | 'none';

export interface PhotoItem {
  /** Stable identifier, e.g. `001.Black_footed_Albatross/Black_Footed_Albatross_0046_18`. */
  key: string;
  /** Absolute path of the image file. */
  file: string;
  captions: string[];
  label?: number;
  /** Multi-hot labels as the sorted list of positive classes (COCO `cocoLabels: "multi-hot"`). */
  labelSet?: number[];
  /** CUB bounding box [x, y, w, h]. */
  bbox?: readonly [number, number, number, number];
}

export interface PhotoManifest {
  kind: string;
  /** Dataset folder (absolute); part of the cache name. */
  root: string;
  train: PhotoItem[];
  test: PhotoItem[];
  numClasses?: number;
  classNames?: string[];
}

export interface PhotoSplit extends DatasetSplit {
  image(i: number, rng?: Rng): Uint8Array;
  key(i: number): string;
  /** Absolute path of item i's image file. */
  file(i: number): string;
  labelSet?(i: number): number[];
}

export interface PhotoDataset extends T2IDataset {
  readonly train: PhotoSplit;
  readonly test: PhotoSplit;
  readonly classNames?: string[];
  /** Skip-mode warnings (one line per kind of bad sample). */
  readonly warnings: string[];
  /** How the images were opened (decoded now or read from the cache). */
  readonly imageStats: ImageStoreStats;
  close(): void;
}

export interface PhotoDatasetOptions {
  /** Image side S. */
  size: number;
  augment: Augment;
  cacheDir?: string;
  bad: BadSamples;
  log?: (line: string) => void;
  maxMemoryBytes?: number;
}

/** Keeps at most `max` items, evenly spaced (so every class of a class-ordered list stays). */
export function evenlySpaced<T>(items: T[], max: number): T[] {
  if (!(max > 0) || items.length <= max) return items;
  return Array.from({ length: max }, (_, k) => items[Math.floor((k * items.length) / max)]!);
}

function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
}

export function buildPhotoDataset(manifest: PhotoManifest, opts: PhotoDatasetOptions): PhotoDataset {
  const S = opts.size;
  const all = [...manifest.train, ...manifest.test];
  const stored = opts.augment === 'none' ? S : cropMarginSize(S);
  const store: ImageStore = openImageStore(
    all.map((it) => ({ file: it.file, bbox: it.bbox })),
    {
      shortSide: stored,
      cacheName: `${manifest.kind.replace(/[^A-Za-z0-9]/g, '')}-${shortHash(manifest.root)}-${S}px-${opts.augment === 'none' ? 'fit' : 'crop'}`,
      cacheDir: opts.cacheDir,
      log: opts.log,
      maxMemoryBytes: opts.maxMemoryBytes,
    },
    opts.bad,
  );

  const makeSplit = (name: string, items: PhotoItem[], offset: number): PhotoSplit => {
    // Store indices of the items whose image opened.
    const members: number[] = [];
    items.forEach((_, i) => {
      if (!store.failed.has(offset + i)) members.push(i);
    });
    const at = (i: number): PhotoItem => {
      const item = items[members[i]!];
      if (!item || !Number.isInteger(i)) throw new RangeError(`${manifest.kind} ${name} index ${i} is out of range (0..${members.length - 1})`);
      return item;
    };
    const split: PhotoSplit = {
      length: members.length,
      image(i: number, rng?: Rng): Uint8Array {
        at(i);
        const img = store.get(offset + members[i]!);
        const crop = rng !== undefined && opts.augment !== 'none';
        const x = crop ? rng.int(img.width - S + 1) : (img.width - S) >> 1;
        const y = crop ? rng.int(img.height - S + 1) : (img.height - S) >> 1;
        const out = cropRgb(img, { x1: x, y1: y, x2: x + S, y2: y + S }).data;
        if (rng !== undefined && opts.augment === 'crop-flip' && rng.uniform() < 0.5) flipRgbInPlace(out, S, S);
        return out;
      },
      captions: (i) => at(i).captions.slice(),
      label: (i) => at(i).label,
      key: (i) => at(i).key,
      file: (i) => at(i).file,
    };
    if (items.some((it) => it.labelSet)) split.labelSet = (i) => (at(i).labelSet ?? []).slice();
    return split;
  };

  const train = makeSplit('train', manifest.train, 0);
  const test = makeSplit('test', manifest.test, manifest.train.length);
  const warnings = opts.bad.flush();
  if (train.length === 0) {
    store.close();
    const skipped = opts.bad.total ? ` (${opts.bad.total} bad samples were skipped; see the warnings)` : '';
    throw new Error(`${manifest.kind} dataset at ${manifest.root} has no training images${skipped}`);
  }
  return {
    kind: manifest.kind,
    size: S,
    numClasses: manifest.numClasses,
    classNames: manifest.classNames,
    train,
    test,
    warnings,
    imageStats: store.stats,
    close: () => store.close(),
  };
}
