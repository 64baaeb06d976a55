// The trainer's failure handling: the NaN guard (stop naming the loss and step,
// or roll back to the last checkpoint with lower learning rates; the last good
// checkpoint is never replaced) and the status heartbeat. A non-finite loss
// (NaN, +Infinity or -Infinity) is injected with T2I_TEST_POISON_LOSS
// (models/train/faultInjection.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import type { LogEvent, RunStartedEvent, StepEvent } from '../../protocol/events';
import { dedupeResumedSteps } from '../../protocol/resumedSteps';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { readCheckpoint } from '../../models/train/checkpoint';
import { train } from '../../models/train/trainer';

const base = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 40, seed: 2 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 8, steps: 8, sampleEvery: 1000, checkpointEvery: 3, seed: 7 },
  preview: { count: 2 },
};
const quiet = () => {};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-nan-'));
let n = 0;
function configWith(train: Record<string, unknown>): string {
  const file = path.join(dir, `c${++n}.t2i.json`);
  fs.writeFileSync(file, JSON.stringify({ ...base, train: { ...base.train, ...train } }));
  return file;
}
const checkpoints = (runDir: string) => fs.readdirSync(path.join(runDir, 'checkpoints')).sort();
const steps = (events: ReturnType<typeof readAllEvents>) => events.filter((e): e is StepEvent => e.type === 'step');

afterEach(() => {
  delete process.env.T2I_TEST_POISON_LOSS;
});

// Infinity is as bad as NaN (an exploding loss usually overflows before it turns NaN): the same guard must catch both.
for (const [poison, value] of [['5', 'NaN'], ['5:inf', 'Infinity']] as const) {
  test(`nanGuard "stop" (the default) on ${value}: the run fails naming the loss and step; no checkpoint after the last good one`, async () => {
    process.env.T2I_TEST_POISON_LOSS = poison;
    const runDir = path.join(dir, `stop-${value}`);
    await assert.rejects(train({ configPath: configWith({}), runDir, log: quiet }), new RegExp(`loss d_total became ${value} at step 5; the last good checkpoint is checkpoints/step-000003\\.safetensors`));
    const status = readStatus(runDir)!;
    assert.equal(status.state, 'failed');
    assert.match(status.message!, new RegExp(`loss d_total became ${value} at step 5`));
    assert.deepEqual(checkpoints(runDir), ['step-000003.safetensors'], 'no checkpoint of the bad state, none at the end');
    assert.equal(readCheckpoint(path.join(runDir, 'checkpoints/step-000003.safetensors')).meta.step, 3);
    const events = readAllEvents(runDir);
    assert.equal(Math.max(...steps(events).map((e) => e.step)), 4, `the ${value} step is not logged as a step`);
    const done = events.at(-1)!;
    assert.ok(done.type === 'done' && done.reason === 'failed' && done.step === 5);
  });
}

test('nanGuard "rollback": reloads the last checkpoint exactly, lowers the learning rates, finishes; readers drop the replaced steps', async () => {
  const straight = await train({ configPath: configWith({}), runDir: path.join(dir, 'straight'), log: quiet });
  const reference = new Map(steps(readAllEvents(straight.runDir)).map((e) => [e.step, e.losses]));

  process.env.T2I_TEST_POISON_LOSS = '5';
  const configPath = configWith({ nanGuard: { action: 'rollback', lrFactor: 0.25 } });
  const r = await train({ configPath, runDir: path.join(dir, 'rollback'), log: quiet });
  assert.equal(r.reason, 'completed');
  assert.equal(r.step, 8);
  const events = readAllEvents(r.runDir);
  const logged = events.filter((e): e is LogEvent => e.type === 'log' && e.level === 'error');
  assert.equal(logged.length, 1);
  assert.match(logged[0].message, /loss d_total became NaN at step 5; rolled back to checkpoints\/step-000003\.safetensors \(step 3\) with learning rates ×0\.25/);
  assert.equal(events.filter((e) => e.type === 'error').length, 0, 'a handled NaN does not mark the run failed');
  const starts = events.filter((e): e is RunStartedEvent => e.type === 'run_started');
  assert.deepEqual(starts.map((e) => e.resumedFrom), [undefined, { step: 3, checkpoint: 'checkpoints/step-000003.safetensors', reason: 'rollback' }]);

  const kept = steps(dedupeResumedSteps(events));
  assert.deepEqual(kept.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const e of kept.slice(0, 3)) assert.deepEqual(e.losses, reference.get(e.step), `step ${e.step} before the checkpoint`);
  const redone4 = kept[3].losses;
  // The D losses of step 4 come before any update at the new rate: equal only if weights, RNG and data order were restored exactly.
  for (const k of ['d_real', 'd_fake', 'd_mismatch']) assert.equal(redone4[k], reference.get(4)![k], `${k} at step 4 after the rollback`);
  assert.notEqual(redone4.g_adv, reference.get(4)!.g_adv, 'G is updated after D, which now steps at a lower rate');
  // Later checkpoints carry the lowered rate, so a resume keeps it.
  const last = readCheckpoint(path.join(r.runDir, 'checkpoints/step-000008.safetensors')).meta;
  assert.deepEqual([last.counters.opt_g_lrScale, last.counters.opt_d_lrScale], [0.25, 0.25]);
  assert.equal(readStatus(r.runDir)?.state, 'completed');
});

