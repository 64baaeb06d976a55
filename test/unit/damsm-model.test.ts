// DAMSM encoders: shapes, gradient flow (and none into frozen encoders),
// checkpoint round trip, and a short pretraining run through the CLI path.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { resolveConfig } from '../../models/config/config';
import { sentenceLoss, wordsLoss } from '../../models/damsm/damsmLoss';
import { DamsmModel } from '../../models/damsm/damsmModel';
import { latestDamsmCheckpoint } from '../../models/damsm/pretrain';
import { Rng } from '../../models/data/rng';
import { readAllEvents } from '../../models/run/runReader';
import { loadCheckpoint, saveCheckpoint } from '../../models/train/checkpoint';
import { train } from '../../models/train/trainer';

const cfg = resolveConfig({
  method: 'damsm',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 96 },
  damsm: { embedDim: 8, hidden: 6, imageWidth: 4, batchSize: 6, steps: 4, evalEvery: 2, checkpointEvery: 3 },
  text: { maxWords: 7 },
});

function batch(b: number) {
  const r = new Rng(3);
  const lengths = Int32Array.from({ length: b }, (_, i) => 2 + (i % 5));
  const ids = Int32Array.from({ length: b * 7 }, (_, k) => (k % 7 < lengths[Math.floor(k / 7)] ? 1 + r.int(19) : 0));
  return {
    images: tf.tensor4d(Float32Array.from({ length: b * 32 * 32 * 3 }, () => r.uniform() * 2 - 1), [b, 32, 32, 3]),
    ids: tf.tensor2d(ids, [b, 7], 'int32'),
    lengths,
    labels: Int32Array.from({ length: b }, (_, i) => i % 3),
  };
}

test.before(async () => {
  await initBackend({ choice: 'auto', log: () => {} });
});

test('encoders: region grid, feature sizes, masks', () => {
  const m = new DamsmModel(cfg.damsm, 20, 32, new Rng(1));
  const b = batch(4);
  const txt = m.text.encode(b.ids, b.lengths, false);
  const img = m.image.encode(b.images, false);
  assert.deepEqual(txt.words.shape, [4, 7, 12]);
  assert.deepEqual(txt.sentence.shape, [4, 12]);
  assert.deepEqual(img.regions.shape, [4, 64, 12], '8×8 regions at 32 px');
  assert.deepEqual(img.global.shape, [4, 12]);
  assert.deepEqual([...txt.mask.sum(1).dataSync()], [2, 3, 4, 5]);
  assert.throws(() => m.image.encode(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D, false), /built for 32px, got 64px/);
  m.dispose();
});

test('a pretraining step changes every encoder weight and leaks nothing', () => {
  const m = new DamsmModel({ ...cfg.damsm, dropout: 0 }, 20, 32, new Rng(2));
  const before = new Map(m.params.entries().map(([n, v]) => [n, v.dataSync().slice()]));
  const b = batch(6);
  const l = m.trainStep(b);
  for (const k of ['w_i2t', 'w_t2i', 's_i2t', 's_t2i', 'total']) assert.ok(Number.isFinite(l[k]) && l[k] > 0, k);
  assert.ok(Math.abs(l.total - (l.w_i2t + l.w_t2i + l.s_i2t + l.s_t2i)) < 1e-4);
  const unchanged = m.params
    .entries()
    .filter(([, v]) => v.trainable)
    .filter(([n, v]) => v.dataSync().every((x, i) => x === before.get(n)![i]))
    .map(([n]) => n);
  assert.deepEqual(unchanged, [], `weights with no gradient: ${unchanged.join(', ')}`);
  m.trainStep(b);
  const n = tf.memory().numTensors;
  m.trainStep(b);
  assert.equal(tf.memory().numTensors, n);
  m.dispose();
});

