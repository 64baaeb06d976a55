// Draws training batches: a shuffled pass over the split per epoch, one random
// caption per image per step (as AttnGAN does), images scaled to [-1, 1].
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit } from '../data/dataset';
import { Rng } from '../data/rng';
import type { Vocabulary } from '../text/vocabulary';
import type { Batch } from './method';

export interface BatcherState {
  /** RNG state at the start of the current epoch (re-derives the order). */
  epochRng: number[];
  /** RNG state now (caption choice and subsets). */
  rng: number[];
  pos: number;
  epoch: number;
}

export class Batcher {
  private order: number[] = [];
  private pos = 0;
  private epoch = 0;
  private epochRng: number[] = [];

  constructor(
    private readonly split: DatasetSplit,
    private readonly vocab: Vocabulary,
    private readonly maxWords: number,
    private readonly size: number,
    private readonly rng: Rng,
  ) {
    if (split.length === 0) throw new Error('the training split is empty');
    this.newEpoch();
  }

  private newEpoch(): void {
    this.epochRng = this.rng.getState();
    this.order = this.rng.shuffle(Array.from({ length: this.split.length }, (_, i) => i));
    this.pos = 0;
  }

  next(batchSize: number): Batch {
    const S = this.size;
    const pixels = new Float32Array(batchSize * S * S * 3);
    const ids = new Int32Array(batchSize * this.maxWords);
    const lengths = new Int32Array(batchSize);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      if (this.pos >= this.order.length) {
        this.epoch++;
        this.newEpoch();
      }
      const i = this.order[this.pos++];
      const img = this.split.image(i, this.rng); // rng: the loader's random crop/flip, if any
      const off = b * S * S * 3;
      for (let k = 0; k < img.length; k++) pixels[off + k] = img[k] / 127.5 - 1;
      const captions = this.split.captions(i);
      const enc = this.vocab.encode(this.rng.choice(captions), this.maxWords, () => this.rng.uniform());
      ids.set(enc.ids, b * this.maxWords);
      lengths[b] = enc.length;
      labels[b] = this.split.label(i) ?? -1;
    }
    return {
      images: tf.tensor4d(pixels, [batchSize, S, S, 3]),
      ids: tf.tensor2d(ids, [batchSize, this.maxWords], 'int32'),
      lengths,
      labels,
    };
  }

  state(): BatcherState {
    return { epochRng: this.epochRng, rng: this.rng.getState(), pos: this.pos, epoch: this.epoch };
  }

  /** Continues exactly where `state()` was taken: same epoch order, position and random stream. */
  restore(s: BatcherState): void {
    this.rng.setState(s.epochRng);
    this.newEpoch(); // re-derives the epoch's order from its starting state
    this.rng.setState(s.rng);
    this.pos = s.pos;
    this.epoch = s.epoch;
  }
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.images, b.ids]);
}