test('nanGuard "rollback" gives up after maxRollbacks, keeping the last good checkpoint', async () => {
  process.env.T2I_TEST_POISON_LOSS = '5*';
  const runDir = path.join(dir, 'give-up');
  const configPath = configWith({ nanGuard: { action: 'rollback', maxRollbacks: 2 } });
  await assert.rejects(train({ configPath, runDir, log: quiet }), /became NaN at step 5 after 2 rollbacks; the last good checkpoint is checkpoints\/step-000003/);
  const events = readAllEvents(runDir);
  assert.equal(events.filter((e) => e.type === 'log' && e.level === 'error').length, 2);
  assert.deepEqual(checkpoints(runDir), ['step-000003.safetensors']);
  assert.equal(readStatus(runDir)?.state, 'failed');
});

test('nanGuard "rollback" before the first checkpoint stops, saying there is nothing to roll back to', async () => {
  process.env.T2I_TEST_POISON_LOSS = '2';
  const runDir = path.join(dir, 'too-early');
  await assert.rejects(train({ configPath: configWith({ nanGuard: { action: 'rollback' } }), runDir, log: quiet }), /loss d_total became NaN at step 2 before the first checkpoint \(nothing to roll back to\); the last good checkpoint is none/);
  assert.deepEqual(checkpoints(runDir), []);
  assert.equal(readStatus(runDir)?.state, 'failed');
});


test('nanGuard "rollback" catches -Infinity: rolls back to the last checkpoint with lower learning rates and finishes', async () => {
  process.env.T2I_TEST_POISON_LOSS = '5:-inf';
  const r = await train({ configPath: configWith({ nanGuard: { action: 'rollback', lrFactor: 0.5 } }), runDir: path.join(dir, 'rollback-inf'), log: quiet });
  assert.equal(r.reason, 'completed');
  assert.equal(r.step, 8);
  const events = readAllEvents(r.runDir);
  const logged = events.filter((e): e is LogEvent => e.type === 'log' && e.level === 'error');
  assert.equal(logged.length, 1);
  assert.match(logged[0].message, /loss d_total became -Infinity at step 5; rolled back to checkpoints\/step-000003\.safetensors \(step 3\) with learning rates ×0\.5/);
  const kept = steps(dedupeResumedSteps(events));
  assert.deepEqual(kept.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(kept.every((e) => Object.values(e.losses).every(Number.isFinite)), 'no infinite loss reaches the log');
  const last = readCheckpoint(path.join(r.runDir, 'checkpoints/step-000008.safetensors')).meta;
  assert.deepEqual([last.counters.opt_g_lrScale, last.counters.opt_d_lrScale], [0.5, 0.5]);
  assert.equal(readStatus(r.runDir)?.state, 'completed');
});

test('status.json carries a heartbeat no older than heartbeatSeconds at every step', async () => {
  const configPath = configWith({ steps: 30, heartbeatSeconds: 1, evalEvery: 10, evalCount: 8 });
  const runDir = path.join(dir, 'heartbeat');
  const ages: number[] = [];
  const start = Date.now();
  await train({
    configPath, runDir, log: quiet,
    shouldStop: () => {
      const s = readStatus(runDir);
      ages.push(s?.heartbeatAt ? Date.now() - Date.parse(s.heartbeatAt) : Infinity);
      return false;
    },
  });
  assert.equal(ages.length, 30);
  assert.ok(Math.max(...ages) <= 1000, `heartbeat ages ${ages.join(', ')} ms`);
  const final = readStatus(runDir)!;
  assert.equal(final.heartbeatSeconds, 1);
  assert.ok(final.meanStepMs! > 0, 'the mean step time, so a hang check can allow for slow steps');
  assert.ok(Date.parse(final.heartbeatAt!) >= start - 5, 'an ISO time from this run');
  assert.match(final.heartbeatAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('config: nanGuard and heartbeatSeconds are checked and defaulted', async () => {
  const { resolveConfig, ConfigError } = await import('../../models/config/config');
  const cfg = resolveConfig({ method: 'baseline', dataset: { kind: 'shapes' } });
  assert.deepEqual(cfg.train.nanGuard, { action: 'stop', lrFactor: 0.5, maxRollbacks: 3 });
  assert.equal(cfg.train.heartbeatSeconds, 10);
  for (const [train, pointer] of [
    [{ nanGuard: { action: 'retry' } }, '/train/nanGuard/action'],
    [{ nanGuard: { lrFactor: 0 } }, '/train/nanGuard/lrFactor'],
    [{ nanGuard: { lrFactor: 2 } }, '/train/nanGuard/lrFactor'],
    [{ nanGuard: { maxRollbacks: -1 } }, '/train/nanGuard/maxRollbacks'],
    [{ nanGuard: { every: 3 } }, '/train/nanGuard'],
    [{ heartbeatSeconds: 0 }, '/train/heartbeatSeconds'],
  ] as const) {
    assert.throws(() => resolveConfig({ method: 'baseline', dataset: { kind: 'shapes' }, train }), (e: unknown) => e instanceof ConfigError && e.errors.some((x) => x.pointer.startsWith(pointer)), JSON.stringify(train));
  }
});
