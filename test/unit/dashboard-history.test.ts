import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadRunHistory, RunHistory, samplesOnDisk, SeriesBuckets, SnapshotMaker } from '../../extension/runHistory';
import type { RunEvent } from '../../protocol/events';
import type { HostToDashboard } from '../../protocol/webview';
import { readEventsTail } from '../../models/run/runReader';

const started = (startStep: number, resumedFrom?: number): RunEvent => ({
  type: 'run_started', t: 0, version: 1, runId: 'r', method: 'mirrorgan', configPath: '/c.t2i.json',
  backend: { name: 'wasm', threads: 2, attempts: [] }, pid: 1, startStep, totalSteps: 1_000_000, imageSize: 32,
  lossNames: ['d_loss', 'g_loss', 'stream_loss'],
  ...(resumedFrom !== undefined ? { resumedFrom: { step: resumedFrom, checkpoint: `checkpoints/step-${resumedFrom}.safetensors`, reason: 'resume' as const } } : {}),
});

test('buckets stay bounded and keep count, mean, lowest and highest', () => {
  const b = new SeriesBuckets(8);
  for (let s = 1; s <= 1000; s++) b.add(s, s * 10, s % 10 === 0 ? 100 : 1);
  const d = b.digest('x', 'loss');
  assert.ok(d.steps.length <= 16 && d.steps.length >= 8, `buckets: ${d.steps.length}`);
  assert.equal(d.count!.reduce((a, c) => a + c, 0), 1000, 'every step counted once');
  assert.equal(d.steps[d.steps.length - 1], 1000);
  assert.deepEqual(new Set(d.max), new Set([100]), 'a spike survives in every bucket that had one');
  assert.deepEqual(new Set(d.min), new Set([1]));
  // Mean of a bucket of 64 steps with 6 or 7 spikes of 100 among ones.
  assert.ok(d.values.every((v) => v > 1 && v < 20), d.values.join(','));
});

test('a NaN loss is counted but neither averaged nor taken as min or max', () => {
  const b = new SeriesBuckets(1);
  b.add(1, 0, 2);
  b.add(2, 0, NaN);
  b.add(3, 0, 4);
  b.add(4, 0, 6);
  const d = b.digest('x', 'loss');
  assert.deepEqual(d.count, [2, 2]);
  assert.deepEqual(d.values, [2, 5]);
  assert.deepEqual(d.min, [2, 4]);
});

test('a resume drops what the interrupted segment logged after its checkpoint', () => {
  const h = new RunHistory(4);
  const steps = (from: number, to: number, v: number): RunEvent[] =>
    Array.from({ length: to - from + 1 }, (_, i) => ({ type: 'step', t: from + i, step: from + i, losses: { d_loss: v }, stepMs: 1 }) as RunEvent);
  h.apply([started(0), ...steps(1, 50, 1), { type: 'checkpoint', t: 40, step: 40, path: 'checkpoints/step-000040.safetensors' }]);
  h.apply([{ type: 'sample', t: 45, step: 45, path: 'samples/step-000045.png', meta: 'samples/step-000045.json' }]);
  h.apply([started(40, 40), ...steps(41, 60, 2)]);
  const d = h.series()[0];
  assert.equal(d.count!.reduce((a, c) => a + c, 0), 60, 'steps 41..50 of the first segment are gone');
  const byStep = d.steps.map((s, i) => [s, d.values[i]]);
  assert.ok(byStep.every(([s, v]) => (s <= 40 ? v === 1 : v === 2)), JSON.stringify(byStep));
  assert.equal(h.samples.has(45), false, 'a stale sample goes too');
  assert.equal(h.lastStep, 60);
});

