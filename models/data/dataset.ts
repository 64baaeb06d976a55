// The interface every dataset loader implements. Images are RGB bytes at the
// config's resolution (S*S*3, row-major, no alpha); the trainer turns them
// into tensors in [-1, 1].

export interface DatasetSplit {
  readonly length: number;
  /** RGB bytes, length size*size*3. */
  image(i: number): Uint8Array;
  /** All captions of item i (10 for CUB/Oxford/shapes, 5 for COCO). */
  captions(i: number): string[];
  /** Class label, when the dataset has labels. */
  label(i: number): number | undefined;
  /** Ground-truth attributes (shapes dataset: shape, color, size, position). */
  attributes?(i: number): Record<string, string>;
}

export interface T2IDataset {
  /** e.g. "shapes", "cub". */
  readonly kind: string;
  /** Image side length in pixels. */
  readonly size: number;
  readonly numClasses?: number;
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
}
