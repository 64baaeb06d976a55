// Evaluation in the background of training: the time share is respected
// (checked with a counted clock: every step and every slice of work costs a
// fixed number of ticks, no wall-clock timing), evaluations score the
// weights of the step they name, and a real run writes their metrics events.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { MetricsEvent } from '../../protocol/events';
import { initBackend } from '../../models/backend/select';
import { resolveConfig } from '../../models/config/config';
import { allCaptions, openDataset } from '../../models/data/openDataset';
import { Rng } from '../../models/data/rng';
import { SlicedEvaluator, type EvalTask } from '../../models/eval/slicedEvaluator';
import { WeightSnapshot } from '../../models/eval/weightSnapshot';
import { readAllEvents } from '../../models/run/runReader';
import { Vocabulary } from '../../models/text/vocabulary';
import { Batcher, disposeBatch } from '../../models/train/batcher';
import { createMethod } from '../../models/train/createMethod';
import { train } from '../../models/train/trainer';

/** Simulates a step loop on a counted clock: each step costs `stepCost`, each slice `sliceCost`. */
function simulate(opts: { share: number; steps: number; every: number; slicesPerEval: number; stepCost: number; sliceCost: number }) {
  let clock = 0;
  const results: number[] = [];
  const skipped: number[] = [];
  let disposed = 0;
  const ev = new SlicedEvaluator({ share: opts.share, clock: () => clock, onResult: (s) => results.push(s), onSkipped: (s) => skipped.push(s) });
  const task = (step: number): EvalTask => ({
    step,
    slices: (function* () {
      for (let i = 0; i < opts.slicesPerEval; i++) {
        clock += opts.sliceCost; // one slice of work
        if (i < opts.slicesPerEval - 1) yield;
      }
      return { value: step };
    })(),
    dispose: () => disposed++,
  });
  let worst = 0;
  for (let step = 1; step <= opts.steps; step++) {
    clock += opts.stepCost; // the training step
    if (step % opts.every === 0) ev.enqueue(task(step));
    ev.tick();
    // Evaluation may run ahead of its budget by at most the slice in progress.
    worst = Math.max(worst, ev.evalMs - (opts.share / (1 - opts.share)) * ev.trainMs);
    assert.ok(ev.evalMs <= (opts.share / (1 - opts.share)) * ev.trainMs + opts.sliceCost, `step ${step}: ${ev.evalMs} eval vs ${ev.trainMs} train`);
  }
  const beforeDrain = { evalMs: ev.evalMs, trainMs: ev.trainMs, slices: ev.slices };
  ev.drain();
  return { ev, results, skipped, disposed, worst, beforeDrain };
}

test('the evaluation share is respected, counted in slices of work', () => {
  // 10% share, steps of 10 ticks, slices of 4 ticks, 3 slices per evaluation every 10 steps:
  // each evaluation needs 12 ticks of the 11.1 that 10 steps allow, so they keep up only just.
  const a = simulate({ share: 0.1, steps: 200, every: 10, slicesPerEval: 3, stepCost: 10, sliceCost: 4 });
  assert.ok(a.worst <= 4);
  const share = a.beforeDrain.evalMs / (a.beforeDrain.evalMs + a.beforeDrain.trainMs);
  assert.ok(share <= 0.1 + 4 / (a.beforeDrain.evalMs + a.beforeDrain.trainMs), `share ${share}`);
  assert.ok(share > 0.08, `the budget is used, not wasted: ${share}`);
  // Every evaluation reports the step it was queued at; the late ones are dropped before starting, never mixed.
  assert.deepEqual([...a.results, ...a.skipped].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => 10 * (i + 1)));
  assert.equal(a.disposed, 20, 'every snapshot is freed, run or skipped');
  assert.equal(a.ev.slices, a.results.length * 3 + 0, 'a skipped evaluation costs no slices');

  // Evaluations that need more than the share allows: most are skipped, and training is still slowed by ≤ 10%.
  const b = simulate({ share: 0.1, steps: 300, every: 5, slicesPerEval: 20, stepCost: 10, sliceCost: 4 });
  assert.ok(b.skipped.length > 0);
  assert.ok(b.beforeDrain.evalMs <= (0.1 / 0.9) * b.beforeDrain.trainMs + 4);
  // A bigger share lets the same evaluations through.
  const c = simulate({ share: 0.5, steps: 300, every: 5, slicesPerEval: 20, stepCost: 10, sliceCost: 4 });
  assert.ok(c.results.length > b.results.length);
  assert.ok(c.beforeDrain.evalMs <= c.beforeDrain.trainMs + 4);
  assert.throws(() => new SlicedEvaluator({ share: 1, onResult: () => {} }), /share must be in \(0, 1\)/);
});

