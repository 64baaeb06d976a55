// The two-branch batches of the supervised-contrastive framework (design §4.1):
// branch A is drawn class-balanced (a class uniformly at random, then one of
// its images, then one of its captions); branch B holds, for every sample of
// A, a partner of the same label:
//   "label"      another image of the same class with one of its captions
//                (the paper's label-guided reading), or the same image with
//                another caption when the class has a single image;
//   "same-image" the same image with another caption (T2I_CL's pairs).
// Unlabelled items (label < 0 or none; COCO without cocoLabels) are each
// their own class, so they always pair with themselves.
//
// `next(n)` returns ONE batch of 2n rows: rows [0, n) are branch A, rows
// [n, 2n) branch B, row n + i being the partner of row i. Everything random
// comes from one Rng, so the batches are reproducible from its state.
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit } from '../data/dataset';
import { Rng } from '../data/rng';
import type { Vocabulary } from '../text/vocabulary';
import type { T2IConfig } from '../config/config';
import { Batcher, type BatcherState } from '../train/batcher';
import type { Batch } from '../train/method';

export type PairingMode = 'same-image' | 'label';

export class TwoBranchSampler {
  /** Item indices per class; unlabelled items are singleton classes. */
  readonly classes: number[][];

  constructor(
    private readonly split: DatasetSplit,
    private readonly vocab: Vocabulary,
    private readonly maxWords: number,
    private readonly size: number,
    private readonly rng: Rng,
    readonly mode: PairingMode,
  ) {
    if (split.length === 0) throw new Error('the training split is empty');
    const byLabel = new Map<number, number[]>();
    const classes: number[][] = [];
    for (let i = 0; i < split.length; i++) {
      const l = split.label(i);
      if (l === undefined || l < 0) {
        classes.push([i]);
        continue;
      }
      if (!byLabel.has(l)) byLabel.set(l, []);
      byLabel.get(l)!.push(i);
    }
    this.classes = [...[...byLabel.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v), ...classes];
  }

  /** Indices of (A, B) items and the caption index each uses, for n pairs. */
  pick(n: number): { a: number[]; b: number[]; capA: number[]; capB: number[] } {
    const a: number[] = [];
    const b: number[] = [];
    const capA: number[] = [];
    const capB: number[] = [];
    for (let k = 0; k < n; k++) {
      const cls = this.rng.choice(this.classes);
      const i = this.rng.choice(cls);
      const ci = this.rng.int(this.split.captions(i).length);
      let j = i;
      if (this.mode === 'label' && cls.length > 1) {
        j = cls[this.rng.int(cls.length - 1)];
        if (j === i) j = cls[cls.length - 1]; // uniform over the class without i
      }
      const nj = this.split.captions(j).length;
      let cj = this.rng.int(nj);
      if (j === i && nj > 1) cj = (ci + 1 + this.rng.int(nj - 1)) % nj; // another caption of the same image
      a.push(i);
      capA.push(ci);
      b.push(j);
      capB.push(cj);
    }
    return { a, b, capA, capB };
  }

  /** 2n rows: branch A then branch B (see the file header). */
  next(n: number): Batch {
    const { a, b, capA, capB } = this.pick(n);
    const items = [...a, ...b];
    const caps = [...capA, ...capB];
    const S = this.size;
    const rows = items.length;
    const pixels = new Float32Array(rows * S * S * 3);
    const ids = new Int32Array(rows * this.maxWords);
    const lengths = new Int32Array(rows);
    const labels = new Int32Array(rows);
    items.forEach((i, r) => {
      const img = this.split.image(i, this.rng);
      const off = r * S * S * 3;
      for (let k = 0; k < img.length; k++) pixels[off + k] = img[k] / 127.5 - 1;
      const enc = this.vocab.encode(this.split.captions(i)[caps[r]], this.maxWords, () => this.rng.uniform());
      ids.set(enc.ids, r * this.maxWords);
      lengths[r] = enc.length;
      labels[r] = this.split.label(i) ?? -1;
    });
    return {
      images: tf.tensor4d(pixels, [rows, S, S, 3]),
      ids: tf.tensor2d(ids, [rows, this.maxWords], 'int32'),
      lengths,
      labels,
    };
  }

  /** Same shape as the Batcher's state; only `rng` matters (the sampler has no epoch order). */
  state(): BatcherState {
    return { epochRng: this.rng.getState(), rng: this.rng.getState(), pos: 0, epoch: 0 };
  }

  restore(s: BatcherState): void {
    this.rng.setState(s.rng);
  }
}

/** Splits a two-branch batch's rows into its halves (A, B): a helper for methods. */
export function branchHalves<T extends tf.Tensor>(x: T): [T, T] {
  return tf.split(x, 2, 0) as [T, T];
}

/**
 * The batch source of a training job. DAMSM pretraining (whatever the
 * config's method: GAN configs pretrain their encoders too) gets two branches
 * when `damsm.supcon.mode` is not "none". A GAN gets them for the supcon-*
 * methods: label pairs, or same-image pairs under that ablation; mode "none"
 * keeps the label pairs so that ablation changes only the loss. Everything
 * else gets the plain Batcher.
 */
export function trainingBatcher(cfg: T2IConfig, job: 'pretrain' | 'gan', split: DatasetSplit, vocab: Vocabulary, rng: Rng): Batcher | TwoBranchSampler {
  const sc = cfg.damsm.supcon.mode;
  const mode = job === 'pretrain' ? (sc === 'none' ? undefined : sc) : cfg.method.startsWith('supcon-') ? cfg.supcon.mode : undefined;
  if (mode === undefined) return new Batcher(split, vocab, cfg.text.maxWords, cfg.imageSize, rng);
  return new TwoBranchSampler(split, vocab, cfg.text.maxWords, cfg.imageSize, rng, mode === 'same-image' ? 'same-image' : 'label');
}
