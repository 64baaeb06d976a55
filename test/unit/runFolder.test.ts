import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkpointPath, configStem, RUN_FILES, runsRootFor, samplePath } from '../../models/run/layout';
import { EventTail, latestRun, listRuns, readAllEvents, readRunStarted, readStatus } from '../../models/run/runReader';
import { RunWriter } from '../../models/run/runWriter';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 't2i-run-'));

test('layout names', () => {
  assert.equal(configStem('/x/shapes-baseline.t2i.json'), 'shapes-baseline');
  assert.equal(runsRootFor('/x/a.t2i.json'), path.join('/x', 'runs', 'a'));
  assert.equal(samplePath(42), 'samples/step-000042.png');
  assert.equal(checkpointPath(1234567), 'checkpoints/step-1234567.safetensors');
});

test('writer appends events that the reader tails incrementally', () => {
  const dir = tmp();
  const w = new RunWriter(dir);
  w.event({ type: 'log', level: 'info', message: 'one' });
  const tail = new EventTail(path.join(dir, RUN_FILES.events));
  assert.deepEqual(tail.read().map((e) => e.type), ['log']);
  assert.deepEqual(tail.read(), [], 'nothing new');
  w.event({ type: 'step', step: 1, losses: { g: 1 }, stepMs: 3 });
  w.event({ type: 'done', step: 1, reason: 'completed' });
  const next = tail.read();
  assert.deepEqual(next.map((e) => e.type), ['step', 'done']);
  assert.ok(next.every((e) => typeof e.t === 'number'));
  w.close();
  assert.equal(readAllEvents(dir).length, 3);
});

test('a partial last line waits for its newline; a corrupt line is skipped and counted', () => {
  const dir = tmp();
  const file = path.join(dir, RUN_FILES.events);
  fs.writeFileSync(file, '{"type":"log","t":1,"level":"info","message":"a"}\n{"type":"step","t":2,');
  const tail = new EventTail(file);
  assert.equal(tail.read().length, 1);
  assert.ok(tail.hasPartialLine);
  fs.appendFileSync(file, '"step":1,"losses":{},"stepMs":1}\ngarbage\n');
  const rest = tail.read();
  assert.deepEqual(rest.map((e) => e.type), ['step']);
  assert.equal(tail.skipped, 1);
  assert.equal(tail.hasPartialLine, false);
});

test('status and files are written atomically; writes outside the run folder are refused', () => {
  const dir = tmp();
  const w = new RunWriter(dir);
  w.status({ state: 'running', runId: 'r', pid: 1, step: 3, totalSteps: 9, updated: 1 });
  assert.equal(readStatus(dir)?.step, 3);
  w.file('samples/x.json', '{}');
  assert.equal(fs.readFileSync(path.join(dir, 'samples/x.json'), 'utf8'), '{}');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'samples')), ['x.json'], 'no temp files left');
  assert.throws(() => w.file('../escape.txt', 'x'), /outside the run folder/);
  assert.equal(fs.existsSync(path.join(dir, '..', 'escape.txt')), false);
  w.close();
});

test('runs of a config are listed oldest first', () => {
  const root = tmp();
  const config = path.join(root, 'm.t2i.json');
  assert.equal(latestRun(config), undefined);
  for (const id of ['20260101-000002', '20260101-000001']) {
    const w = new RunWriter(path.join(runsRootFor(config), id));
    w.event({ type: 'log', level: 'info', message: id });
    w.close();
  }
  fs.mkdirSync(path.join(runsRootFor(config), 'not-a-run'));
  assert.deepEqual(listRuns(config).map((d) => path.basename(d)), ['20260101-000001', '20260101-000002']);
  assert.equal(path.basename(latestRun(config)!), '20260101-000002');
});

test('readRunStarted reads the first event from the head of the log, whatever follows', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-started-'));
  const started = { t: 0, type: 'run_started', version: 1, runId: 'r', method: 'damsm', configPath: 'c', backend: { name: 'wasm', threads: 1 }, pid: 1 };
  // A multi-megabyte log with a torn tail: only the head is read.
  fs.writeFileSync(path.join(dir, RUN_FILES.events), JSON.stringify(started) + '\n' + 'x'.repeat(3_000_000) + '\n{"torn');
  assert.equal(readRunStarted(dir)?.method, 'damsm');
  // As the trainer writes it: the backend's log lines come first.
  const logLine = JSON.stringify({ t: 0, type: 'log', level: 'info', message: 'backend: using wasm' });
  fs.writeFileSync(path.join(dir, RUN_FILES.events), `${logLine}\n${logLine}\n${JSON.stringify(started)}\n`);
  assert.equal(readRunStarted(dir)?.method, 'damsm');
  fs.writeFileSync(path.join(dir, RUN_FILES.events), JSON.stringify({ t: 0, type: 'log', level: 'info', message: 'm' }) + '\n');
  assert.equal(readRunStarted(dir), undefined);
  assert.equal(readRunStarted(path.join(dir, 'missing')), undefined);
});
