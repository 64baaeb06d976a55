// DAMSM loss against values worked out by hand, against a literal loop
// version of AttnGAN's words_loss, and the class masking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { classMaskPenalty, sentenceLoss, wordsLoss } from '../../models/damsm/damsmLoss';
import { Rng } from '../../models/data/rng';

const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];

test.before(async () => {
  await tf.setBackend('cpu');
});

test('sentence loss, 2 pairs, by hand', () => {
  // cos[image j][caption i] = [[1, 1/√2], [0, 1/√2]], γ3 = 10
  // image→text: (log(1+e^{10/√2−10}) + log(1+e^{−10/√2}))/2 = 0.0264617
  // text→image: (log(1+e^{−10}) + log 2)/2 = 0.3465963
  const l = sentenceLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), undefined, 10);
  near(val(l.imageToText), 0.026461668379416162);
  near(val(l.textToImage), 0.34659628972958106);
});

test('word loss with one word and one region per item reduces to γ2·γ3·cos, by hand', () => {
  // R = log exp(γ2 cos(e_i, v_j)); γ1 = γ2 = γ3 = 1: sim[j][i] = [[1, 0], [1/√2, 1/√2]]
  const regions = tf.tensor3d([[[1, 0]], [[1, 1]]]);
  const words = tf.tensor3d([[[1, 0]], [[0, 1]]]);
  const l = wordsLoss(regions, words, tf.ones([2, 1]), undefined, { gamma1: 1, gamma2: 1, gamma3: 1 });
  near(val(l.imageToText), 0.5032044340390841);
  near(val(l.textToImage), 0.47910964518344756);
});

/** AttnGAN's words_loss as literal loops over captions, words and regions. */
function referenceWordSims(regions: number[][][], words: number[][][], lengths: number[], g1: number, g2: number, g3: number): number[][] {
  const b = regions.length;
  const dot = (a: number[], c: number[]) => a.reduce((s, x, k) => s + x * c[k], 0);
  const norm = (a: number[]) => Math.sqrt(dot(a, a));
  const softmax = (xs: number[]) => {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(x - m));
    const z = e.reduce((a, c) => a + c, 0);
    return e.map((x) => x / z);
  };
  const sim: number[][] = Array.from({ length: b }, () => new Array(b).fill(0)); // [image][caption]
  for (let i = 0; i < b; i++) {
    const w = words[i].slice(0, lengths[i]);
    for (let j = 0; j < b; j++) {
      const v = regions[j];
      // per region: softmax over words
      const perRegion = v.map((vn) => softmax(w.map((e) => dot(e, vn))));
      let total = 0;
      w.forEach((e, t) => {
        const alpha = softmax(perRegion.map((pr) => g1 * pr[t]));
        const c = e.map((_, k) => v.reduce((s, vn, n) => s + alpha[n] * vn[k], 0));
        total += Math.exp(g2 * (dot(e, c) / (norm(e) * norm(c))));
      });
      sim[j][i] = g3 * Math.log(total);
    }
  }
  return sim;
}

test('word loss equals the literal AttnGAN loops on a batch of 3 with padding', () => {
  const r = new Rng(9);
  const B = 3, N = 4, T = 5, D = 6;
  const arr = (n: number) => Array.from({ length: n }, () => r.normal());
  const regions = Array.from({ length: B }, () => Array.from({ length: N }, () => arr(D)));
  const lengths = [5, 3, 1];
  const words = lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? arr(D) : new Array(D).fill(0))));
  const mask = tf.tensor2d(lengths.flatMap((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0))), [B, T]);
  const g = { gamma1: 4, gamma2: 5, gamma3: 10 };
  const ref = referenceWordSims(regions, words, lengths, g.gamma1, g.gamma2, g.gamma3);
  const ce = (rows: number[][]) =>
    rows.reduce((s, row, k) => {
      const m = Math.max(...row);
      return s - (row[k] - m - Math.log(row.reduce((z, x) => z + Math.exp(x - m), 0)));
    }, 0) / rows.length;
  const l = wordsLoss(tf.tensor3d(regions), tf.tensor3d(words), mask, undefined, g);
  near(val(l.imageToText), ce(ref), 1e-4);
  near(val(l.textToImage), ce(ref[0].map((_, i) => ref.map((row) => row[i]))), 1e-4);
  assert.deepEqual(l.attention.shape, [B, T, N]);
  // Each real word's attention over regions sums to 1.
  const att = l.attention.arraySync() as number[][][];
  near(att[1][2].reduce((a, c) => a + c, 0), 1);
});

test('class masking removes exactly the same-class negatives', () => {
  const m = classMaskPenalty([4, 7, 4, -1, -1], 5).arraySync() as number[][];
  const masked = m.flatMap((row, i) => row.map((v, j) => (v < 0 ? `${i}${j}` : ''))).filter(Boolean);
  assert.deepEqual(masked, ['02', '20'], 'only the pair of class 4; unlabelled items are their own class');
  // Both items of one class: the off-diagonal negatives vanish and the loss is 0.
  const same = sentenceLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), [3, 3], 10);
  near(val(same.imageToText), 0, 1e-6);
  near(val(same.textToImage), 0, 1e-6);
  const diff = sentenceLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), [1, 2], 10);
  near(val(diff.textToImage), 0.34659628972958106);
});
