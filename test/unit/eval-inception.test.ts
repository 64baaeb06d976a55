// The Inception loader on a tiny model of the same format a converted FID
// Inception has (tfjs graph model: model.json with a GraphDef topology and a
// weightsManifest, weights in a .bin shard), written by the test: its pool3
// and class outputs must equal the same computation done directly in tfjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { Rng } from '../../models/data/rng';
import { inceptionFeatureNet, featureMetrics } from '../../models/eval/featureNets';
import { inceptionDescribe, loadInception } from '../../models/eval/inceptionGraph';

const dims = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
const constNode = (name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: number[]) => ({
  name, op: 'Const', attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dims(...shape) } } },
});

/** pool_3 = relu(mean over H, W of the input) · W1 (3 → 2048); logits = pool_3 · W2 (2048 → 10). */
function writeTinyGraphModel(dir: string, side: number, w1: Float32Array, w2: Float32Array): void {
  const f = { T: { type: 'DT_FLOAT' } };
  const modelTopology = {
    node: [
      { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(-1, side, side, 3) } } },
      constNode('axes', 'DT_INT32', [2]),
      constNode('w1', 'DT_FLOAT', [3, 2048]),
      constNode('w2', 'DT_FLOAT', [2048, 10]),
      { name: 'mean', op: 'Mean', input: ['input', 'axes'], attr: { ...f, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
      { name: 'relu', op: 'Relu', input: ['mean'], attr: f },
      { name: 'pool_3', op: 'MatMul', input: ['relu', 'w1'], attr: { ...f, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'logits', op: 'MatMul', input: ['pool_3', 'w2'], attr: { ...f, transpose_a: { b: false }, transpose_b: { b: false } } },
    ],
    library: {},
    versions: { producer: 1 },
  };
  const axes = new Int32Array([1, 2]);
  const bin = Buffer.concat([Buffer.from(axes.buffer), Buffer.from(w1.buffer), Buffer.from(w2.buffer)]);
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), bin);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
    format: 'graph-model',
    generatedBy: 'eval-inception.test',
    convertedBy: 'eval-inception.test',
    modelTopology,
    signature: {
      inputs: { input: { name: 'input:0', dtype: 'DT_FLOAT' } },
      outputs: { pool_3: { name: 'pool_3:0', dtype: 'DT_FLOAT' }, logits: { name: 'logits:0', dtype: 'DT_FLOAT' } },
    },
    weightsManifest: [{
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'axes', shape: [2], dtype: 'int32' },
        { name: 'w1', shape: [3, 2048], dtype: 'float32' },
        { name: 'w2', shape: [2048, 10], dtype: 'float32' },
      ],
    }],
  }));
}

test('a tfjs graph model in the converted-Inception format: pool3 and class outputs match tfjs done directly', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-inception-'));
  const rng = new Rng(3);
  const w1 = Float32Array.from({ length: 3 * 2048 }, () => rng.normal() * 0.5);
  const w2 = Float32Array.from({ length: 2048 * 10 }, () => rng.normal() * 0.05);
  const side = 16;
  writeTinyGraphModel(dir, side, w1, w2);

  const inc = loadInception(dir, '-1,1');
  assert.equal(inc.inputSize, side);
  assert.match(inc.pool3Output, /pool_3/);
  assert.match(inc.classOutput ?? '', /logits/);

  // 8-px images, so the loader's resize to the model's 16 px is exercised too.
  const S = 8;
  const images = Array.from({ length: 11 }, () => Uint8Array.from({ length: S * S * 3 }, () => rng.int(256)));
  const got = inceptionDescribe(inc, images, S, 2); // batches of 2: a partial last batch
  const [pool, probs] = tf.tidy(() => {
    const px = new Float32Array(images.length * S * S * 3);
    images.forEach((im, k) => px.set(im, k * S * S * 3));
    const x = tf.sub(tf.div(tf.image.resizeBilinear(tf.tensor4d(px, [images.length, S, S, 3]), [side, side]), 127.5), 1);
    const p = tf.matMul(tf.relu(tf.mean(x, [1, 2])) as tf.Tensor2D, tf.tensor2d(w1, [3, 2048]));
    return [p.arraySync() as number[][], tf.softmax(tf.matMul(p, tf.tensor2d(w2, [2048, 10]))).arraySync() as number[][]];
  });
  assert.equal(got.features.length, 11);
  assert.equal(got.features[0].length, 2048);
  for (let i = 0; i < 11; i++) {
    for (let j = 0; j < 2048; j += 97) assert.ok(Math.abs(got.features[i][j] - pool[i][j]) < 1e-4 * (1 + Math.abs(pool[i][j])), `pool3 [${i}][${j}]`);
    for (let j = 0; j < 10; j++) assert.ok(Math.abs(got.probs![i][j] - probs[i][j]) < 1e-5, `probs [${i}][${j}]`);
    assert.ok(Math.abs(got.probs![i].reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }

  // As a feature net: named, described, and FID of a set with itself is 0.
  const net = inceptionFeatureNet(inc);
  assert.equal(net.id, 'inception');
  assert.match(net.description, /Inception-v3 from/);
  const m = featureMetrics(net, got.features, got, { fid: true, is: true });
  assert.ok(Math.abs(m.fid_inception) < 1e-6, `FID of a set with itself ${m.fid_inception}`);
  // Shifting every feature by 1 adds ‖1‖² = 2048.
  const shifted = featureMetrics(net, got.features, { features: got.features.map((f) => f.map((v) => v + 1)) }, { fid: true });
  assert.ok(Math.abs(shifted.fid_inception - 2048) < 1e-6 * 2048, `${shifted.fid_inception}`);
  assert.ok(m.is_inception >= 1, `is_inception ${m.is_inception}`);
  net.dispose!();
});

test('missing or wrong Inception files: errors name the file and say what to provide', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-inception-'));
  assert.throws(() => loadInception(dir), (e: Error) => e.message.includes(path.join(dir, 'model.json')) && /tensorflowjs_converter/.test(e.message) && /pool3/.test(e.message));
  fs.writeFileSync(path.join(dir, 'model.json'), '{"format": "layers-model", "modelTopology": {}, "weightsManifest": []}');
  assert.throws(() => loadInception(dir), /not a tfjs graph model/);
  // A graph model without a 2048-d output is refused, naming its outputs.
  const rng = new Rng(1);
  writeTinyGraphModel(dir, 4, new Float32Array(3 * 2048), Float32Array.from({ length: 20480 }, () => rng.normal()));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.alloc(10));
  assert.throws(() => loadInception(dir), /model\.json: cannot load the graph model/);
});
