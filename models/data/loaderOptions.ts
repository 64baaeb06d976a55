// What every file-based loader is given: the dataset section of the config
// with its paths made absolute (root relative to the config file, the other
// paths relative to root), and the bad-sample policy.
import path from 'node:path';
import type { BadSamples } from './datasetErrors';

export type CocoLabels = 'none' | 'largest-instance' | 'multi-hot';

export interface LoaderOptions {
  /** Dataset folder, absolute. */
  root: string;
  /** Image folder, absolute; undefined: the kind's default. */
  imagesDir?: string;
  /** Split file, absolute; undefined: the kind's default discovery. */
  splitFile?: string;
  /** Annotation files (COCO captions JSON, Localized Narratives JSON-lines), absolute; undefined: the kind's default. */
  trainAnnotations?: string[];
  testAnnotations?: string[];
  /** Captions read per image; 0: the kind's standard number. */
  captionsPerImage: number;
  /** CUB: crop around the bounding box. */
  bboxCrop: boolean;
  cocoLabels: CocoLabels;
  /** Keep at most this many images per split (evenly spaced); 0: all. */
  maxImages: number;
  /** Folder: seed and share of the random test split when there is no split file. */
  seed: number;
  testFraction: number;
  bad: BadSamples;
  log?: (line: string) => void;
}

/** Resolves `p` against `base` unless it is absolute; empty means undefined. */
export function resolveUnder(base: string, p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined;
  return path.resolve(base, p);
}

/** A string-or-list config value as a list of absolute paths (undefined when empty). */
export function resolveList(base: string, p: string | readonly string[] | undefined): string[] | undefined {
  const list = (Array.isArray(p) ? p : p === undefined || p === '' ? [] : [p]) as string[];
  const out = list.filter((s) => s !== '').map((s) => path.resolve(base, s));
  return out.length ? out : undefined;
}
