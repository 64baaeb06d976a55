import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../protocol/events';
import { addSamples, applyEvents, compactSeries, emptyRun, MAX_SERIES_POINTS, pointCount, runFromHistory, stepsPerSecond } from '../../webview/dashboard/runModel';

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
  assert.deepEqual(run.series.get('g_loss'), { steps: [1, 2], values: [2, 1.5], t: [1100, 1200] });
  assert.deepEqual(run.series.get('extra'), { steps: [2], values: [3], t: [1200] });
  assert.equal(run.backend?.name, 'wasm');
  assert.equal(run.lastStep, 2);
  assert.equal(pointCount(run), 5);
});

test('a repeated or out-of-order step keeps the series sorted and unique', () => {
  const run = applyEvents(emptyRun(), [step(1, 0, { a: 1 }), step(3, 0, { a: 3 }), step(2, 0, { a: 2 }), step(3, 0, { a: 30 })]);
  assert.deepEqual(run.series.get('a'), { steps: [1, 2, 3], values: [1, 2, 30], t: [0, 0, 0] });
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

test('a resume drops the interrupted segment’s steps, samples and checkpoint after its resume point', () => {
  const run = applyEvents(emptyRun(), [started, step(1, 1, { d_loss: 1 }), step(2, 2, { d_loss: 1 }), step(3, 3, { d_loss: 1 }),
    { type: 'checkpoint', t: 3, step: 3, path: 'c3' }, step(4, 4, { d_loss: 1 }), step(5, 5, { d_loss: 1 }),
    { type: 'checkpoint', t: 5, step: 5, path: 'c5' }, step(6, 6, { d_loss: 1 }), { type: 'done', t: 7, step: 6, reason: 'stopped' }]);
  addSamples(run, [{ step: 2, uri: 'a' }, { step: 6, uri: 'stale' }]);
  // Resumed from the checkpoint at step 3 (say step 5's file was torn by a crash).
  applyEvents(run, [{ ...started, startStep: 3, resumedFrom: { step: 3, checkpoint: 'c3', reason: 'resume' } } as RunEvent, step(4, 10, { d_loss: 2 })]);
  assert.deepEqual(run.series.get('d_loss')?.steps, [1, 2, 3, 4]);
  assert.deepEqual(run.series.get('d_loss')?.values, [1, 1, 1, 2]);
  assert.deepEqual(run.samples.map((s) => s.uri), ['a']);
  assert.equal(run.lastCheckpoint, undefined, 'the checkpoint at 5 belongs to the replaced segment');
  assert.equal(run.done, undefined, 'the earlier segment’s end no longer holds');
  assert.equal(run.lastStep, 4);
});

test('a host history becomes the model: bucketed series, recent steps for the speed, shared sidecars', () => {
  const meta = { step: 10, rows: 1, cols: 2, cell: 32, captions: ['a', 'b'], real: 'samples/real.png' };
  const run = runFromHistory({
    type: 'history',
    series: [
      { name: 'd_loss', kind: 'loss', steps: [64, 128], t: [6400, 12800], values: [1.5, 1], count: [64, 64], min: [1, 0.5], max: [2, 1.5] },
      { name: 'fid', kind: 'metric', steps: [100], t: [10000], values: [80] },
    ],
    events: [started, step(127, 12700, { d_loss: 1 }), step(128, 12800, { d_loss: 1 })],
    samples: [{ step: 10, uri: 'u10', meta }, { step: 20, uri: 'u20', metaAsBefore: true }],
    lines: 200,
    partial: false,
    config: { train: { lr: 1 } },
  });
  assert.deepEqual(run.lossNames, ['d_loss', 'g_loss']);
  assert.deepEqual(run.series.get('d_loss')?.agg?.count, [64, 64]);
  assert.equal(run.series.get('d_loss')?.steps.length, 2, 'recent step events do not add points');
  assert.deepEqual(run.metricNames, ['fid']);
  assert.equal(run.lastStep, 128);
  assert.equal(stepsPerSecond(run), 10);
  assert.deepEqual(run.samples[1].meta, { ...meta, step: 20 });
  // A live step after the history extends the bucketed series with a one-step point.
  applyEvents(run, [step(129, 12900, { d_loss: 0.5 })]);
  assert.deepEqual(run.series.get('d_loss')?.agg?.count, [64, 64, 1]);
  assert.deepEqual(run.series.get('d_loss')?.agg?.min, [1, 0.5, 0.5]);
});

test('a long live series is compacted into buckets that keep the mean, the spread and every step counted', () => {
  const run = emptyRun();
  const n = MAX_SERIES_POINTS + 1;
  const events: RunEvent[] = [];
  for (let s = 1; s <= n; s++) events.push(step(s, s, { a: s % 2 ? 0 : 2 }));
  applyEvents(run, events);
  const s = run.series.get('a')!;
  assert.equal(s.steps.length, Math.ceil(n / 2));
  assert.equal(s.agg!.count.reduce((a, c) => a + c, 0), n);
  assert.equal(s.values[0], 1);
  assert.deepEqual([s.agg!.min[0], s.agg!.max[0]], [0, 2]);
  assert.equal(s.steps[s.steps.length - 1], n);
  const c = compactSeries({ steps: [1, 2, 3], values: [1, NaN, 5], t: [1, 2, 3] });
  assert.deepEqual(c.values, [1, 5], 'a NaN is not averaged in');
  assert.deepEqual(c.agg!.count, [2, 1]);
  assert.deepEqual(c.agg!.min, [1, 5]);
});
