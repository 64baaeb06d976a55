// How well the STREAM captioner describes real test images: corpus BLEU-1
// (Papineni et al.: clipped unigram precision times the brevity penalty, every
// caption of the image a reference, as NLTK's corpus_bleu with weights
// (1, 0, 0, 0)) and exact-match accuracy (the greedy caption equals one of the
// image's captions word for word, after tokenising).
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit } from '../data/dataset';
import { Rng } from '../data/rng';
import { tokenize } from '../text/tokenize';
import type { Vocabulary } from '../text/vocabulary';
import type { StreamCaptioner } from './stream';

/** Corpus BLEU-1 of tokenised candidates against their reference sets. */
export function corpusBleu1(candidates: string[][], references: string[][][]): number {
  let clipped = 0;
  let candLen = 0;
  let refLen = 0;
  candidates.forEach((cand, i) => {
    const refs = references[i];
    const counts = new Map<string, number>();
    for (const w of cand) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const [w, n] of counts) {
      const maxRef = Math.max(0, ...refs.map((r) => r.filter((x) => x === w).length));
      clipped += Math.min(n, maxRef);
    }
    candLen += cand.length;
    // The closest reference length (the shorter one on a tie).
    refLen += refs.map((r) => r.length).reduce((best, l) => {
      const d = Math.abs(l - cand.length);
      const db = Math.abs(best - cand.length);
      return d < db || (d === db && l < best) ? l : best;
    }, Infinity);
  });
  if (candLen === 0 || clipped === 0) return 0;
  const precision = clipped / candLen;
  const bp = candLen > refLen ? 1 : Math.exp(1 - refLen / candLen);
  return bp * precision;
}

export interface CaptionerScores {
  bleu1: number;
  exactMatch: number;
  images: number;
  /** A few (greedy caption, first reference) pairs for the log. */
  examples: [string, string][];
}

/** Greedy captions of up to `images` evenly spaced items of a split, scored against all their captions. */
export function scoreCaptioner(model: StreamCaptioner, split: DatasetSplit, vocab: Vocabulary, maxWords: number, opts: { images?: number; batch?: number } = {}): CaptionerScores {
  const n = Math.min(opts.images ?? 200, split.length);
  const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
  const S = model.imageSize;
  const bs = opts.batch ?? 50;
  const candidates: string[][] = [];
  for (let start = 0; start < n; start += bs) {
    const chunk = picks.slice(start, start + bs);
    const images = tf.tidy(() => {
      const px = new Float32Array(chunk.length * S * S * 3);
      chunk.forEach((i, k) => split.image(i).forEach((v, o) => (px[k * S * S * 3 + o] = v / 127.5 - 1)));
      return tf.tensor4d(px, [chunk.length, S, S, 3]);
    });
    for (const row of model.greedy(images, maxWords)) candidates.push(tokenize(vocab.decode(row)));
    images.dispose();
  }
  const references = picks.map((i) => split.captions(i).map(tokenize));
  const exact = candidates.filter((c, k) => references[k].some((r) => r.join(' ') === c.join(' '))).length;
  const rng = new Rng(3);
  const shown = rng.shuffle(candidates.map((_, k) => k)).slice(0, 3);
  return {
    bleu1: corpusBleu1(candidates, references),
    exactMatch: n ? exact / n : 0,
    images: n,
    examples: shown.map((k) => [candidates[k].join(' '), split.captions(picks[k])[0]]),
  };
}
