import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RunTailer } from '../../extension/runTailer';
import type { RunEvent } from '../../protocol/events';

const line = (e: object) => JSON.stringify(e) + '\n';
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('delivers existing history at once, then follows appends, across a folder that appears later', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-tail-'));
  const runDir = path.join(root, 'run');
  const got: RunEvent[][] = [];
  const tailer = new RunTailer(runDir, (ev) => got.push(ev), { pollMs: 50 }).start();
  try {
    assert.equal(got.length, 0);
    fs.mkdirSync(runDir);
    const file = path.join(runDir, 'events.jsonl');
    fs.writeFileSync(file, line({ type: 'step', t: 1, step: 1, losses: { a: 1 }, stepMs: 1 }));
    await until(() => got.flat().length === 1);
    // A torn line waits for its newline.
    fs.appendFileSync(file, '{"type":"step","t":2,"step":2,');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(got.flat().length, 1);
    fs.appendFileSync(file, '"losses":{"a":2},"stepMs":1}\n');
    await until(() => got.flat().length === 2);
    assert.deepEqual(got.flat().map((e) => e.type === 'step' && e.step), [1, 2]);
  } finally {
    tailer.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('stopAtDone stops following after the done event', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-tail-'));
  fs.writeFileSync(path.join(root, 'events.jsonl'), line({ type: 'done', t: 1, step: 3, reason: 'completed' }));
  let batches = 0;
  const tailer = new RunTailer(root, () => batches++, { pollMs: 20, stopAtDone: true }).start();
  assert.equal(batches, 1);
  assert.equal(tailer.done, true);
  fs.appendFileSync(path.join(root, 'events.jsonl'), line({ type: 'log', t: 2, level: 'info', message: 'late' }));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(batches, 1);
  fs.rmSync(root, { recursive: true, force: true });
});
