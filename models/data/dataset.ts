// The interface every dataset loader implements. Images are RGB bytes at the
// config's resolution (S*S*3, row-major, no alpha); the trainer turns them
// into tensors in [-1, 1].
import type { Rng } from './rng';

export interface DatasetSplit {
  readonly length: number;
  /**
   * RGB bytes, length size*size*3 (a fresh array the caller may modify).
   * With `rng` (training batches) a loader may augment: the photo datasets
   * take a random S crop of their ⌊S·76/64⌋ image and flip it half the time,
   * as AttnGAN does. Without it the result is deterministic (centre crop).
   * Shapes ignore it: their captions name left and right.
   */
  image(i: number, rng?: Rng): Uint8Array;
  /** All captions of item i (10 for CUB/Oxford/shapes, 5 for COCO). */
  captions(i: number): string[];
  /** Class label, when the dataset has labels. */
  label(i: number): number | undefined;
  /** Ground-truth attributes (shapes dataset: shape, color, size, position). */
  attributes?(i: number): Record<string, string>;
  /** Multi-hot labels as the sorted list of positive classes (COCO with `cocoLabels: "multi-hot"`). */
  labelSet?(i: number): number[];
  /** Stable identifier of item i (e.g. the CUB key `001.Black_footed_Albatross/Black_Footed_Albatross_0046_18`). */
  key?(i: number): string;
}

export interface T2IDataset {
  /** e.g. "shapes", "cub". */
  readonly kind: string;
  /** Image side length in pixels. */
  readonly size: number;
  readonly numClasses?: number;
  /** Name of each class label, when the dataset names them. */
  readonly classNames?: readonly string[];
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
  /** Warnings from loading (with onBadSample "skip": what was left out, counted per kind). */
  readonly warnings?: readonly string[];
  /** Releases open files (the image cache of large datasets). */
  close?(): void;
}
