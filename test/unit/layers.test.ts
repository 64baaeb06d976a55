// Shapes, masks and gradients of the shared layers, on the cpu backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../models/data/rng';
import { BatchNorm } from '../../models/layers/batchNorm';
import { ConditionalBatchNorm } from '../../models/layers/conditionalBatchNorm';
import { Conv2d } from '../../models/layers/conv2d';
import { Dense } from '../../models/layers/dense';
import { Embedding } from '../../models/layers/embedding';
import { Params } from '../../models/layers/params';
import { upsampleNearest2x } from '../../models/layers/upsample';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `index ${i}: ${a[i]} vs ${b[i]}`);
};

/** Every trainable variable of `p` gets a finite, non-zero gradient from `f`. */
function assertGradientsFlow(p: Params, f: () => tf.Scalar) {
  const vars = p.trainable();
  const { value, grads } = tf.variableGrads(f, vars);
  for (const v of vars) {
    const g = grads[v.name];
    assert.ok(g, `no gradient for a variable of shape [${v.shape}]`);
    const d = g.dataSync();
    assert.ok(d.every(Number.isFinite));
    assert.ok(d.some((x) => x !== 0), `zero gradient for a variable of shape [${v.shape}]`);
  }
  value.dispose();
  tf.dispose(Object.values(grads));
}

test.before(async () => {
  await tf.setBackend('cpu');
});

test('Params: deterministic init from the seed, scoped names, duplicates refused', () => {
  const a = Params.root(new Rng(3));
  const b = Params.root(new Rng(3));
  const da = new Dense(a.scope('fc'), 4, 3);
  const db = new Dense(b.scope('fc'), 4, 3);
  assert.deepEqual([...da.w.dataSync()], [...db.w.dataSync()]);
  assert.deepEqual(a.entries().map(([n]) => n), ['fc/w', 'fc/b']);
  assert.throws(() => new Dense(a.scope('fc'), 4, 3), /duplicate parameter name fc\/w/);
  assert.equal(a.count(), 15);
  a.dispose();
  b.dispose();
});

test('Dense: shape and value against a hand product', () => {
  const p = Params.root(new Rng(1));
  const d = new Dense(p, 2, 2);
  d.w.assign(tf.tensor2d([[1, 2], [3, 4]]));
  d.b!.assign(tf.tensor1d([0.5, -0.5]));
  const y = d.apply(tf.tensor2d([[1, 1], [2, 0]]));
  assert.deepEqual(y.shape, [2, 2]);
  close(y.dataSync(), [4.5, 5.5, 2.5, 3.5]);
  assertGradientsFlow(p, () => tf.sum(tf.square(d.apply(tf.tensor2d([[1, -2]])))) as tf.Scalar);
  p.dispose();
});

test('Conv2d: same and strided shapes, gradients reach weights and bias', () => {
  const p = Params.root(new Rng(2));
  const c1 = new Conv2d(p.scope('a'), 3, 5, 3);
  const c2 = new Conv2d(p.scope('b'), 5, 4, 4, { stride: 2, pad: 1 });
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  assert.deepEqual(c1.apply(x).shape, [2, 8, 8, 5]);
  assert.deepEqual(c2.apply(c1.apply(x)).shape, [2, 4, 4, 4]);
  assertGradientsFlow(p, () => tf.sum(tf.square(c2.apply(c1.apply(x)))) as tf.Scalar);
  p.dispose();
});

test('BatchNorm: normalises in training, updates running stats, uses them in eval', () => {
  const p = Params.root(new Rng(4));
  const bn = new BatchNorm(p, 2);
  const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [2, 2, 1, 2]);
  const y = bn.apply(x, true);
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  close(mean.dataSync(), [0, 0], 1e-5);
  close(variance.dataSync(), [1, 1], 1e-3);
  // running = 0.9·init + 0.1·batch (unbiased variance)
  close(bn.stats.runningMean.dataSync(), [0.4, 2.5]);
  close(bn.stats.runningVar.dataSync(), [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (500 / 3)]);
  const ev = bn.apply(tf.tensor4d([0.4, 2.5], [1, 1, 1, 2]), false);
  close(ev.dataSync(), [0, 0], 1e-5);
  assertGradientsFlow(p, () => tf.sum(tf.mul(tf.exp(bn.apply(x, true)), tf.tensor1d([1, -2]))) as tf.Scalar);
  p.dispose();
});

test('ConditionalBatchNorm: starts as plain BN; the condition then changes scale and shift', () => {
  const p = Params.root(new Rng(5));
  const cbn = new ConditionalBatchNorm(p, 3, 4);
  const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const cond = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0]]);
  const plain = cbn.stats.normalize(x, true);
  close(cbn.apply(x, cond, true).dataSync(), plain.dataSync(), 1e-5);
  assert.deepEqual(cbn.apply(x, cond, true).shape, [2, 4, 4, 3]);
  // Gradients reach γ and β dense layers (their zero init must not block learning).
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(cbn.apply(x, cond, true), x)) as tf.Scalar, [cbn.gamma.w, cbn.beta.w]);
  assert.ok(grads[cbn.gamma.w.name].dataSync().some((v) => v !== 0));
  assert.ok(grads[cbn.beta.w.name].dataSync().some((v) => v !== 0));
  p.dispose();
});

test('upsampleNearest2x: values, and a correct gradient for batch > 1', () => {
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
  const y = upsampleNearest2x(x);
  assert.deepEqual(y.shape, [2, 4, 4, 1]);
  assert.deepEqual([...y.dataSync()].slice(0, 16), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  // d/dx of sum(w ⊙ up(x)) sums w over each 2×2 block: worked out by hand.
  const w = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i), [2, 4, 4, 1]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest2x(t as tf.Tensor4D), w)))(x);
  // block sums: batch 0 → (0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15); batch 1 adds 16·4 each
  assert.deepEqual([...g.dataSync()], [10, 18, 42, 50, 74, 82, 106, 114]);
});

test('Embedding: lookup shape, padding rows, gradient only on used rows', () => {
  const p = Params.root(new Rng(6));
  const e = new Embedding(p, 5, 3);
  const ids = tf.tensor2d([[1, 2, 0], [4, 0, 0]], [2, 3], 'int32');
  assert.deepEqual(e.apply(ids).shape, [2, 3, 3]);
  const limit = Math.max(...e.table.dataSync().map(Math.abs));
  assert.ok(limit <= 0.1, 'U(-0.1, 0.1) init');
  const { grads } = tf.variableGrads(() => tf.sum(e.apply(ids)) as tf.Scalar, [e.table]);
  const g = grads[e.table.name].arraySync() as number[][];
  assert.deepEqual(g.map((r) => r[0]), [3, 1, 1, 0, 1], 'row 0 used three times, row 3 never');
  p.dispose();
});
