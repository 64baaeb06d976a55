// SupCon (models/supcon/supconLoss.ts) against values computed by hand with
// plain arithmetic: the no-positive anchor, the NT-Xent reduction, τ/τ_base.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { supconLoss, supconPositives } from '../../models/supcon/supconLoss';

test.before(async () => {
  await initBackend({ choice: 'auto', log: () => {} });
});

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

test('labelled anchors, one with no positive (contributes 0 but counts in the mean)', () => {
  // Unit vectors z0 = (1, 0), z1 = (0.6, 0.8), z2 = (0, 1); labels 0, 0, 1; τ = 0.5.
  // Anchor 0: −log(e^{1.2} / (e^{1.2} + e^0)); anchor 1: −log(e^{1.2} / (e^{1.2} + e^{1.6})); anchor 2: no positive → 0.
  const a0 = Math.log(Math.exp(1.2) + 1) - 1.2;
  const a1 = Math.log(Math.exp(1.2) + Math.exp(1.6)) - 1.2;
  const expected = (a0 + a1 + 0) / 3;
  // Scaled inputs: the loss must L2-normalise them.
  const f = tf.tensor3d([3, 0, 1.2, 1.6, 0, 0.5], [3, 1, 2]);
  close(value(supconLoss(f, [0, 0, 1], { temperature: 0.5 })), expected);
  f.dispose();
});

test('several positives are averaged per anchor', () => {
  // z0 = (1,0), z1 = (0,1), z2 = (−1,0), all label 0, τ = 1: anchor 0's positives are 1 and 2,
  // denominator e^0 + e^{−1}; its term is −½[(0 − L) + (−1 − L)], L = log(1 + e^{−1}).
  const L = Math.log(1 + Math.exp(-1));
  const t0 = -0.5 * (0 - L + (-1 - L));
  // anchor 1: dots with 0 and 2 are both 0: −½[2·(0 − log 2)] = log 2
  const t1 = Math.log(2);
  const expected = (t0 + t1 + t0) / 3; // anchor 2 mirrors anchor 0
  const f = tf.tensor3d([1, 0, 0, 1, -1, 0], [3, 1, 2]);
  close(value(supconLoss(f, [0, 0, 0], { temperature: 1 })), expected);
  f.dispose();
});

test('without labels it is NT-Xent over the two views (and labels all distinct give the same)', () => {
  const data = [1, 0, 0.8, 0.6, 0, 1, -0.6, 0.8]; // [N=2, V=2, d=2]: sample 0 views (1,0),(0.8,0.6); sample 1 views (0,1),(−0.6,0.8)
  const tau = 0.3;
  // View-major anchors: a0 = s0v0, a1 = s1v0, a2 = s0v1, a3 = s1v1; the positive of a_i is a_{(i+2)%4}.
  const z = [[1, 0], [0, 1], [0.8, 0.6], [-0.6, 0.8]];
  const dot = (i: number, j: number) => z[i][0] * z[j][0] + z[i][1] * z[j][1];
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let den = 0;
    for (let k = 0; k < 4; k++) if (k !== i) den += Math.exp(dot(i, k) / tau);
    sum += -(dot(i, (i + 2) % 4) / tau - Math.log(den));
  }
  const ntXent = sum / 4;
  const f = tf.tensor3d(data, [2, 2, 2]);
  close(value(supconLoss(f, undefined, { temperature: tau })), ntXent);
  close(value(supconLoss(f, [5, 9], { temperature: tau })), ntXent);
  close(value(supconLoss(f, [-1, -1], { temperature: tau })), ntXent); // unlabelled = own class
  f.dispose();
});

test('τ/τ_base scales the loss; a small τ stays finite', () => {
  const f = tf.tensor3d([1, 0, 0.8, 0.6, 0, 1, -0.6, 0.8], [2, 2, 2]);
  const base = value(supconLoss(f, undefined, { temperature: 0.1 }));
  close(value(supconLoss(f, undefined, { temperature: 0.1, baseTemperature: 0.07 })), base * (0.1 / 0.07));
  const tiny = value(supconLoss(f, [0, 0], { temperature: 0.001 }));
  assert.ok(Number.isFinite(tiny), `τ = 0.001 gave ${tiny}`);
  f.dispose();
});

test('positive mask: self excluded, same label or same sample', () => {
  const m = supconPositives([0, 1, 0], 3, 2); // anchors: s0v0 s1v0 s2v0 s0v1 s1v1 s2v1
  const row = (i: number) => Array.from(m.slice(i * 6, i * 6 + 6));
  assert.deepEqual(row(0), [0, 0, 1, 1, 0, 1]);
  assert.deepEqual(row(1), [0, 0, 0, 0, 1, 0]);
  assert.throws(() => supconPositives([0, 1], 3, 2), /2 labels for 3 samples/);
});

test('gradients are finite and nothing leaks', () => {
  const x = tf.variable(tf.randomNormal([4, 2, 8], 0, 1, 'float32', 1));
  const before = tf.memory().numTensors;
  const { value: v, grads } = tf.variableGrads(() => supconLoss(x as unknown as tf.Tensor3D, [0, 1, 0, 1], { temperature: 0.07 }), [x]);
  const g = grads[x.name].dataSync();
  assert.ok(g.every(Number.isFinite) && g.some((e) => e !== 0));
  tf.dispose([v, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
