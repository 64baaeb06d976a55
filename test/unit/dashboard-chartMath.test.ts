import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDiff, flattenConfig, formatConfigValue } from '../../webview/dashboard/configDiff';
import type { Series } from '../../webview/dashboard/runModel';
import { redescriptionRows } from '../../webview/dashboard/samples';
import { emaSmooth, emaSmoothWeighted, envelope, visibleRange } from '../../webview/dashboard/seriesMath';
import { formatElapsed, stepOfX, timeOrigin, xOfStep } from '../../webview/dashboard/xAxis';
import { dragRange, zoomAround } from '../../webview/dashboard/zoom';
import { parseDashboardMessage } from '../../protocol/webview';

test('weighted EMA over buckets of constant values equals the EMA over the raw steps', () => {
  const raw = [...Array(8).fill(1), ...Array(8).fill(3), ...Array(8).fill(2)];
  const exact = emaSmooth(raw, 0.9);
  const buckets = emaSmoothWeighted([1, 3, 2], [8, 8, 8], 0.9);
  for (const [i, end] of [7, 15, 23].entries()) assert.ok(Math.abs(buckets[i] - exact[end]) < 1e-12, `${buckets[i]} vs ${exact[end]}`);
  assert.deepEqual(emaSmoothWeighted([1, 2], undefined, 0.5), emaSmooth([1, 2], 0.5));
  assert.deepEqual(emaSmoothWeighted([1, 5], [3, 3], 0), [1, 5]);
});

test('envelope keeps each bucket’s lowest and highest value', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i);
  const ys = xs.map((x) => (x % 10 === 3 ? 50 : x % 10 === 7 ? -50 : 0));
  const { lower, upper } = envelope(xs, ys, 10);
  assert.equal(lower.length, 10);
  assert.ok(upper.every((p) => p.y === 50) && lower.every((p) => p.y === -50));
  assert.deepEqual(upper[0], { x: 4.5, y: 50 });
});

test('visible range covers the zoomed x range plus one point each side', () => {
  const xs = [0, 10, 20, 30, 40, 50];
  assert.deepEqual(visibleRange(xs, 15, 35), [1, 5]);
  assert.deepEqual(visibleRange(xs, -5, 100), [0, 6]);
  assert.deepEqual(visibleRange(xs, 20, 20), [1, 4]);
});

test('zoom: the wheel zooms around the pointer and stays inside the data; a drag orders and clips', () => {
  const full = { min: 0, max: 100 };
  const z = zoomAround(full, full, 50, 0.5)!;
  assert.deepEqual(z, { min: 25, max: 75 });
  const left = zoomAround(full, full, 0, 0.5)!;
  assert.deepEqual(left, { min: 0, max: 50 });
  assert.equal(zoomAround(z, full, 50, 4), undefined, 'zooming out past everything resets');
  const edge = zoomAround({ min: 80, max: 100 }, full, 99, 1.25)!;
  assert.ok(edge.max === 100 && Math.abs(edge.min - 75) < 1e-9, JSON.stringify(edge));
  assert.deepEqual(dragRange(70, 20, full), { min: 20, max: 70 });
  assert.deepEqual(dragRange(-10, 20, full), { min: 0, max: 20 });
  assert.equal(dragRange(5, 5, full), undefined);
});

test('time axis: steps and wall time map both ways through the run’s (step, t) pairs', () => {
  const s: Series = { steps: [1, 2, 3, 10], values: [0, 0, 0, 0], t: [1000, 2000, 3000, 3_603_000] };
  const t0 = timeOrigin([s]);
  assert.equal(t0, 1000);
  assert.equal(xOfStep(3, 'time', s, t0), 2);
  assert.equal(xOfStep(5, 'time', s, t0), 2, 'a step between points takes the one before');
  assert.equal(xOfStep(10, 'time', s, t0), 3602);
  assert.equal(stepOfX(2.5, 'time', s, t0), 3);
  assert.equal(stepOfX(3602, 'time', s, t0), 10);
  assert.equal(xOfStep(7, 'step', undefined, undefined), 7);
  assert.equal(formatElapsed(42), '42 s');
  assert.equal(formatElapsed(150), '2 min 30 s');
  assert.equal(formatElapsed(3 * 3600 + 5 * 60), '3 h 05');
});

