// The shapes oracle as a training metric: generate one image per test-split
// caption (held-out colour-shape pairs included) and read each image's
// colour, shape, size and position with the oracle of the dataset's rules.
import * as tf from '@tensorflow/tfjs-core';
import type { T2IDataset } from '../data/dataset';
import { Rng } from '../data/rng';
import { scoreOracle, type OracleItem, type OracleScore } from '../data/shapesOracle';
import type { Vocabulary } from '../text/vocabulary';
import type { T2IMethod } from '../train/method';
import { toRgbBytes } from '../train/sampleGrid';

export interface OracleEvaluation {
  /** All evaluated test captions. */
  all: OracleScore;
  /** Only captions of held-out colour-shape pairs (absent without a holdout). */
  heldOut?: OracleScore;
}

export function evaluateShapesOracle(
  method: T2IMethod,
  ds: T2IDataset,
  vocab: Vocabulary,
  maxWords: number,
  opts: { count?: number; seed?: number } = {},
): OracleEvaluation {
  if (ds.kind !== 'shapes') throw new Error(`the shapes oracle needs the shapes dataset, not "${ds.kind}"`);
  const split = ds.test.length ? ds.test : ds.train;
  const holdout = new Set(((ds as { holdout?: readonly [string, string][] }).holdout ?? []).map(([c, s]) => `${c}/${s}`));
  const rng = new Rng(opts.seed ?? 11);
  const n = Math.min(opts.count ?? 240, split.length);
  // Evenly spaced items, so every class of the split is represented.
  const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
  const captions = picks.map((i) => rng.choice(split.captions(i)));
  const heldOutFlags = picks.map((i) => {
    const a = split.attributes?.(i);
    return a ? holdout.has(`${a.color}/${a.shape}`) : false;
  });
  const S = ds.size;
  const items: (OracleItem & { heldOut: boolean })[] = [];
  for (let start = 0; start < n; start += 32) {
    const chunk = captions.slice(start, start + 32);
    const ids = new Int32Array(chunk.length * maxWords);
    chunk.forEach((c, k) => ids.set(vocab.encode(c, maxWords).ids, k * maxWords));
    const noise = Float32Array.from({ length: chunk.length * method.noiseDim }, () => rng.normal());
    const images = tf.tidy(() => method.generate(tf.tensor2d(ids, [chunk.length, maxWords], 'int32'), tf.tensor2d(noise, [chunk.length, method.noiseDim])));
    toRgbBytes(images).forEach((image, k) => items.push({ image, S, caption: chunk[k], heldOut: heldOutFlags[start + k] }));
    images.dispose();
  }
  const held = items.filter((i) => i.heldOut);
  return { all: scoreOracle(items), heldOut: held.length ? scoreOracle(held) : undefined };
}

/** Flattens an evaluation into metric series: oracle_color, …, heldout_color, …. */
export function oracleMetrics(e: OracleEvaluation): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (prefix: string, s: OracleScore) => {
    for (const [attr, v] of Object.entries(s.accuracy)) if (Number.isFinite(v)) out[`${prefix}_${attr}`] = v;
    out[`${prefix}_all`] = s.all;
  };
  add('oracle', e.all);
  if (e.heldOut) add('heldout', e.heldOut);
  return out;
}
