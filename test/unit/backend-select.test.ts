// initBackend: what `auto` picks here (no native TensorFlow installed), how skipped and
// unavailable backends are reported, and that calling it again is safe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { AUTO_ORDER, initBackend, withBackend } from '../../models/backend/select';

const nodeRequire = createRequire(__filename);
const installed = (pkg: string) => { try { nodeRequire.resolve(pkg); return true; } catch { return false; } };
const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

test('auto tries the native backends first, skips each with a reason, and picks wasm', { skip: nativeInstalled && 'a native tfjs package is installed here' }, async () => {
  const lines: string[] = [];
  const info = await initBackend({ choice: 'auto', threads: 1, log: (l) => lines.push(l) });
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 1);
  assert.deepEqual(info.attempts.map((a) => [a.name, a.ok]), [['tensorflow-gpu', false], ['tensorflow', false], ['wasm', true]]);
  assert.match(info.attempts[0].reason ?? '', /@tensorflow\/tfjs-node-gpu is not installed/);
  assert.match(info.attempts[1].reason ?? '', /@tensorflow\/tfjs-node is not installed/);
  assert.equal(lines.filter((l) => l.includes('skipped')).length, 2, lines.join('\n'));
  assert.ok(lines.some((l) => /skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/.test(l)), lines.join('\n'));
  assert.equal(tf.getBackend(), 'wasm');
});

test('an explicit choice that is unavailable is a clear error', { skip: nativeInstalled && 'a native tfjs package is installed here' }, async () => {
  await assert.rejects(initBackend({ choice: 'tensorflow' }), /backend 'tensorflow' is not available: @tensorflow\/tfjs-node is not installed/);
  await assert.rejects(initBackend({ choice: 'tensorflow-gpu' }), /tfjs-node-gpu is not installed/);
});

test('cpu can be chosen explicitly, with a loud warning', async () => {
  const lines: string[] = [];
  const info = await initBackend({ choice: 'cpu', log: (l) => lines.push(l) });
  assert.deepEqual([info.name, info.threads], ['cpu', 1]);
  assert.ok(lines.some((l) => l.includes('WARNING') && l.includes('too slow')), lines.join('\n'));
  assert.equal(tf.getBackend(), 'cpu');
});

test('calling again is safe; the wasm thread count is fixed by the first start', async () => {
  const first = await initBackend({ choice: 'wasm', threads: 1 });
  const again = await initBackend({ choice: 'wasm', threads: 1 });
  assert.equal(again.threads, first.threads);
  const other = await initBackend({ choice: 'wasm', threads: 2 });
  assert.equal(other.threads, 1);
  assert.match(other.attempts[0].reason ?? '', /already started/);
  const grads = tf.grads((x: tf.Tensor) => tf.sum(tf.square(x)))([tf.ones([3])]);
  assert.deepEqual(Array.from(grads[0].dataSync()), [2, 2, 2]);
});

test('withBackend runs on the named backend and restores the active one', async () => {
  await initBackend({ choice: 'wasm', threads: 1 });
  const seen = await withBackend('cpu', () => tf.getBackend());
  assert.equal(seen, 'cpu');
  assert.equal(tf.getBackend(), 'wasm');
});

test('AUTO_ORDER is fastest first', () => {
  assert.deepEqual(AUTO_ORDER, ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
});