test('config diff lists only the fields that differ, by JSON pointer', () => {
  const a = { method: 'xmc-gan', train: { lr: 0.0002, batchSize: 16, captions: ['a', 'b'] }, data: { 'a/b': 1 }, extra: { k: [{ x: 1 }] } };
  const b = { method: 'xmc-gan', train: { lr: 0.0001, batchSize: 16, captions: ['a', 'c'] }, data: { 'a/b': 1 }, extra: { k: [{ x: 2 }] }, seed: 3 };
  assert.deepEqual(configDiff([a, b]), [
    { pointer: '/train/lr', values: [0.0002, 0.0001] },
    { pointer: '/train/captions', values: [['a', 'b'], ['a', 'c']] },
    { pointer: '/extra/k/0/x', values: [1, 2] },
    { pointer: '/seed', values: [undefined, 3] },
  ]);
  assert.deepEqual(configDiff([a, structuredClone(a)]), []);
  assert.ok(flattenConfig({ 'a/b': { '~': 1 } }).has('/a~1b/~0'));
  assert.equal(formatConfigValue(undefined), '—');
  assert.equal(formatConfigValue('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('redescriptions are grouped by grid row', () => {
  const meta = { step: 1, rows: 2, cols: 2, cell: 8, captions: ['a', 'b', 'c', 'd'], real: 'r.png', redescriptions: ['A', 'B', 'C', 'D'] };
  assert.deepEqual(redescriptionRows(meta), [['A', 'B'], ['C', 'D']]);
  assert.equal(redescriptionRows({ ...meta, redescriptions: undefined }), undefined);
});

test('webview messages for export, resume and overlays are validated', () => {
  assert.deepEqual(parseDashboardMessage({ type: 'exportPng', step: 100, path: '/etc/passwd' }), { type: 'exportPng', step: 100 });
  assert.equal(parseDashboardMessage({ type: 'exportPng', step: -1 }), undefined);
  assert.equal(parseDashboardMessage({ type: 'exportPng', step: 1.5 }), undefined);
  assert.equal(parseDashboardMessage({ type: 'exportPng', step: '100' }), undefined);
  assert.deepEqual(parseDashboardMessage({ type: 'resume', runDir: '/tmp' }), { type: 'resume' });
  assert.deepEqual(parseDashboardMessage({ type: 'overlay', runIds: ['20261122-061500', '20261122-061500-2', '20261122-061500'] }), { type: 'overlay', runIds: ['20261122-061500', '20261122-061500-2'] });
  assert.equal(parseDashboardMessage({ type: 'overlay', runIds: ['../other-config/x'] }), undefined);
  assert.equal(parseDashboardMessage({ type: 'overlay', runIds: ['..'] }), undefined);
  assert.equal(parseDashboardMessage({ type: 'overlay', runIds: 'x' }), undefined);
  assert.equal(parseDashboardMessage({ type: 'overlay', runIds: Array(7).fill('a') }), undefined);
  assert.deepEqual(parseDashboardMessage({ type: 'inspectCaption', caption: 'a red circle', configPath: '/etc' }), { type: 'inspectCaption', caption: 'a red circle' });
  assert.equal(parseDashboardMessage({ type: 'inspectCaption', caption: '  ' }), undefined);
  assert.equal(parseDashboardMessage({ type: 'inspectCaption', caption: 'x'.repeat(501) }), undefined);
  assert.equal(parseDashboardMessage({ type: 'inspectCaption', caption: 7 }), undefined);
});
