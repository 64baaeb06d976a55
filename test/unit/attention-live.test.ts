// Attention live mode reads a run's events.jsonl incrementally: on a run
// folder whose log has 200,000 step lines, the first poll reads back from the
// end only as far as the newest sample event, and later polls read exactly the
// bytes the trainer appended (counted at fs.readSync, not self-reported), so
// the cost of a poll does not grow with the log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { LiveSamples, liveKey } from '../../extension/attentionLive';
import { parseEventLine } from '../../protocol/events';
import { attentionPath, sampleMetaPath, samplePath } from '../../models/run/layout';

const LINES = 200_000;
const stepLine = (step: number) => JSON.stringify({ type: 'step', t: 1_700_000_000_000 + step, step, losses: { d_real: 0.7, d_fake: 0.69, g_adv: 1.1 }, stepMs: 12 }) + '\n';
const sampleLine = (step: number) => JSON.stringify({ type: 'sample', t: 1_700_000_000_000 + step, step, path: samplePath(step), meta: sampleMetaPath(step), attention: attentionPath(step) }) + '\n';

/** A run folder with a long log: run_started, then steps with a sample every 1,000 steps. */
function bigRun(): { runDir: string; file: string } {
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 't2i-live-')), 'runs', 'shapes', '20261122-010203');
  fs.mkdirSync(runDir, { recursive: true });
  const parts = [JSON.stringify({ type: 'run_started', t: 1_700_000_000_000, version: 1, runId: '20261122-010203', method: 'xmcgan', configPath: 'c', backend: { name: 'cpu', threads: 1, attempts: [] }, pid: 1, startStep: 0, totalSteps: LINES, imageSize: 32, lossNames: ['d_real', 'd_fake', 'g_adv'] }) + '\n'];
  for (let step = 1; step < LINES; step++) parts.push(step % 1000 === 0 ? sampleLine(step) : stepLine(step));
  const file = path.join(runDir, 'events.jsonl');
  fs.writeFileSync(file, parts.join(''));
  return { runDir, file };
}

/** Counts the bytes fs.readSync returns for `file` (the only way LiveSamples reads it). */
function countReads(t: TestContext, file: string): { bytes: number } {
  const counter = { bytes: 0 };
  const fds = new Set<number>();
  const open = fs.openSync;
  const read = fs.readSync as (...a: unknown[]) => number;
  t.mock.method(fs, 'openSync', (...a: Parameters<typeof fs.openSync>) => {
    const fd = open(...a);
    if (path.resolve(String(a[0])) === file) fds.add(fd);
    return fd;
  });
  t.mock.method(fs, 'readSync', (...a: unknown[]) => {
    const n = read.apply(fs, a);
    if (fds.has(a[0] as number)) counter.bytes += n;
    return n;
  });
  // Whole-file reads would bypass readSync: make them fail the test.
  const readFile = fs.readFileSync as (...a: unknown[]) => unknown;
  t.mock.method(fs, 'readFileSync', (...a: unknown[]) => {
    assert.notEqual(path.resolve(String(a[0])), file, 'events.jsonl must not be read whole');
    return readFile.apply(fs, a);
  });
  return counter;
}

test('LiveSamples on a 200,000-line events.jsonl: first poll reads only a tail window, later polls only the appended bytes', (t) => {
  const { runDir, file } = bigRun();
  const size = fs.statSync(file).size;
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').length - 1, LINES);
  assert.ok(size > 15_000_000, `a big log (${size} bytes)`);
  const reads = countReads(t, file);

  const live = new LiveSamples(runDir);
  const first = live.poll();
  assert.equal(first?.step, 199_000, 'the newest sample in the log');
  assert.equal(first?.attention, attentionPath(199_000));
  // The newest sample is ~1,000 lines (~100 KB) from the end: a couple of windows, not the file.
  assert.ok(reads.bytes > 0 && reads.bytes <= 256 * 1024, `first poll read ${reads.bytes} of ${size} bytes`);
  assert.equal(live.bytesRead, reads.bytes);

  // Nothing appended: nothing read.
  let before = reads.bytes;
  assert.equal(live.poll()?.step, 199_000);
  assert.equal(reads.bytes - before, 0);

  // The trainer appends steps and a new sample: exactly those bytes are read.
  const appended = stepLine(200_000) + stepLine(200_001) + sampleLine(200_002) + stepLine(200_003);
  fs.appendFileSync(file, appended);
  before = reads.bytes;
  const next = live.poll();
  assert.equal(next?.step, 200_002);
  assert.equal(reads.bytes - before, Buffer.byteLength(appended));
  assert.notEqual(liveKey(runDir, next!), liveKey(runDir, first!), 'a new grid to send');

  // A line being written is not parsed half; it is read when complete.
  const late = sampleLine(200_010);
  fs.appendFileSync(file, late.slice(0, 40));
  assert.equal(live.poll()?.step, 200_002);
  fs.appendFileSync(file, late.slice(40));
  before = reads.bytes;
  assert.equal(live.poll()?.step, 200_010);
  assert.equal(reads.bytes - before, Buffer.byteLength(late) - 40);
});

test('LiveSamples: the first poll starts at the end of the last complete line, finds samples far back, and waits for a missing log', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-live-'));
  const live = new LiveSamples(dir);
  assert.equal(live.poll(), undefined, 'no events.jsonl yet');

  // One sample at the very start, then 3,000 steps (~300 KB), then a partial line.
  const file = path.join(dir, 'events.jsonl');
  const partial = sampleLine(9_999).slice(0, 30);
  fs.writeFileSync(file, sampleLine(5) + Array.from({ length: 3000 }, (_, i) => stepLine(6 + i)).join('') + partial);
  countReads(t, file);
  assert.equal(live.poll()?.step, 5, 'found by widening the window back to the file start');
  fs.appendFileSync(file, sampleLine(9_999).slice(30));
  assert.equal(live.poll()?.step, 9_999, 'the partial line was left for the tail and parsed whole');
  assert.ok(parseEventLine(sampleLine(9_999).trim()), 'the fixture lines are valid events');
});
