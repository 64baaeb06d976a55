// kill -9 of the real trainer process (the CLI, as the extension runs it) at
// several moments, including between a checkpoint's temp file and its rename:
// the run folder stays readable, the temp file is never taken for a checkpoint,
// a torn last line of events.jsonl is skipped and reported, and `--resume`
// continues so that every step's losses equal an uninterrupted run's, bit for bit.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { RunEvent, RunStartedEvent, StepEvent } from '../../protocol/events';
import { dedupeResumedSteps } from '../../protocol/resumedSteps';
import { EventTail, latestCheckpointFile, readAllEvents, readStatus } from '../../models/run/runReader';
import { readCheckpoint } from '../../models/train/checkpoint';
import { train } from '../../models/train/trainer';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'models/cli.ts');
const STEPS = 12;
const config = {
  method: 'baseline',
  imageSize: 32,
  backend: 'wasm',
  threads: 1, // one thread: the same sums in the same order in every process
  dataset: { kind: 'shapes', count: 40, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 8, steps: STEPS, sampleEvery: 1000, checkpointEvery: 4, seed: 5 },
  preview: { count: 2 },
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-crash-'));
const configPath = path.join(dir, 'crash.t2i.json');
fs.writeFileSync(configPath, JSON.stringify(config));

interface Child {
  proc: ChildProcess;
  stderr: string;
  stdout: string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
// A failed wait must not leave a trainer running into the next test.
test.afterEach(() => {
  for (const p of running) p.kill('SIGKILL');
});

/** The trainer CLI from source, in its own process. */
function cli(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  const child: Child = { proc, stderr: '', stdout: '', exited: new Promise((r) => proc.on('exit', (code) => { running.delete(proc); r(code); })) };
  proc.stdout!.on('data', (d) => (child.stdout += d));
  proc.stderr!.on('data', (d) => (child.stderr += d));
  return child;
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const lastStep = (runDir: string) => Math.max(0, ...readAllEvents(runDir).filter((e) => e.type === 'step').map((e) => (e as StepEvent).step));
const stepLosses = (events: RunEvent[]) => events.filter((e): e is StepEvent => e.type === 'step').map((e) => [e.step, e.losses] as const);

async function killNow(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  assert.equal(await child.exited, null, 'the trainer was killed, not finished');
}

async function resume(runDir: string): Promise<Child> {
  const c = cli(['train', '--resume', runDir, '--steps', String(STEPS)]);
  const code = await c.exited;
  assert.equal(code, 0, `resume failed: ${c.stderr}`);
  return c;
}

/** Losses of an uninterrupted run of the same config, trained in this process (once). */
let referenceRun: Promise<Map<number, Record<string, number>>> | undefined;
function reference(): Promise<Map<number, Record<string, number>>> {
  referenceRun ??= train({ configPath, runDir: path.join(dir, 'straight'), log: () => {} }).then((r) => {
    assert.equal(r.step, STEPS);
    return new Map(stepLosses(readAllEvents(r.runDir)));
  });
  return referenceRun;
}

/** The resumed run, stale segments dropped, has each step once with the uninterrupted run's losses. */
async function assertMatchesReference(runDir: string): Promise<void> {
  const ref = await reference();
  const kept = stepLosses(dedupeResumedSteps(readAllEvents(runDir)));
  assert.deepEqual(kept.map(([s]) => s), Array.from({ length: STEPS }, (_, i) => i + 1), 'each step once, in order');
  for (const [s, losses] of kept) assert.deepEqual(losses, ref.get(s), `losses at step ${s}`);
  assert.equal(readStatus(runDir)?.state, 'completed');
}

test('killed between a checkpoint temp file and its rename: the previous checkpoint stays the latest, resume is bit-exact', async () => {
  const runDir = path.join(dir, 'in-write');
  const c = cli(['train', configPath, '--run-dir', runDir], { T2I_TEST_PAUSE_IN_CHECKPOINT_WRITE: '60000:8' });
  await until('the step-8 checkpoint temp file', () => c.stderr.includes('T2I_TEST checkpoint-temp-written'));
  await killNow(c);

  const tmp = /checkpoint-temp-written (.+)\n/.exec(c.stderr)![1];
  assert.ok(fs.existsSync(tmp), 'the killed write left its temp file');
  assert.match(path.basename(tmp), /^\.step-000008\.safetensors\.\d+\.tmp$/);
  assert.equal(readCheckpoint(tmp).meta.step, 8, 'the temp file is whole; only its rename was missing');
  // Not a checkpoint: the latest is step 4's, and it loads.
  const latest = latestCheckpointFile(runDir)!;
  assert.equal(path.basename(latest), 'step-000004.safetensors');
  assert.equal(readCheckpoint(latest).meta.step, 4);
  // Every line is whole; step 8's event was written before the checkpoint began.
  const tail = new EventTail(path.join(runDir, 'events.jsonl'));
  assert.ok(tail.read().length > 0);
  assert.equal(tail.skipped, 0);
  assert.equal(tail.hasPartialLine, false);
  assert.equal(lastStep(runDir), 8);
  assert.equal(readStatus(runDir)?.state, 'running', 'status still says running: the host judges it by pid and heartbeat');

  const r = await resume(runDir);
  assert.match(r.stdout, /removed unfinished temp files of a killed trainer: checkpoints\/\.step-000008/);
  assert.equal(fs.existsSync(tmp), false);
  const starts = readAllEvents(runDir).filter((e): e is RunStartedEvent => e.type === 'run_started');
  assert.deepEqual(starts.map((e) => e.resumedFrom), [undefined, { step: 4, checkpoint: 'checkpoints/step-000004.safetensors', reason: 'resume' }]);
  // Without deduplication, steps 5-8 appear twice.
  assert.equal(readAllEvents(runDir).filter((e) => e.type === 'step' && e.step === 6).length, 2);
  await assertMatchesReference(runDir);
});

test('killed between checkpoints, with a torn last event line: the line is skipped and reported, resume is bit-exact', async (t) => {
  const runDir = path.join(dir, 'mid-step');
  const c = cli(['train', configPath, '--run-dir', runDir, '--steps', '400']);
  await until('step 6', () => lastStep(runDir) >= 6);
  await killNow(c);
  const killedAt = lastStep(runDir);
  assert.ok(killedAt >= 6 && killedAt < 400);
  t.diagnostic(`killed after step ${killedAt}`);
  // What a kill in the middle of an append leaves: a line without its end.
  const events = path.join(runDir, 'events.jsonl');
  fs.appendFileSync(events, '{"t":1,"type":"step","step":99,"loss');
  const before = new EventTail(events);
  const whole = before.read();
  assert.equal(before.hasPartialLine, true, 'the reader notices the torn line');
  assert.ok(whole.every((e) => e.type !== 'step' || e.step !== 99), 'and does not parse it');

  const r = await resume(runDir);
  assert.match(r.stdout, /events\.jsonl ended in a torn line \(\d+ bytes/);
  const after = new EventTail(events);
  const all = after.read();
  assert.equal(after.skipped, 1, 'the torn line is now a complete, skipped line; the next event was not glued to it');
  assert.equal(after.hasPartialLine, false);
  const resumedFrom = all.filter((e): e is RunStartedEvent => e.type === 'run_started')[1]?.resumedFrom;
  assert.equal(resumedFrom?.step, Math.floor(killedAt / 4) * 4, 'resumed from the last checkpoint before the kill');
  await assertMatchesReference(runDir);
  // The killed process's checkpoints are kept as they were.
  assert.ok(fs.existsSync(path.join(runDir, 'checkpoints/step-000004.safetensors')));
});

test('killed before its first checkpoint: resume refuses with a clear error and changes nothing', async () => {
  const runDir = path.join(dir, 'early');
  const c = cli(['train', configPath, '--run-dir', runDir], { T2I_TEST_PAUSE_IN_CHECKPOINT_WRITE: '60000:4' });
  await until('the first checkpoint write', () => c.stderr.includes('T2I_TEST checkpoint-temp-written'));
  await killNow(c);
  const events = fs.readFileSync(path.join(runDir, 'events.jsonl'));
  const r = cli(['train', '--resume', runDir]);
  assert.equal(await r.exited, 1);
  assert.match(r.stderr, /has no checkpoint to resume from/);
  assert.ok(r.stderr.includes(runDir), 'the error names the run folder');
  assert.deepEqual(fs.readFileSync(path.join(runDir, 'events.jsonl')), events, 'events.jsonl untouched');
});

test('resume refuses a run whose trainer is still alive', async () => {
  const runDir = path.join(dir, 'alive');
  const c = cli(['train', configPath, '--run-dir', runDir], { T2I_TEST_PAUSE_IN_CHECKPOINT_WRITE: '60000:8' });
  try {
    await until('the step-8 checkpoint write', () => c.stderr.includes('T2I_TEST checkpoint-temp-written'));
    const r = cli(['train', '--resume', runDir]);
    assert.equal(await r.exited, 1);
    assert.match(r.stderr, new RegExp(`still being trained by process ${c.proc.pid}`));
  } finally {
    await killNow(c);
  }
});
