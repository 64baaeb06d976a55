// Resume: a run stopped at a checkpoint and resumed continues with the same
// optimiser state, RNG state, step counter and data order, so its next
// losses equal those of a run that never stopped, bit for bit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { StepEvent } from '../../protocol/events';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { train } from '../../models/train/trainer';

const config = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 60, seed: 4 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 8, steps: 8, sampleEvery: 100, checkpointEvery: 4, seed: 9 },
  preview: { count: 2 },
};
const quiet = () => {};
const losses = (runDir: string) =>
  new Map(readAllEvents(runDir).filter((e): e is StepEvent => e.type === 'step').map((e) => [e.step, e.losses]));

test('stop at a checkpoint, resume: the next losses equal an uninterrupted run (bit-exact)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-resume-'));
  const configPath = path.join(dir, 'r.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  // 60 images, batch 8: an epoch ends inside the run, so data order crosses the resume point.
  const straight = await train({ configPath, runDir: path.join(dir, 'straight'), log: quiet });
  assert.equal(straight.step, 8);
  const part = await train({ configPath, runDir: path.join(dir, 'resumed'), steps: 4, log: quiet });
  assert.equal(part.step, 4);
  // The config file changing afterwards must not affect the resumed run: it uses its snapshot.
  fs.writeFileSync(configPath, JSON.stringify({ ...config, train: { ...config.train, batchSize: 2 } }));
  const resumed = await train({ configPath: 'ignored', resume: part.runDir, steps: 8, log: quiet });
  assert.equal(resumed.runDir, part.runDir);
  assert.equal(resumed.step, 8);
  const a = losses(straight.runDir);
  const b = losses(part.runDir);
  for (let s = 1; s <= 8; s++) assert.deepEqual(b.get(s), a.get(s), `losses at step ${s}`);
  const starts = readAllEvents(part.runDir).filter((e) => e.type === 'run_started');
  assert.deepEqual(starts.map((e) => (e as { startStep: number }).startStep), [0, 4]);
  assert.equal(readStatus(part.runDir)?.state, 'completed');
});

test('resume refuses folders that are not runs or have no checkpoint, naming them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-resume-bad-'));
  await assert.rejects(train({ configPath: 'x', resume: dir, log: quiet }), /config\.json|not a run folder/);
});

test('resume is bit-exact on the cpu backend too', async () => {
  // The same protocol on tfjs' pure-JS backend (slow: a smaller batch and fewer steps).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-resume-cpu-'));
  const configPath = path.join(dir, 'c.t2i.json');
  const cpuConfig = { ...config, backend: 'cpu', dataset: { ...config.dataset, count: 30 }, train: { ...config.train, batchSize: 4, steps: 4, checkpointEvery: 2 } };
  fs.writeFileSync(configPath, JSON.stringify(cpuConfig));
  const straight = await train({ configPath, runDir: path.join(dir, 'straight'), log: quiet });
  assert.equal(straight.backend.name, 'cpu');
  const part = await train({ configPath, runDir: path.join(dir, 'resumed'), steps: 2, log: quiet });
  const resumed = await train({ configPath, resume: part.runDir, steps: 4, log: quiet });
  assert.equal(resumed.step, 4);
  assert.equal(resumed.backend.name, 'cpu');
  const a = losses(straight.runDir);
  const b = losses(part.runDir);
  for (let s = 1; s <= 4; s++) assert.deepEqual(b.get(s), a.get(s), `losses at step ${s}`);
});
