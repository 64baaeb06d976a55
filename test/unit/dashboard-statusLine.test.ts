import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEvents, emptyRun } from '../../webview/dashboard/runModel';
import { canResume, formatDuration, samplesEmptyText, stateOf, statusParts } from '../../webview/dashboard/statusLine';

const run = () => applyEvents(emptyRun(), [
  { type: 'run_started', t: 0, version: 1, runId: 'r', method: 'baseline', configPath: 'c', pid: 1, startStep: 0,
    totalSteps: 3000, imageSize: 32, lossNames: ['d'], backend: { name: 'wasm', threads: 2, attempts: [] } },
  { type: 'step', t: 0, step: 100, losses: { d: 1 }, stepMs: 1 },
  { type: 'step', t: 10_000, step: 120, losses: { d: 1 }, stepMs: 1 },
  { type: 'checkpoint', t: 10_000, step: 100, path: 'checkpoints/step-000100.safetensors' },
]);

test('status names backend, threads, step, speed and checkpoint while training', () => {
  const p = statusParts(run(), 'running', true);
  assert.equal(p.state, 'Training');
  assert.equal(p.backend, 'wasm · 2 threads');
  assert.equal(p.step, 'step 120 / 3,000');
  assert.equal(p.speed, '2.0 steps/s · ~24 min left');
  assert.equal(p.checkpoint, 'checkpoint 100');
});

test('the backend label says when our C++ kernels carry the work, from the trainer note', () => {
  const withNote = (reason: string) => statusParts(applyEvents(emptyRun(), [
    { type: 'run_started', t: 0, version: 1, runId: 'r', method: 'baseline', configPath: 'c', pid: 1, startStep: 0, totalSteps: 10, imageSize: 32,
      lossNames: ['d'], backend: { name: 'wasm', threads: 2, attempts: [{ name: 'tensorflow', ok: false, reason: 'native kernels? not installed' }, { name: 'wasm', ok: true, reason }] } },
  ]), 'running', true).backend;
  assert.equal(withNote('simd; native kernels avx2+fma x2'), 'wasm + C++ kernels · 2 threads');
  assert.equal(withNote('threaded-simd; wasm kernels only: turned off by T2I_NATIVE_KERNELS'), 'wasm · 2 threads');
});

test('no speed once the trainer is gone; the done reason names the state', () => {
  const r = applyEvents(run(), [{ type: 'done', t: 11_000, step: 120, reason: 'stopped' }]);
  const p = statusParts(r, 'idle', true);
  assert.equal(p.state, 'Stopped');
  assert.equal(p.speed, undefined);
});

test('a run with no done and no trainer is interrupted; an empty config has no runs', () => {
  assert.deepEqual(stateOf(run(), 'idle', true), { state: 'Interrupted', kind: 'warn' });
  assert.deepEqual(stateOf(emptyRun(), 'idle', false), { state: 'No runs yet', kind: 'idle' });
  assert.equal(stateOf(emptyRun(), 'starting', false).state, 'Starting…');
});

test('durations read naturally', () => {
  assert.equal(formatDuration(12), '12 s');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(3 * 3600 + 20 * 60), '3 h 20 min');
});

test('a trainer that failed before writing events reads as failed', () => {
  assert.deepEqual(stateOf(emptyRun(), 'idle', false, true), { state: 'Failed', kind: 'error' });
  assert.equal(stateOf(emptyRun(), 'running', true, true).state, 'Training');
});

test('the status line names the method; DAMSM says it is encoder pretraining', () => {
  assert.equal(statusParts(run(), 'running', true).method, 'baseline');
  const damsm = applyEvents(emptyRun(), [
    { type: 'run_started', t: 0, version: 1, runId: 'r', method: 'damsm', configPath: 'c', pid: 1, startStep: 0,
      totalSteps: 500, imageSize: 32, lossNames: ['s_loss'], backend: { name: 'cpu', threads: 0, attempts: [] } },
  ]);
  assert.equal(statusParts(damsm, 'running', true).method, 'damsm (encoder pretraining)');
  assert.equal(statusParts(emptyRun(), 'idle', false).method, undefined);
});

test('the samples card explains itself: DAMSM pretraining writes no grids', () => {
  const damsm = applyEvents(emptyRun(), [
    { type: 'run_started', t: 0, version: 1, runId: 'r', method: 'damsm', configPath: 'c', pid: 1, startStep: 0,
      totalSteps: 500, imageSize: 32, lossNames: [], backend: { name: 'cpu', threads: 0, attempts: [] } },
  ]);
  for (const active of [true, false]) {
    const note = samplesEmptyText(damsm, active, true);
    assert.equal(note.none, true);
    assert.match(note.text, /^DAMSM pretraining writes no sample grids/);
  }
  assert.deepEqual(samplesEmptyText(run(), true, true), { text: 'Waiting for the first sample grid…', none: false });
  assert.deepEqual(samplesEmptyText(run(), false, true), { text: 'No sample grids in this run.', none: false });
  // Before run_started arrives the method is unknown: wait, as for any run.
  assert.equal(samplesEmptyText(emptyRun(), true, true).none, false);
});

test('Resume is offered for an unfinished, idle run with a checkpoint', () => {
  const withCkpt = applyEvents(emptyRun(), [{ type: 'checkpoint', t: 0, step: 50, path: 'checkpoints/step-000050.safetensors' }]);
  assert.equal(canResume(withCkpt, 'idle', true), true);
  assert.equal(canResume(withCkpt, 'running', true), false, 'not while it trains');
  assert.equal(canResume(emptyRun(), 'idle', true), false, 'nothing to resume from');
  const done = applyEvents(emptyRun(), [{ type: 'checkpoint', t: 0, step: 50, path: 'c' }, { type: 'done', t: 1, step: 50, reason: 'completed' }]);
  assert.equal(canResume(done, 'idle', true), false, 'a completed run has no steps left');
  const stopped = applyEvents(emptyRun(), [{ type: 'checkpoint', t: 0, step: 50, path: 'c' }, { type: 'done', t: 1, step: 50, reason: 'stopped' }]);
  assert.equal(canResume(stopped, 'idle', true), true);
});
