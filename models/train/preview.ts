// The fixed captions and noise every sample grid uses, chosen once per run.
import * as tf from '@tensorflow/tfjs-core';
import type { T2IConfig } from '../config/config';
import type { T2IDataset } from '../data/dataset';
import { Rng } from '../data/rng';
import type { Vocabulary } from '../text/vocabulary';

export interface PreviewSet {
  captions: string[];
  /** Real images matching the captions (absent when the config gives its own captions). */
  real?: Uint8Array[];
  ids: tf.Tensor2D;
  noise: tf.Tensor2D;
  /** Words of the captions that the vocabulary does not know. */
  unknown: string[];
}

export function makePreviewSet(cfg: T2IConfig, ds: T2IDataset, vocab: Vocabulary, noiseDim: number): PreviewSet {
  let captions: string[];
  let real: Uint8Array[] | undefined;
  if (cfg.preview.captions?.length) {
    captions = cfg.preview.captions;
  } else {
    // Evenly spaced test items, so held-out combinations show up too.
    const split = ds.test.length ? ds.test : ds.train;
    const n = Math.min(cfg.preview.count, split.length);
    const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
    captions = picks.map((i) => split.captions(i)[0]);
    real = picks.map((i) => split.image(i));
  }
  const maxWords = cfg.text.maxWords;
  const ids = new Int32Array(captions.length * maxWords);
  const unknown = new Set<string>();
  captions.forEach((c, i) => {
    const enc = vocab.encode(c, maxWords);
    enc.unknown.forEach((w) => unknown.add(w));
    ids.set(enc.ids, i * maxWords);
  });
  const rng = new Rng(cfg.preview.seed);
  const noise = Float32Array.from({ length: captions.length * noiseDim }, () => rng.normal());
  return {
    captions,
    real,
    ids: tf.tensor2d(ids, [captions.length, maxWords], 'int32'),
    noise: tf.tensor2d(noise, [captions.length, noiseDim]),
    unknown: [...unknown],
  };
}
