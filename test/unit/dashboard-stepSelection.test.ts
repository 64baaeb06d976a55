import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FOLLOW_LATEST, indexAtOrBefore, parseSelection, resolveIndex, selectIndex } from '../../webview/dashboard/stepSelection';

const steps = [0, 10, 20, 30];

test('indexAtOrBefore finds the snapshot at or before a step', () => {
  assert.equal(indexAtOrBefore(steps, 20), 2);
  assert.equal(indexAtOrBefore(steps, 25), 2);
  assert.equal(indexAtOrBefore(steps, 99), 3);
  assert.equal(indexAtOrBefore(steps, -5), 0);
  assert.equal(indexAtOrBefore([], 5), -1);
});

test('following selects the newest snapshot as snapshots arrive', () => {
  assert.equal(resolveIndex(steps, FOLLOW_LATEST), 3);
  assert.equal(resolveIndex([...steps, 40], FOLLOW_LATEST), 4);
  assert.equal(resolveIndex([], FOLLOW_LATEST), -1);
});

test('a pinned selection stays on its step when snapshots arrive', () => {
  const sel = selectIndex(steps, 1);
  assert.deepEqual(sel, { step: 10, follow: false });
  assert.equal(resolveIndex([...steps, 40, 50], sel), 1);
  assert.equal(resolveIndex([5, ...steps], sel), 2);
});

test('moving the slider to the end follows again; out-of-range indices clamp', () => {
  assert.deepEqual(selectIndex(steps, 3), { step: 30, follow: true });
  assert.deepEqual(selectIndex(steps, 99), { step: 30, follow: true });
  assert.deepEqual(selectIndex(steps, -4), { step: 0, follow: false });
});

test('persisted selections are read defensively', () => {
  assert.deepEqual(parseSelection(undefined), FOLLOW_LATEST);
  assert.deepEqual(parseSelection({ step: 'x', follow: false }), { step: undefined, follow: true });
  assert.deepEqual(parseSelection({ step: 20, follow: false }), { step: 20, follow: false });
});