const tinyConfig = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 120, seed: 3, holdout: [['red', 'triangle']] },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 6, sampleEvery: 3, checkpointEvery: 3, seed: 1, evalEvery: 2, evalCount: 16, evalShare: 0.5 },
  eval: { duringTraining: ['oracle'] },
  preview: { count: 3 },
};

test('a weight snapshot scores the weights of its step while training changes the live ones', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const cfg = resolveConfig(tinyConfig);
  const ds = openDataset(cfg);
  const vocab = Vocabulary.fromCaptions(allCaptions(ds));
  const method = createMethod(cfg, vocab.size, new Rng(1));
  const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, new Rng(2));
  const ids = tf.tensor2d(new Int32Array(2 * cfg.text.maxWords).fill(1), [2, cfg.text.maxWords], 'int32');
  const noise = tf.tensor2d(Float32Array.from({ length: 2 * method.noiseDim }, (_, i) => Math.sin(i)), [2, method.noiseDim]);
  const look = () => tf.tidy(() => Array.from(method.generate(ids, noise).dataSync()));
  const atStep0 = look();
  const snapshot = new WeightSnapshot(method);
  for (let i = 0; i < 3; i++) {
    const batch = batcher.next(4);
    method.trainStep(batch);
    disposeBatch(batch);
  }
  const live = look();
  assert.notDeepEqual(live, atStep0, 'training changed the generator');
  const before = tf.memory().numTensors;
  assert.deepEqual(snapshot.use(look), atStep0, 'the snapshot generates as the generator did at its step');
  assert.deepEqual(look(), live, 'the live weights are back afterwards');
  assert.equal(tf.memory().numTensors, before, 'swapping leaves no tensors behind');
  snapshot.dispose();
  tf.dispose([ids, noise]);
  method.dispose();
});

test('training with evalEvery writes metrics events for the steps evaluated, oracle per attribute and held out', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-bg-eval-'));
  const configPath = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(tinyConfig));
  const result = await train({ configPath, log: () => {} });
  assert.equal(result.step, 6);
  const metrics = readAllEvents(result.runDir).filter((e): e is MetricsEvent => e.type === 'metrics');
  assert.ok(metrics.length >= 1);
  for (const m of metrics) {
    assert.equal(m.step % 2, 0, `evaluations name an evalEvery step, not ${m.step}`);
    for (const k of ['oracle_color', 'oracle_shape', 'oracle_size', 'oracle_position', 'oracle_all', 'heldout_all']) assert.ok(m.metrics[k] >= 0 && m.metrics[k] <= 1, `${k} at ${m.step}`);
  }
  assert.ok(metrics.some((m) => m.step === 6), 'the last evaluation is finished before the run ends');
});

test('a run that stops between evaluations is evaluated at its last step too', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-bg-eval-'));
  const configPath = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify({ ...tinyConfig, train: { ...tinyConfig.train, steps: 5 } }));
  const result = await train({ configPath, log: () => {} });
  assert.equal(result.step, 5);
  const steps = readAllEvents(result.runDir).filter((e): e is MetricsEvent => e.type === 'metrics').map((m) => m.step);
  // (An evaluation may be skipped while the previous one runs; the final one never is.)
  assert.equal(steps.at(-1), 5, `evaluated steps ${steps}`);
  assert.ok(steps.slice(0, -1).every((s) => s % 2 === 0), `evaluated steps ${steps}`);
});

test('a rollback drops the evaluations of the undone steps, running or waiting, and keeps earlier ones', () => {
  const results: number[] = [];
  const disposed: number[] = [];
  const ev = new SlicedEvaluator({ share: 0.5, clock: () => 0, onResult: (s) => results.push(s) });
  const task = (step: number): EvalTask => ({
    step,
    slices: (function* () {
      yield;
      return { value: step };
    })(),
    dispose: () => disposed.push(step),
  });
  ev.enqueue(task(10)); // running
  ev.enqueue(task(20)); // waiting
  assert.equal(ev.dropAfter(20), 0);
  assert.equal(ev.dropAfter(15), 1); // the checkpoint was at 15: step 20's evaluation goes
  assert.deepEqual(disposed, [20]);
  ev.enqueue(task(30));
  assert.equal(ev.dropAfter(5), 2); // both the running 10 and the waiting 30
  assert.deepEqual(disposed, [20, 30, 10]);
  assert.equal(ev.pending, 0);
  ev.enqueue(task(6));
  ev.drain();
  assert.deepEqual(results, [6]);
});
