// The shapes oracle as a training metric: generate one image per test-split
// caption (held-out colour-shape pairs included) and read each image's
// colour, shape, size and position with the oracle of the dataset's rules.
import * as tf from '@tensorflow/tfjs-core';
import type { T2IDataset } from '../data/dataset';
import { Rng } from '../data/rng';
import { scoreOracle, type OracleScore } from '../data/shapesOracle';
import type { Vocabulary } from '../text/vocabulary';
import type { T2IMethod } from '../train/method';
import { toRgbBytes } from '../train/sampleGrid';

export interface OracleEvaluation {
  /** All evaluated test captions. */
  all: OracleScore;
  /** Only captions of held-out colour-shape pairs (absent without a holdout). */
  heldOut?: OracleScore;
}

/** The test captions the oracle scores: evenly spaced items (every class represented), held-out pairs flagged. */
export function oracleCaptions(ds: T2IDataset, count: number, rng: Rng): { picks: number[]; captions: string[]; heldOut: boolean[] } {
  if (ds.kind !== 'shapes') throw new Error(`the shapes oracle needs the shapes dataset, not "${ds.kind}"`);
  const split = ds.test.length ? ds.test : ds.train;
  const holdout = new Set(((ds as { holdout?: readonly [string, string][] }).holdout ?? []).map(([c, s]) => `${c}/${s}`));
  const n = Math.min(count, split.length);
  const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
  const captions = picks.map((i) => rng.choice(split.captions(i)));
  const heldOut = picks.map((i) => {
    const a = split.attributes?.(i);
    return a ? holdout.has(`${a.color}/${a.shape}`) : false;
  });
  return { picks, captions, heldOut };
}

/** RGB bytes of images generated for captions, with noise drawn from `rng`. */
export function generateForCaptions(method: T2IMethod, vocab: Vocabulary, maxWords: number, captions: string[], rng: Rng): Uint8Array[] {
  const ids = new Int32Array(captions.length * maxWords);
  captions.forEach((c, k) => ids.set(vocab.encode(c, maxWords).ids, k * maxWords));
  const noise = Float32Array.from({ length: captions.length * method.noiseDim }, () => rng.normal());
  const images = tf.tidy(() => method.generate(tf.tensor2d(ids, [captions.length, maxWords], 'int32'), tf.tensor2d(noise, [captions.length, method.noiseDim])));
  const out = toRgbBytes(images);
  images.dispose();
  return out;
}

/** Oracle scores of generated images, over all of them and over the held-out pairs only. */
export function scoreOracleItems(images: Uint8Array[], S: number, captions: string[], heldOut: boolean[]): OracleEvaluation {
  const items = images.map((image, k) => ({ image, S, caption: captions[k], heldOut: heldOut[k] }));
  const held = items.filter((i) => i.heldOut);
  return { all: scoreOracle(items), heldOut: held.length ? scoreOracle(held) : undefined };
}

export function evaluateShapesOracle(
  method: T2IMethod,
  ds: T2IDataset,
  vocab: Vocabulary,
  maxWords: number,
  opts: { count?: number; seed?: number } = {},
): OracleEvaluation {
  const rng = new Rng(opts.seed ?? 11);
  const { captions, heldOut } = oracleCaptions(ds, opts.count ?? 240, rng);
  const images: Uint8Array[] = [];
  for (let start = 0; start < captions.length; start += 32) images.push(...generateForCaptions(method, vocab, maxWords, captions.slice(start, start + 32), rng));
  return scoreOracleItems(images, ds.size, captions, heldOut);
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
