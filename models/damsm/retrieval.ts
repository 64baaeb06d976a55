// Image-to-text retrieval with the DAMSM global codes: for each test image,
// its own caption against one caption of every other class (or, without
// labels, 99 captions of other images, as in R-precision); a hit when the
// true caption has the highest cosine.
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit } from '../data/dataset';
import { Rng } from '../data/rng';
import type { Vocabulary } from '../text/vocabulary';
import type { DamsmModel } from './damsmModel';

export interface RetrievalResult {
  top1: number;
  /** Candidates per image, the true caption included. */
  candidates: number;
  images: number;
}

export function imageToTextRetrieval(
  model: DamsmModel,
  split: DatasetSplit,
  vocab: Vocabulary,
  maxWords: number,
  opts: { images?: number; seed?: number; batch?: number } = {},
): RetrievalResult {
  const rng = new Rng(opts.seed ?? 7);
  const n = Math.min(opts.images ?? 240, split.length);
  const picks = rng.shuffle(Array.from({ length: split.length }, (_, i) => i)).slice(0, n);
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < split.length; i++) {
    const l = split.label(i);
    if (l === undefined || l < 0) continue;
    if (!byLabel.has(l)) byLabel.set(l, []);
    byLabel.get(l)!.push(i);
  }
  const labelled = byLabel.size > 1;
  // Candidate captions per image: the true one first.
  const sets = picks.map((i) => {
    const own = rng.choice(split.captions(i));
    const others: string[] = [];
    if (labelled) {
      for (const [l, items] of byLabel) if (l !== split.label(i)) others.push(rng.choice(split.captions(rng.choice(items))));
    } else {
      while (others.length < Math.min(99, split.length - 1)) {
        const j = rng.int(split.length);
        if (j !== i) others.push(rng.choice(split.captions(j)));
      }
    }
    return [own, ...others];
  });
  const candidates = sets[0]?.length ?? 0;
  const S = model.image.imageSize;
  const bs = opts.batch ?? 64;
  let hits = 0;
  for (let start = 0; start < n; start += bs) {
    const chunk = picks.slice(start, start + bs);
    hits += tf.tidy(() => {
      const px = new Float32Array(chunk.length * S * S * 3);
      chunk.forEach((i, k) => split.image(i).forEach((v, o) => (px[k * S * S * 3 + o] = v / 127.5 - 1)));
      const img = model.image.encode(tf.tensor4d(px, [chunk.length, S, S, 3]), false).global; // [c, D]
      const caps = sets.slice(start, start + bs).flat();
      const ids = new Int32Array(caps.length * maxWords);
      const lengths = caps.map((c, k) => {
        const e = vocab.encode(c, maxWords);
        ids.set(e.ids, k * maxWords);
        return e.length;
      });
      const sent = model.text.encode(tf.tensor2d(ids, [caps.length, maxWords], 'int32'), lengths, false).sentence;
      const cands = tf.reshape(sent, [chunk.length, candidates, -1]);
      const unit = (x: tf.Tensor) => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-8));
      const scores = tf.sum(tf.mul(tf.expandDims(unit(img), 1), unit(cands)), 2); // [c, candidates]
      return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), 0), 'int32')).dataSync()[0];
    });
  }
  return { top1: n ? hits / n : 0, candidates, images: n };
}