test('snapshots: sidecars repeated but for the step are sent once; grids on disk with no event are reachable', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-snap-'));
  try {
    fs.mkdirSync(path.join(dir, 'samples'));
    const meta = (step: number) => ({ step, rows: 1, cols: 2, cell: 32, gap: 2, captions: ['a', 'b'], real: 'samples/real.png' });
    for (const step of [10, 20, 30]) {
      fs.writeFileSync(path.join(dir, 'samples', `step-0000${step}.png`), 'png');
      fs.writeFileSync(path.join(dir, 'samples', `step-0000${step}.json`), JSON.stringify(meta(step)));
    }
    const logged = new Map([[10, { type: 'sample', t: 1, step: 10, path: 'samples/step-000010.png', meta: 'samples/step-000010.json' } as const]]);
    const all = samplesOnDisk(dir, logged);
    assert.deepEqual(all.map((e) => e.step), [10, 20, 30]);
    assert.deepEqual(samplesOnDisk(dir, logged, 20).map((e) => e.step), [10, 20], 'grids past the run’s last step are a replaced segment’s');
    const maker = new SnapshotMaker(dir, (abs) => `uri:${path.relative(dir, abs)}`);
    const snaps = all.map((e) => maker.make(e));
    assert.equal(snaps[0].meta?.step, 10);
    assert.equal(snaps[1].meta, undefined);
    assert.equal(snaps[1].metaAsBefore, true);
    assert.equal(snaps[2].uri, 'uri:samples/step-000030.png');
    assert.equal(snaps[0].realUri, 'uri:samples/real.png');
    // A sidecar pointing outside the run folder gets no URI.
    fs.writeFileSync(path.join(dir, 'samples', 'step-000030.json'), JSON.stringify({ ...meta(30), real: '../../etc/passwd' }));
    assert.equal(new SnapshotMaker(dir, (abs) => abs).make(all[2]).realUri, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a 1,000,000-line events.jsonl: a quick first view, then a bounded digest', { timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-1m-'));
  try {
    const file = path.join(dir, 'events.jsonl');
    const fd = fs.openSync(file, 'w');
    const T0 = 1_763_791_200_000;
    const lines: string[] = [];
    const flush = () => {
      fs.writeSync(fd, lines.join(''));
      lines.length = 0;
    };
    let n = 0;
    const push = (e: object) => {
      lines.push(`${JSON.stringify(e)}\n`);
      n++;
      if (lines.length >= 20_000) flush();
    };
    const stepLine = (s: number) => push({ type: 'step', t: T0 + s * 50, step: s, losses: { d_loss: 1 + Math.sin(s / 997) * 0.5, g_loss: 2 + Math.cos(s / 1999), stream_loss: 3 + (s % 7) / 10 }, stepMs: 50 });
    push(started(0));
    // First segment to 600,000, interrupted; resumed from the checkpoint at 590,000.
    for (let s = 1; s <= 600_000; s++) {
      stepLine(s);
      if (s % 10_000 === 0) {
        push({ type: 'checkpoint', t: T0 + s * 50, step: s, path: `checkpoints/step-${String(s).padStart(6, '0')}.safetensors` });
        push({ type: 'sample', t: T0 + s * 50, step: s, path: `samples/step-${String(s).padStart(6, '0')}.png`, meta: `samples/step-${String(s).padStart(6, '0')}.json` });
      }
    }
    push(started(590_000, 590_000));
    for (let s = 590_001; n < 1_000_000; s++) stepLine(s);
    flush();
    fs.closeSync(fd);
    const size = fs.statSync(file).size;
    assert.equal(fs.readFileSync(file).subarray(size - 1)[0], 0x0a);

    const posts: { at: number; msg: HostToDashboard; bytes: number }[] = [];
    const t0 = performance.now();
    const tail = await loadRunHistory(dir, {
      post: (msg) => posts.push({ at: performance.now() - t0, msg, bytes: JSON.stringify(msg).length }),
      uriOf: (abs) => `vscode-resource:${abs}`,
      cancelled: () => false,
    });
    const total = performance.now() - t0;
    assert.ok(tail, 'the tail to follow the file from');
    assert.equal(posts.length, 2, 'a quick partial view, then the full digest');
    const [quick, full] = posts;
    assert.equal(quick.msg.type === 'history' && quick.msg.partial, true);
    assert.equal(full.msg.type === 'history' && !full.msg.partial, true);
    console.log(
      `events.jsonl: ${n.toLocaleString('en-US')} lines, ${(size / 1e6).toFixed(0)} MB; ` +
        `first message after ${quick.at.toFixed(0)} ms (${(quick.bytes / 1024).toFixed(0)} KiB), ` +
        `full digest after ${full.at.toFixed(0)} ms (${(full.bytes / 1024).toFixed(0)} KiB); total ${total.toFixed(0)} ms`,
    );
    // What reaches the webview is bounded, whatever the log's length (the log is ~120 MB).
    assert.ok(quick.bytes < 1_000_000, `partial message ${quick.bytes} bytes`);
    assert.ok(full.bytes < 1_500_000, `full message ${full.bytes} bytes`);
    if (full.msg.type !== 'history') throw new Error('unreachable');
    assert.equal(full.msg.lines, 1_000_000);
    const d = full.msg.series.find((s) => s.name === 'd_loss')!;
    assert.ok(d.steps.length <= 2048, `${d.steps.length} buckets`);
    const lastStep = 590_000 + (1_000_000 - (1 + 600_000 + 120 + 1));
    assert.equal(d.steps[d.steps.length - 1], lastStep);
    // Each step at most once: the stale 590,001..600,000 were dropped, and with them at most the
    // one bucket that straddled the resume point (its stale part cannot be taken out of a mean).
    const counted = d.count!.reduce((a, c) => a + c, 0);
    assert.ok(counted <= lastStep && lastStep - counted < Math.max(...d.count!), `${counted} of ${lastStep} steps`);
    assert.ok(d.steps.every((s, i) => i === 0 || s > d.steps[i - 1]));
    // Sample events of steps after the resume point (600,000) are gone; the rest are all there.
    assert.deepEqual(full.msg.samples.map((s) => s.step), Array.from({ length: 59 }, (_, i) => (i + 1) * 10_000));
    // The tail continues where the scan ended.
    fs.appendFileSync(file, `${JSON.stringify({ type: 'step', t: T0, step: lastStep + 1, losses: { d_loss: 1 }, stepMs: 1 })}\n`);
    assert.deepEqual(tail.read().map((e) => e.type === 'step' && e.step), [lastStep + 1]);
    // The quick view reads only the end of the file: its first line and last lines.
    const q = readEventsTail(file, 64 * 1024);
    assert.equal(q.first?.type, 'run_started');
    assert.ok(q.events.length > 100 && q.events.length < 1000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt line is skipped and counted; a torn last line is ignored and reported', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-torn-'));
  try {
    const lines = [
      JSON.stringify(started(0)),
      JSON.stringify({ type: 'step', t: 1, step: 1, losses: { d_loss: 1 }, stepMs: 1 }),
      '{"type":"step","t":2,"st\u0000garbage',
      JSON.stringify({ type: 'step', t: 3, step: 2, losses: { d_loss: 2 }, stepMs: 1 }),
    ];
    fs.writeFileSync(path.join(dir, 'events.jsonl'), `${lines.join('\n')}\n{"type":"step","t":4,"step":3,"loss`);
    const posts: HostToDashboard[] = [];
    await loadRunHistory(dir, { post: (m) => posts.push(m), uriOf: (a) => a, cancelled: () => false });
    const msg = posts[posts.length - 1];
    assert.equal(msg.type, 'history');
    if (msg.type !== 'history') return;
    assert.equal(msg.skipped, 1);
    assert.equal(msg.tornLastLine, true);
    assert.deepEqual(msg.series[0].steps, [1, 2], 'the complete steps around the bad line are all there');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a cancelled read posts nothing more', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cancel-'));
  try {
    const step = (s: number) => JSON.stringify({ type: 'step', t: s, step: s, losses: { d_loss: 1 }, stepMs: 1 });
    fs.writeFileSync(path.join(dir, 'events.jsonl'), `${Array.from({ length: 20_000 }, (_, i) => step(i + 1)).join('\n')}\n`);
    const posts: HostToDashboard[] = [];
    let cancelled = false;
    const tail = await loadRunHistory(dir, {
      post: (m) => {
        posts.push(m);
        cancelled = true; // the dashboard moved on after the quick view
      },
      uriOf: (a) => a,
      cancelled: () => cancelled,
      quickBytes: 64 * 1024,
      sliceBytes: 64 * 1024,
    });
    assert.equal(tail, undefined);
    assert.equal(posts.length, 1);
    assert.equal(posts[0].type === 'history' && posts[0].partial, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
