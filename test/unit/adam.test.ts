import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam } from '../../models/train/adam';
import { initBackend } from '../../models/backend/select';
import { seededTensor } from '../../models/backend/backendCompare';
import { addon, loadAddonKernels, setAddonEnabled } from '../../models/backend/kernels/addonKernels';

test('Adam matches two steps worked out by hand (PyTorch update rule)', async () => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.scalar(1));
  const opt = new Adam('opt', [['w', w]], { lr: 0.1, beta1: 0.9, beta2: 0.999 });
  // loss = w²/2, so the gradient is w.
  const loss = () => tf.mul(tf.square(w), 0.5) as tf.Scalar;
  assert.equal(opt.minimize(loss), 0.5);
  assert.ok(Math.abs(w.dataSync()[0] - 0.900000001) < 1e-6);
  opt.minimize(loss);
  // Step 2 by hand: m = 0.18, v = 0.001809, m̂ = 0.18/0.19, v̂ = 0.001809/0.001999
  // w = 0.9 - 0.1 · 0.947368 / 0.951289 = 0.800412
  assert.ok(Math.abs(w.dataSync()[0] - 0.8004122297) < 1e-5);
  assert.equal(opt.step, 2);
  const [[mName, m], [vName, v]] = opt.state();
  assert.equal(mName, 'opt/m/w');
  assert.equal(vName, 'opt/v/w');
  assert.ok(Math.abs(m.dataSync()[0] - 0.18) < 1e-6);
  assert.ok(Math.abs(v.dataSync()[0] - 0.001809) < 1e-7);
  opt.dispose();
  w.dispose();
});

test('Adam leaves no tensors behind and skips variables the loss does not reach', async () => {
  await tf.setBackend('cpu');
  const a = tf.variable(tf.tensor1d([1, 2]));
  const unused = tf.variable(tf.tensor1d([5]));
  const opt = new Adam('o', [['a', a], ['unused', unused]], { lr: 0.01, beta1: 0.5, beta2: 0.999 });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) opt.minimize(() => tf.sum(tf.square(a)) as tf.Scalar);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual([...unused.dataSync()], [5]);
  assert.ok(a.dataSync()[0] < 1);
  opt.dispose();
});

test('on wasm, the fused Adam kernel (our C++ addon) matches the op-by-op update', { skip: !loadAddonKernels().ok && !process.env.CI && 'our C++ kernels are not built here' }, async () => {
  await initBackend({ choice: 'wasm', threads: 2 });
  assert.ok(addon(), 'the addon is in use on wasm');
  const shapes = [[3, 3, 4, 5], [7], [], [0, 3]];
  // Five steps of a loss whose gradient differs per element, with a lowered lr after step 3.
  // (Not bit-equal: the fused pass rounds once where the ops round per op, and FMA contracts.)
  const run = (fused: boolean) => {
    setAddonEnabled(fused);
    try {
      const vars = shapes.map((shape, i) => tf.variable(seededTensor(shape, 10 + i)));
      const opt = new Adam('o', vars.map((v, i) => [`v${i}`, v] as [string, tf.Variable]), { lr: 0.05, beta1: 0.5, beta2: 0.999 });
      const before = tf.memory().numTensors;
      for (let step = 0; step < 5; step++) {
        if (step === 3) opt.lrScale = 0.5;
        opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(v), i + 1)))) as tf.Scalar);
      }
      assert.equal(tf.memory().numTensors, before, `tensors leaked (fused: ${fused})`);
      const values = [...vars, ...opt.state().map(([, t]) => t)].map((t) => Array.from(t.dataSync()));
      opt.dispose();
      tf.dispose(vars);
      return values;
    } finally {
      setAddonEnabled(true);
    }
  };
  const fused = run(true), ops = run(false);
  assert.equal(fused.length, ops.length);
  fused.forEach((values, i) => {
    assert.equal(values.length, ops[i].length);
    values.forEach((v, j) => assert.ok(Math.abs(v - ops[i][j]) <= 1e-5 * Math.max(1, Math.abs(ops[i][j])), `tensor ${i}[${j}]: fused ${v} vs ops ${ops[i][j]}`));
  });
  // It moved: the first variable is not where it started.
  assert.notDeepEqual(fused[0], Array.from(seededTensor(shapes[0], 10).dataSync()));
});
