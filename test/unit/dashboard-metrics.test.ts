import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../protocol/events';
import { formatMetric, isPercentMetric, metricAxes, metricSummaries, stepExtent } from '../../webview/dashboard/metrics';
import { applyEvents, emptyRun } from '../../webview/dashboard/runModel';

const metrics = (step: number, m: Record<string, number>): RunEvent => ({ type: 'metrics', t: 0, step, metrics: m });
const step = (s: number, losses: Record<string, number>): RunEvent => ({ type: 'step', t: 0, step: s, losses, stepMs: 1 });

test('metrics events become one series per metric, apart from the losses', () => {
  const run = applyEvents(emptyRun(), [
    step(100, { s_loss: 3 }),
    metrics(100, { retrieval_top1: 0.25 }),
    step(200, { s_loss: 2 }),
    metrics(200, { retrieval_top1: 0.5, fid: 80.5 }),
  ]);
  assert.deepEqual(run.metricNames, ['retrieval_top1', 'fid']);
  assert.deepEqual(run.metrics.get('retrieval_top1'), { steps: [100, 200], values: [0.25, 0.5], t: [0, 0] });
  assert.deepEqual(run.metrics.get('fid'), { steps: [200], values: [80.5], t: [0] });
  // Metrics are not losses: the loss chart and its point count do not see them.
  assert.deepEqual(run.lossNames, ['s_loss']);
  assert.equal(run.series.has('retrieval_top1'), false);
  assert.equal(run.lastStep, 200);
});

test('a metric evaluated again at a step (resumed run) replaces the value; order is by step', () => {
  const run = applyEvents(emptyRun(), [metrics(200, { a: 2 }), metrics(100, { a: 1 }), metrics(200, { a: 20 })]);
  assert.deepEqual(run.metrics.get('a'), { steps: [100, 200], values: [1, 20], t: [0, 0] });
});

test('malformed metric values are skipped', () => {
  const run = applyEvents(emptyRun(), [
    { type: 'metrics', t: 0, step: 5, metrics: { ok: 0.5, bad: 'x' as unknown as number } },
    { type: 'metrics', t: 0, step: 6 } as unknown as RunEvent,
  ]);
  assert.deepEqual(run.metricNames, ['ok']);
});

test('summaries carry the latest value, formatted, and the points in step order', () => {
  const run = applyEvents(emptyRun(), [
    metrics(100, { retrieval_top1: 0.5, fid: 120 }),
    metrics(200, { retrieval_top1: 0.94166, fid: 45.312 }),
  ]);
  const [top1, fid] = metricSummaries(run);
  assert.deepEqual(
    { name: top1.name, percent: top1.percent, step: top1.step, value: top1.value, text: top1.text },
    { name: 'retrieval_top1', percent: true, step: 200, value: 0.94166, text: '94.2%' },
  );
  assert.deepEqual(top1.points, [{ x: 100, y: 0.5 }, { x: 200, y: 0.94166 }]);
  assert.equal(fid.percent, false);
  assert.equal(fid.text, '45.31');
  assert.deepEqual(metricAxes([top1, fid]), { percent: true, value: true });
  assert.deepEqual(metricAxes([top1]), { percent: true, value: false });
  assert.deepEqual(metricSummaries(emptyRun()), []);
});

test('only fractions named like one are shown as percentages', () => {
  assert.equal(isPercentMetric('retrieval_top1', [0, 0.5, 1]), true);
  assert.equal(isPercentMetric('top5', [0.9]), true);
  assert.equal(isPercentMetric('oracle_accuracy', [0.75]), true);
  assert.equal(isPercentMetric('color_acc', [0.75]), true);
  // An accuracy logged in percent already, or any value outside [0, 1], is shown as logged.
  assert.equal(isPercentMetric('oracle_accuracy', [75]), false);
  assert.equal(isPercentMetric('retrieval_top1', [0.5, 1.2]), false);
  // Names that are not fractions stay plain even when the values are small.
  assert.equal(isPercentMetric('fid', [0.4]), false);
  assert.equal(isPercentMetric('laptop1', [0.4]), false);
  assert.equal(isPercentMetric('top1', []), false);
});

test('metric values read naturally', () => {
  assert.equal(formatMetric(0.94166, true), '94.2%');
  assert.equal(formatMetric(1, true), '100%');
  assert.equal(formatMetric(0, true), '0%');
  assert.equal(formatMetric(0.0004, true), '0.0%');
  assert.equal(formatMetric(45.312, false), '45.31');
  assert.equal(formatMetric(NaN, true), 'NaN');
});

test('the step extent spans losses and metrics, for lining up the x axes', () => {
  const run = applyEvents(emptyRun(), [step(1, { a: 1 }), step(300, { a: 1 }), metrics(100, { m: 1 }), metrics(400, { m: 1 })]);
  assert.deepEqual(stepExtent(run.series.values(), run.metrics.values()), { min: 1, max: 400 });
  assert.equal(stepExtent(emptyRun().series.values()), undefined);
});
