import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimateMinMax, emaSmooth, formatLoss } from '../../webview/dashboard/seriesMath';

test('EMA weight 0 leaves values unchanged', () => {
  assert.deepEqual(emaSmooth([1, 5, 2], 0), [1, 5, 2]);
});

test('EMA is debiased: the first value is kept, a constant stays constant', () => {
  const s = emaSmooth([4, 4, 4, 4], 0.9);
  for (const v of s) assert.ok(Math.abs(v - 4) < 1e-12);
  assert.ok(Math.abs(emaSmooth([3, 100], 0.6)[0] - 3) < 1e-12);
});

test('EMA matches the TensorBoard formula', () => {
  const w = 0.5;
  // last = 0.5*0 + 0.5*2 = 1, debias 0.5 -> 2; last = 0.5*1 + 0.5*4 = 2.5, debias 0.75 -> 3.333...
  const [a, b] = emaSmooth([2, 4], w);
  assert.equal(a, 2);
  assert.ok(Math.abs(b - 10 / 3) < 1e-12);
});

test('EMA passes non-finite values through without poisoning later ones', () => {
  const s = emaSmooth([1, NaN, 1], 0.8);
  assert.ok(Number.isNaN(s[1]));
  assert.ok(Math.abs(s[2] - 1) < 1e-12);
});

test('decimation keeps short series whole', () => {
  const pts = decimateMinMax([1, 2, 3], [3, 2, 1], 100);
  assert.deepEqual(pts, [{ x: 1, y: 3 }, { x: 2, y: 2 }, { x: 3, y: 1 }]);
});

test('decimation bounds the point count, keeps ends, spikes and x order', () => {
  const n = 10000;
  const xs = Array.from({ length: n }, (_, i) => i);
  const ys = xs.map((i) => Math.sin(i / 50));
  ys[4321] = 50; // a spike
  ys[7777] = -50;
  const pts = decimateMinMax(xs, ys, 400);
  assert.ok(pts.length <= 400, `got ${pts.length}`);
  assert.deepEqual(pts[0], { x: 0, y: ys[0] });
  assert.deepEqual(pts[pts.length - 1], { x: n - 1, y: ys[n - 1] });
  assert.ok(pts.some((p) => p.y === 50));
  assert.ok(pts.some((p) => p.y === -50));
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].x > pts[i - 1].x);
});

test('loss values print with four significant digits and no trailing zeros', () => {
  assert.equal(formatLoss(0.912345), '0.9123');
  assert.equal(formatLoss(1.5), '1.5');
  assert.equal(formatLoss(1200), '1200');
  assert.equal(formatLoss(0), '0');
  assert.equal(formatLoss(0.00001234), '1.23e-5');
  assert.equal(formatLoss(NaN), 'NaN');
});