test('frozen encoders: a loss on generated images moves the images, never the encoders', () => {
  const m = new DamsmModel(cfg.damsm, 20, 32, new Rng(4));
  const snapshot = m.params.entries().map(([n, v]) => [n, v.dataSync().slice()] as const);
  const b = batch(3);
  const fake = tf.variable(b.images);
  const { grads, value } = tf.variableGrads(() => {
    const txt = m.text.encode(b.ids, b.lengths, false);
    const img = m.image.encode(fake as unknown as tf.Tensor4D, false);
    const w = wordsLoss(img.regions, txt.words, txt.mask, undefined, cfg.damsm);
    const s = sentenceLoss(img.global, txt.sentence, undefined, cfg.damsm.gamma3);
    return tf.addN([w.imageToText, w.textToImage, s.imageToText, s.textToImage]) as tf.Scalar;
  }, [fake]);
  assert.ok(grads[fake.name].dataSync().some((x) => x !== 0), 'the generated images get a gradient');
  assert.deepEqual(Object.keys(grads), [fake.name], 'no encoder weight is in the gradient set');
  for (const [n, data] of snapshot) assert.deepEqual(m.params.entries().find(([k]) => k === n)![1].dataSync(), data, n);
  value.dispose();
  m.dispose();
});

test('checkpoint round trip is bit-exact; a shape mismatch names the tensor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-damsm-'));
  const a = new DamsmModel(cfg.damsm, 20, 32, new Rng(5));
  a.trainStep(batch(6));
  const file = path.join(dir, 'enc.safetensors');
  saveCheckpoint(file, a, { step: 1, resume: {} });
  const b = new DamsmModel(cfg.damsm, 20, 32, new Rng(6));
  b.trainStep(batch(6)); // so it has an optimiser to restore too
  loadCheckpoint(file, b);
  const bs = new Map(b.state());
  for (const [n, t] of a.state()) assert.deepEqual(Buffer.from(bs.get(n)!.dataSync().buffer), Buffer.from(t.dataSync().buffer), n);
  const c = new DamsmModel(cfg.damsm, 21, 32, new Rng(7));
  assert.throws(() => loadCheckpoint(file, c), /enc\.safetensors: checkpoint tensor "text\/embed\/table" has shape \[20,8\], the model needs \[21,8\]/);
  [a, b, c].forEach((m) => m.dispose());
});

test('`train` on a damsm config pretrains: losses, retrieval metrics, checkpoints, found by later runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-damsm-run-'));
  const configPath = path.join(dir, 'enc.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify({ ...cfg, name: undefined }));
  const r = await train({ configPath, log: () => {} });
  assert.equal(r.reason, 'completed');
  const events = readAllEvents(r.runDir);
  const started = events.find((e) => e.type === 'run_started');
  assert.ok(started?.type === 'run_started' && started.method === 'damsm');
  assert.deepEqual(events.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step), [1, 2, 3, 4]);
  const metrics = events.filter((e) => e.type === 'metrics') as { step: number; metrics: Record<string, number> }[];
  assert.deepEqual(metrics.map((e) => e.step), [2, 4]);
  for (const e of metrics) assert.ok(e.metrics.retrieval_top1 >= 0 && e.metrics.retrieval_top1 <= 1);
  assert.equal(latestDamsmCheckpoint(configPath), path.join(r.runDir, 'checkpoints/step-000004.safetensors'));
});

test('frozen encoders: pretrained first when missing (and said so), then found, with their vocabulary', async () => {
  const { loadFrozenEncoders } = await import('../../models/damsm/frozenEncoders');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-frozen-'));
  const configPath = path.join(dir, 'gan.t2i.json');
  const ganCfg = { ...cfg, method: 'baseline', damsm: { ...cfg.damsm, steps: 2, evalEvery: 2 } };
  fs.writeFileSync(configPath, JSON.stringify(ganCfg));
  const logs: string[] = [];
  const first = await loadFrozenEncoders(resolveConfig(ganCfg), configPath, { log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /no pretrained DAMSM encoders for gan\.t2i\.json: pretraining them first/.test(l)), logs.join('\n'));
  assert.ok(first.vocab.size > 10);
  assert.equal(first.model.text.embed.table.shape[0], first.vocab.size);
  first.model.dispose();
  logs.length = 0;
  const again = await loadFrozenEncoders(resolveConfig(ganCfg), configPath, { log: (l) => logs.push(l) });
  assert.equal(again.checkpoint, first.checkpoint);
  assert.ok(!logs.some((l) => /pretraining them first/.test(l)));
  again.model.dispose();
  const missing = resolveConfig({ ...ganCfg, damsm: { ...ganCfg.damsm, encoders: 'nope.safetensors' } });
  await assert.rejects(loadFrozenEncoders(missing, configPath, { log: () => {} }), /gan\.t2i\.json: \/damsm\/encoders: .*nope\.safetensors does not exist/);
});
