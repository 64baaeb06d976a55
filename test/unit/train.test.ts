// A short real training run on the shapes dataset: events, files, checkpoint
// round trip, clean stop, and a flat tensor count across steps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { RunEvent, StepEvent } from '../../protocol/events';
import { initBackend } from '../../models/backend/select';
import { ConfigError, resolveConfig } from '../../models/config/config';
import { decodePng } from '../../models/data/png';
import { allCaptions, openDataset } from '../../models/data/openDataset';
import { Rng } from '../../models/data/rng';
import { RUN_FILES } from '../../models/run/layout';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { Vocabulary } from '../../models/text/vocabulary';
import { Batcher, disposeBatch } from '../../models/train/batcher';
import { createMethod } from '../../models/train/createMethod';
import { loadRun, sample } from '../../models/train/sample';
import { train } from '../../models/train/trainer';

const tinyConfig = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 120, seed: 3, holdout: [['red', 'triangle']] },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 6, sampleEvery: 3, checkpointEvery: 3, seed: 1 },
  preview: { count: 3 },
};

function workspace(config: object = tinyConfig): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-train-'));
  const file = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

const quiet = () => {};

test('a short run writes events, sample grids, checkpoints and status', async () => {
  const configPath = workspace();
  const result = await train({ configPath, log: quiet });
  assert.equal(result.reason, 'completed');
  assert.equal(result.step, 6);
  assert.ok(result.runDir.startsWith(path.join(path.dirname(configPath), 'runs', 'tiny')));

  const events = readAllEvents(result.runDir);
  const started = events.find((e) => e.type === 'run_started');
  assert.ok(started && started.type === 'run_started');
  assert.ok(['wasm', 'tensorflow', 'tensorflow-gpu', 'cpu'].includes(started.backend.name));
  assert.ok(started.backend.threads >= 1);
  assert.deepEqual(started.lossNames, ['d_real', 'd_fake', 'd_mismatch', 'd_total', 'g_adv']);

  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4, 5, 6]);
  for (const s of steps) for (const name of started.lossNames) assert.ok(Number.isFinite(s.losses[name]), `${name} at ${s.step}`);
  // Hinge: every D term is non-negative.
  assert.ok(steps.every((s) => s.losses.d_real >= 0 && s.losses.d_fake >= 0 && s.losses.d_mismatch >= 0));

  const byType = (t: RunEvent['type']) => events.filter((e) => e.type === t) as any[];
  assert.deepEqual(byType('sample').map((e) => e.step), [0, 3, 6]);
  assert.deepEqual(byType('checkpoint').map((e) => e.step), [3, 6]);
  assert.deepEqual(byType('done').map((e) => e.reason), ['completed']);
  assert.equal(events[events.length - 1].type, 'done');

  for (const s of byType('sample')) {
    const png = decodePng(fs.readFileSync(path.join(result.runDir, s.path)));
    const meta = JSON.parse(fs.readFileSync(path.join(result.runDir, s.meta), 'utf8'));
    assert.equal(meta.captions.length, 3);
    assert.equal(meta.cell, 32);
    assert.equal(png.width, 3 * 32 + 4 * meta.gap);
    assert.equal(png.height, 32 + 2 * meta.gap);
    assert.equal(meta.real, RUN_FILES.realGrid);
  }
  assert.ok(fs.existsSync(path.join(result.runDir, RUN_FILES.realGrid)));
  assert.ok(fs.existsSync(path.join(result.runDir, 'checkpoints/step-000006.safetensors')));
  const status = readStatus(result.runDir)!;
  assert.equal(status.state, 'completed');
  assert.equal(status.step, 6);
  assert.equal(status.lastCheckpoint, 'checkpoints/step-000006.safetensors');
  const snapshot = JSON.parse(fs.readFileSync(path.join(result.runDir, RUN_FILES.config), 'utf8'));
  assert.equal(snapshot.train.beta1, 0.5, 'the snapshot is the resolved config');

  // The checkpoint reloads into a fresh model that renders the same preview.
  const loaded = await loadRun(result.runDir);
  assert.equal(loaded.step, 6);
  const outDir = path.join(path.dirname(configPath), 'samples-out');
  const captions = path.join(path.dirname(configPath), 'captions.txt');
  fs.writeFileSync(captions, 'a small green circle in the top left\n\na large blue square in the center\na purple hexagon\n');
  const logs: string[] = [];
  const r = await sample({ target: configPath, captionsFile: captions, outDir, seed: 5, log: (l) => logs.push(l) });
  loaded.method.dispose();
  assert.deepEqual(fs.readdirSync(outDir).sort(), ['0000.png', '0001.png', '0002.png']);
  assert.equal(r.step, 6);
  const img = decodePng(fs.readFileSync(path.join(outDir, '0000.png')));
  assert.equal(img.width, 32);
  assert.equal(img.height, 32);
  assert.ok(logs.some((l) => /captions\.txt:4: unknown words left out: hexagon/.test(l)), logs.join('\n'));
});

test('shouldStop ends the run cleanly with a checkpoint at the current step', async () => {
  const configPath = workspace({ ...tinyConfig, train: { ...tinyConfig.train, steps: 100, checkpointEvery: 50 } });
  let polls = 0;
  const result = await train({ configPath, log: quiet, shouldStop: () => ++polls > 2 });
  assert.equal(result.reason, 'stopped');
  assert.equal(result.step, 2);
  const events = readAllEvents(result.runDir);
  assert.deepEqual(events.filter((e) => e.type === 'checkpoint').map((e) => (e as any).step), [2]);
  assert.equal(readStatus(result.runDir)?.state, 'stopped');
});

test('a bad config fails before anything is written', async () => {
  const configPath = workspace({ ...tinyConfig, train: { batchSize: 'four' } });
  await assert.rejects(train({ configPath, log: quiet }), (e: unknown) => e instanceof ConfigError && /\/train\/batchSize/.test(e.message));
  assert.equal(fs.existsSync(path.join(path.dirname(configPath), 'runs')), false);
});

test('the baseline leaks no tensors across training steps', async () => {
  await initBackend({ choice: 'auto', log: quiet });
  const cfg = resolveConfig(tinyConfig);
  const ds = openDataset(cfg);
  const vocab = Vocabulary.fromCaptions(allCaptions(ds));
  const method = createMethod(cfg, vocab.size, new Rng(1));
  const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, new Rng(2));
  const step = () => {
    const b = batcher.next(4);
    method.trainStep(b);
    disposeBatch(b);
  };
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, before);
  method.dispose();
});
