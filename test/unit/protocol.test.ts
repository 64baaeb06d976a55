import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEventLine, type RunEvent } from '../../protocol/events';
import { parseDashboardMessage } from '../../protocol/webview';

const events: RunEvent[] = [
  {
    type: 'run_started', t: 1, version: 1, runId: 'r', method: 'baseline', configPath: '/a.t2i.json',
    backend: { name: 'wasm', threads: 2, attempts: [{ name: 'tensorflow', ok: false, reason: 'not installed' }] },
    pid: 7, startStep: 0, totalSteps: 10, imageSize: 32, lossNames: ['d', 'g'],
  },
  { type: 'step', t: 2, step: 1, losses: { d: 1.5, g: -0.25 }, stepMs: 12.5 },
  { type: 'sample', t: 3, step: 1, path: 'samples/step-000001.png', meta: 'samples/step-000001.json' },
  { type: 'checkpoint', t: 4, step: 1, path: 'checkpoints/step-000001.safetensors' },
  { type: 'log', t: 5, level: 'warn', message: 'hello' },
  { type: 'error', t: 6, message: 'boom', where: '/train/steps' },
  { type: 'done', t: 7, step: 1, reason: 'stopped' },
];

test('every event type survives a JSON line round trip', () => {
  for (const e of events) assert.deepEqual(parseEventLine(JSON.stringify(e)), e);
});

test('blank, torn, non-object and unknown lines are rejected', () => {
  assert.equal(parseEventLine(''), undefined);
  assert.equal(parseEventLine('{"type":"step","t":1,"st'), undefined);
  assert.equal(parseEventLine('42'), undefined);
  assert.equal(parseEventLine('{"type":"nope","t":1}'), undefined);
  assert.equal(parseEventLine('{"type":"step"}'), undefined, 'missing time');
});

test('dashboard messages are validated', () => {
  assert.deepEqual(parseDashboardMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseDashboardMessage({ type: 'stop', extra: 1 }), { type: 'stop' });
  assert.equal(parseDashboardMessage({ type: 'rm -rf' }), undefined);
  assert.equal(parseDashboardMessage(null), undefined);
  assert.equal(parseDashboardMessage('ready'), undefined);
  assert.equal(parseDashboardMessage({ type: 'openFile', path: 5 }), undefined);
});
