import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainerExit, TrainerProcess } from '../../extension/trainerProcess';
import { failureMessage, Training } from '../../extension/training';
import { parseDashboardMessage } from '../../protocol/webview';
import { gridSize, pixelScale } from '../../webview/dashboard/samples';

const training = () => new Training('/w/a.t2i.json', '/w/runs/a/20260101-000000', {} as TrainerProcess);
const exit = (over: Partial<TrainerExit> = {}): TrainerExit => ({ code: 0, signal: null, stderrTail: [], stopRequested: false, killed: false, ...over });

test('a training becomes running at its first event and tracks step and losses', () => {
  const t = training();
  assert.equal(t.activity, 'starting');
  assert.equal(t.runId, '20260101-000000');
  t.apply([{ type: 'step', t: 1, step: 3, losses: { d: 1 }, stepMs: 5 }]);
  assert.equal(t.activity, 'running');
  assert.equal(t.lastStep, 3);
  assert.deepEqual(t.losses, { d: 1 });
});

test('a clean exit is no failure', () => {
  const t = training();
  t.apply([{ type: 'done', t: 1, step: 3, reason: 'stopped' }]);
  assert.equal(failureMessage(t, exit()), undefined);
});

test('the failure message prefers the error event, then an error line of stderr', () => {
  const t = training();
  t.apply([{ type: 'error', t: 1, message: '/train/steps must be >= 1' }]);
  assert.equal(failureMessage(t, exit({ code: 1 })), '/train/steps must be >= 1');
  const stack = ['Error: out of memory', '    at f (cli.js:1:1)', '    at g (cli.js:2:2)'];
  assert.equal(failureMessage(training(), exit({ code: 1, stderrTail: stack })), 'Error: out of memory');
  assert.equal(failureMessage(training(), exit({ code: 1, stderrTail: ['a', 'b', 'c', 'd'] })), 'b c d');
  assert.equal(failureMessage(training(), exit({ code: null, signal: 'SIGSEGV' })), 'The trainer exited with SIGSEGV.');
});

test('a done(failed) with exit code 0 is still a failure; a kill says so', () => {
  const t = training();
  t.apply([{ type: 'done', t: 1, step: 3, reason: 'failed' }]);
  assert.match(failureMessage(t, exit()) ?? '', /exited with code 0/);
  const k = training();
  k.apply([{ type: 'step', t: 1, step: 7, losses: {}, stepMs: 1 }]);
  assert.equal(failureMessage(k, exit({ code: null, signal: 'SIGKILL', killed: true })), 'The trainer did not stop in time and was killed at step 7.');
});

test('webview messages are rebuilt, never passed through', () => {
  assert.deepEqual(parseDashboardMessage({ type: 'openConfig', path: '/etc/passwd' }), { type: 'openConfig' });
  assert.equal(parseDashboardMessage({ type: 'openFile', path: 'x' }), undefined);
  assert.equal(parseDashboardMessage({ type: 'constructor' }), undefined);
});

test('sample grids zoom by a whole factor that fits', () => {
  assert.equal(pixelScale(128, 600), 4);
  assert.equal(pixelScale(128, 100), 1);
  assert.equal(pixelScale(32, 10_000), 8);
  assert.equal(pixelScale(0, 100), 1);
});

test('grid size counts the gaps between and around cells', () => {
  const meta = { step: 0, rows: 1, cols: 8, cell: 32, captions: [], real: '' };
  assert.deepEqual(gridSize({ ...meta, gap: 2 }), { width: 274, height: 36, gap: 2 });
  assert.deepEqual(gridSize(meta), { width: 256, height: 32, gap: 0 });
});

test('the status bar shows totals and generator losses first', () => {
  const t = training();
  t.apply([{ type: 'step', t: 1, step: 1, losses: { d_real: 1, d_fake: 2, d_total: 3, g_adv: 4, d_mismatch: 5 }, stepMs: 1 }]);
  assert.deepEqual(t.headlineLosses(3).map(([k]) => k), ['d_total', 'g_adv', 'd_real']);
  assert.deepEqual(training().headlineLosses(), []);
});
