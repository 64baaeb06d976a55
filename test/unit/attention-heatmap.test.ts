import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heatColor, heatmapRgba, legendGradient, normalizeMap, peakWord } from '../../webview/attention/heatmap';

test('heatColor runs from near-black to pale yellow, clamped, monotone in brightness', () => {
  assert.deepEqual(heatColor(0), [0, 0, 4]);
  assert.deepEqual(heatColor(1), [252, 255, 164]);
  assert.deepEqual(heatColor(-3), heatColor(0));
  assert.deepEqual(heatColor(7), heatColor(1));
  assert.deepEqual(heatColor(Number.NaN), heatColor(0));
  const lum = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  for (let i = 1; i <= 20; i++) assert.ok(lum(heatColor(i / 20)) >= lum(heatColor((i - 1) / 20)), `brighter at ${i / 20}`);
  // midway between two stops is their mean
  assert.deepEqual(heatColor(0.125), [44, 8, 57]);
});

test('normalizeMap scales by min and max; flat maps and NaN become zero', () => {
  assert.deepEqual(normalizeMap([2, 4, 6]), [0, 0.5, 1]);
  assert.deepEqual(normalizeMap([0.3, 0.3]), [0, 0]);
  assert.deepEqual(normalizeMap([1, Number.NaN, 3]), [0, 0, 1]);
});

test('heatmapRgba gives size² RGBA pixels whose alpha follows weight and opacity', () => {
  const px = heatmapRgba([0, 1, 0.5, 0], 2, 1);
  assert.equal(px.length, 16);
  assert.deepEqual(Array.from(px.subarray(4, 8)), [252, 255, 164, 255]);
  assert.equal(px[3], Math.round(255 * 0.35));
  const half = heatmapRgba([0, 1, 0.5, 0], 2, 0.5);
  assert.equal(half[7], 128);
  assert.equal(heatmapRgba([0, 1, 0.5, 0], 2, 0)[7], 0);
  assert.throws(() => heatmapRgba([0, 1, 2], 2, 1), /expected 2×2/);
});

test('peakWord and legendGradient', () => {
  assert.equal(peakWord([[0.1, 0.2], [0.05, 0.9], [0.3, 0.3]]), 1);
  assert.equal(peakWord([]), -1);
  assert.match(legendGradient(2), /^linear-gradient\(to right, rgb\(0, 0, 4\) 0%, .* 100%\)$/);
});
