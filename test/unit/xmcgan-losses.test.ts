// XMC-GAN's losses against values worked out by hand and against a literal
// loop version of the reference code's attn_lib.word_loss.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../models/backend/registerGradients';
import { Rng } from '../../models/data/rng';
import { contrastiveLoss, hingeD, hingeG, wordRegionLoss, wordRegionSimilarity } from '../../models/xmcgan/losses';

const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];
const log1pexp = (x: number) => Math.log(1 + Math.exp(x));
const rhos = { rho1: 5, rho2: 5, rho3: 50 };

test.before(async () => {
  await tf.setBackend('cpu');
});

test('hinge, by hand', () => {
  // real [0.5, 2]: relu(0.5), relu(−1) → 0.25; fake [−2, 0.3]: relu(−1), relu(1.3) → 0.65; G: −(−2 + 0.3)/2 = 0.85
  const d = hingeD(tf.tensor1d([0.5, 2]), tf.tensor1d([-2, 0.3]));
  near(val(d.real), 0.25);
  near(val(d.fake), 0.65);
  near(val(hingeG(tf.tensor1d([-2, 0.3]))), 0.85);
});

test('contrastive loss: cos/τ, cross-entropy both ways, summed — by hand', () => {
  // a = [[1,0],[0,1]], b = [[1,0],[1,1]]: cos[a][b] = [[1, 1/√2], [0, 1/√2]], τ = 0.1
  const c = 10 / Math.SQRT2;
  const aToB = (log1pexp(c - 10) + log1pexp(-c)) / 2; // row 0 picks 10 over c; row 1 picks c over 0
  const bToA = (log1pexp(-10) + Math.log(2)) / 2; // columns: [10, 0] picks 10; [c, c] is a coin flip
  const l = contrastiveLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), 0.1);
  near(val(l), aToB + bToA);
  // Scale-free (features are unit-normalised) and symmetric in its arguments.
  near(val(contrastiveLoss(tf.tensor2d([[3, 0], [0, 0.5]]), tf.tensor2d([[2, 0], [4, 4]]), 0.1)), aToB + bToA);
  near(val(contrastiveLoss(tf.tensor2d([[1, 0], [1, 1]]), tf.tensor2d([[1, 0], [0, 1]]), 0.1)), aToB + bToA);
  // τ matters: τ = 1 makes the matching pairs far less distinct (0.98 vs 0.37 here).
  assert.ok(val(contrastiveLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), 1)) > 2 * (aToB + bToA));
});

test('word-region score with one word and two regions, by hand: the context uses unit regions', () => {
  // e = [1, 0]; regions r1 = [3, 0] (unit [1, 0]), r2 = [0, 1]: α = softmax(ρ1·[1, 0]),
  // c = α1·[1,0] + α2·[0,1], cos(e, c) = α1/√(α1² + α2²); S = (ρ3/ρ2)·log exp(ρ2·cos) = ρ3·cos.
  const a1 = Math.exp(5) / (Math.exp(5) + 1);
  const a2 = 1 / (Math.exp(5) + 1);
  const expected = 50 * (a1 / Math.hypot(a1, a2));
  const s = wordRegionSimilarity(tf.tensor3d([[[3, 0], [0, 1]]]), tf.tensor3d([[[1, 0]]]), tf.ones([1, 1]), rhos);
  near(val(s), expected);
  // (With raw regions, c = [3α1, α2] would give a different score.)
  assert.ok(Math.abs(50 * ((3 * a1) / Math.hypot(3 * a1, a2)) - expected) > 1e-4);
});

test('word-region loss, 2 captions × 2 images with one word and one region each, by hand', () => {
  // S[j][i] = ρ3·cos(e_i, r_j): images r0 = [1, 0], r1 = [1, 1]; words e0 = [1, 0], e1 = [0, 1]
  // S = [[50, 0], [50/√2, 50/√2]] as [image, caption]
  const c = 50 / Math.SQRT2;
  const imageToText = (log1pexp(-50) + Math.log(2)) / 2;
  const textToImage = (log1pexp(c - 50) + log1pexp(-c)) / 2;
  const l = wordRegionLoss(tf.tensor3d([[[1, 0]], [[1, 1]]]), tf.tensor3d([[[1, 0]], [[0, 1]]]), tf.ones([2, 1]), rhos);
  near(val(l), imageToText + textToImage);
});

