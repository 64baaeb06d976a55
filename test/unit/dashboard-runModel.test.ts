import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../protocol/events';
import { addSamples, applyEvents, emptyRun, pointCount, stepsPerSecond } from '../../webview/dashboard/runModel';

const started: RunEvent = {
  type: 'run_started', t: 1000, version: 1, runId: 'r1', method: 'baseline', configPath: '/x.t2i.json',
  backend: { name: 'wasm', threads: 2, attempts: [] }, pid: 1, startStep: 0, totalSteps: 100, imageSize: 32,
  lossNames: ['d_loss', 'g_loss'],
};
const step = (s: number, t: number, losses: Record<string, number>): RunEvent => ({ type: 'step', t, step: s, losses, stepMs: 10 });

test('events become one series per loss head, in lossNames order', () => {
  const run = applyEvents(emptyRun(), [
    started,
    step(1, 1100, { g_loss: 2, d_loss: 1 }),
    step(2, 1200, { g_loss: 1.5, d_loss: 0.9, extra: 3 }),
  ]);
  assert.deepEqual(run.lossNames, ['d_loss', 'g_loss', 'extra']);
  assert.deepEqual(run.series.get('g_loss'), { steps: [1, 2], values: [2, 1.5] });
  assert.deepEqual(run.series.get('extra'), { steps: [2], values: [3] });
  assert.equal(run.backend?.name, 'wasm');
  assert.equal(run.lastStep, 2);
  assert.equal(pointCount(run), 5);
});

test('a repeated or out-of-order step keeps the series sorted and unique', () => {
  const run = applyEvents(emptyRun(), [step(1, 0, { a: 1 }), step(3, 0, { a: 3 }), step(2, 0, { a: 2 }), step(3, 0, { a: 30 })]);
  assert.deepEqual(run.series.get('a'), { steps: [1, 2, 3], values: [1, 2, 30] });
});

test('batches give the same model as one big batch', () => {
  const events = [started, step(1, 1100, { d_loss: 1 }), step(2, 1200, { d_loss: 2 }),
    { type: 'checkpoint', t: 1300, step: 2, path: 'checkpoints/step-000002.safetensors' } as RunEvent,
    { type: 'done', t: 1400, step: 2, reason: 'stopped' } as RunEvent];
  const one = applyEvents(emptyRun(), events);
  const two = applyEvents(applyEvents(emptyRun(), events.slice(0, 2)), events.slice(2));
  assert.deepEqual(two, one);
  assert.equal(one.done?.reason, 'stopped');
  assert.equal(one.lastCheckpoint?.step, 2);
});

test('steps per second comes from the recent step events', () => {
  const run = applyEvents(emptyRun(), [step(10, 0, { a: 1 }), step(20, 2000, { a: 1 }), step(30, 4000, { a: 1 })]);
  assert.equal(stepsPerSecond(run), 5);
  assert.equal(stepsPerSecond(applyEvents(emptyRun(), [step(1, 0, { a: 1 })])), undefined);
});

test('samples stay sorted and unique by step', () => {
  const run = addSamples(emptyRun(), [{ step: 20, uri: 'b' }, { step: 10, uri: 'a' }]);
  addSamples(run, [{ step: 15, uri: 'c' }, { step: 20, uri: 'b2' }]);
  assert.deepEqual(run.samples.map((s) => [s.step, s.uri]), [[10, 'a'], [15, 'c'], [20, 'b2']]);
});

test('error events are remembered for the banner', () => {
  const run = applyEvents(emptyRun(), [{ type: 'error', t: 0, message: 'out of memory' }]);
  assert.equal(run.lastError, 'out of memory');
});