/** attn_lib.word_loss as literal loops: per caption i (its real words) and image j. */
function referenceWordLoss(regions: number[][][], words: number[][][], lengths: number[], r1: number, r2: number, r3: number): number {
  const b = regions.length;
  const dot = (a: number[], c: number[]) => a.reduce((s, x, k) => s + x * c[k], 0);
  const unit = (a: number[]) => {
    const n = Math.sqrt(dot(a, a));
    return a.map((x) => x / n);
  };
  const softmax = (xs: number[]) => {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(x - m));
    const z = e.reduce((a, c) => a + c, 0);
    return e.map((x) => x / z);
  };
  const sim: number[][] = Array.from({ length: b }, () => new Array(b).fill(0)); // [caption i][image j]
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      const rs = regions[j].map(unit);
      let total = 0;
      for (let t = 0; t < lengths[i]; t++) {
        const e = words[i][t];
        const alpha = softmax(rs.map((rn) => r1 * dot(unit(e), rn)));
        const ctx = e.map((_, k) => rs.reduce((s, rn, n) => s + alpha[n] * rn[k], 0));
        total += Math.exp(r2 * dot(unit(e), unit(ctx)));
      }
      sim[i][j] = (Math.log(total) / r2) * r3;
    }
  }
  const ce = (rows: number[][]) =>
    rows.reduce((s, row, k) => {
      const m = Math.max(...row);
      return s - (row[k] - m - Math.log(row.reduce((z, x) => z + Math.exp(x - m), 0)));
    }, 0) / rows.length;
  const transpose = (m: number[][]) => m[0].map((_, c) => m.map((row) => row[c]));
  return ce(transpose(sim)) + ce(sim);
}

test('word-region loss equals the literal loops on a batch of 3 with padding (padded features ignored)', () => {
  const r = new Rng(21);
  const B = 3, N = 4, T = 5, D = 6;
  const arr = (n: number) => Array.from({ length: n }, () => r.normal());
  const regions = Array.from({ length: B }, () => Array.from({ length: N }, () => arr(D)));
  const lengths = [5, 3, 1];
  // Padded positions hold junk: the mask alone must keep them out.
  const words = lengths.map(() => Array.from({ length: T }, () => arr(D)));
  const mask = tf.tensor2d(lengths.flatMap((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0))), [B, T]);
  for (const [r1, r2, r3] of [[5, 5, 50], [4, 2, 10]]) {
    const expected = referenceWordLoss(regions, words, lengths, r1, r2, r3);
    near(val(wordRegionLoss(tf.tensor3d(regions), tf.tensor3d(words), mask, { rho1: r1, rho2: r2, rho3: r3 })), expected, 1e-4);
  }
  // Zero word features at padding (the LSTM's) give the same value and no NaN.
  const zeroed = words.map((row, i) => row.map((w, t) => (t < lengths[i] ? w : w.map(() => 0))));
  const z = wordRegionLoss(tf.tensor3d(regions), tf.tensor3d(zeroed), mask, rhos);
  near(val(z), referenceWordLoss(regions, words, lengths, 5, 5, 50), 1e-4);
});

test('losses have finite gradients, including at zero-padded words', () => {
  const regions = tf.variable(tf.randomNormal([2, 4, 3], 0, 1, 'float32', 1));
  const words = tf.tensor3d([[[1, 0, 0], [0, 0, 0]], [[0, 1, 0], [1, 1, 0]]]);
  const mask = tf.tensor2d([[1, 0], [1, 1]]);
  const { grads } = tf.variableGrads(() => wordRegionLoss(regions as unknown as tf.Tensor3D, words, mask, rhos), [regions]);
  const g = grads[regions.name].dataSync();
  assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0));
});
