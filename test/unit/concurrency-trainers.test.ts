// Trainers as the extension host runs them (extension/trainerProcess.ts), with
// the real CLI (dist/cli.js) on tiny configs: a trainer outlives the host
// that started it and is re-attached by pid; two configs train at once; a
// trainer killed with SIGKILL gets its run marked failed with the reason,
// its checkpoints kept; the hang rule reads status.json's heartbeat, and a
// trainer that goes silent (SIGSTOP) gets its run marked paused until it
// beats again, or failed when it then dies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { isAlive } from '../../extension/pid';
import { hasDoneEvent, hungFor, markRunFailed, markRunPausedIfHung } from '../../extension/runHealth';
import { TrainerProcess, type TrainerIdentity } from '../../extension/trainerProcess';
import { failureMessage, Training } from '../../extension/training';

const CLI = path.join(__dirname, '../../dist/cli.js');
const ROOT = path.join(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-trainers-'));
const started: number[] = [];
after(() => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const lines: string[] = [];
const log = { info: (l: string) => void lines.push(l), warn: (l: string) => void lines.push(l), error: (l: string) => void lines.push(l) };

function tinyConfig(name: string, train: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${name}.t2i.json`);
  fs.writeFileSync(file, JSON.stringify({
    method: 'baseline',
    backend: 'cpu',
    dataset: { kind: 'shapes', count: 40, seed: 3 },
    baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
    // Never finishes on its own within the test; maxMinutes bounds it if a test fails.
    train: { batchSize: 4, steps: 100000, maxMinutes: 3, sampleEvery: 1000, checkpointEvery: 2, logEvery: 1, ...train },
    preview: { count: 2 },
  }));
  return file;
}

async function until<T>(fn: () => T | undefined, what: string, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const checkpointsOf = (runDir: string) => (fs.existsSync(path.join(runDir, 'checkpoints')) ? fs.readdirSync(path.join(runDir, 'checkpoints')).filter((f) => f.endsWith('.safetensors')) : []);

test('a trainer outlives the host process that started it, and a new host re-attaches and stops it cleanly', { timeout: 240_000 }, async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build`');
  const config = tinyConfig('survivor');
  const runDir = path.join(dir, 'runs', 'survivor', 'run-1');
  const logFile = path.join(dir, 'logs', 'survivor.log');
  // The "extension host": starts the trainer the way the extension does, prints its identity, then dies hard.
  const host = path.join(dir, 'host.ts');
  fs.writeFileSync(host, `
    import { TrainerProcess } from ${JSON.stringify(path.join(ROOT, 'extension/trainerProcess.ts'))};
    const noop = () => {};
    const p = TrainerProcess.spawn(${JSON.stringify(CLI)}, ${JSON.stringify(config)}, ${JSON.stringify(runDir)}, ${JSON.stringify(logFile)}, { info: noop, warn: noop, error: noop });
    console.log(JSON.stringify(p.identity));
    process.kill(process.pid, 'SIGKILL');
  `);
  const r = spawnSync(process.execPath, ['--import', 'tsx', host], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  const id = JSON.parse(r.stdout.trim().split('\n').pop()!) as TrainerIdentity;
  started.push(id.pid);
  assert.ok(isAlive(id.pid), 'the trainer still runs after its host died');

  // It keeps training: steps and a checkpoint appear with no host at all.
  await until(() => (readStatus(runDir)?.step ?? 0) >= 3 && checkpointsOf(runDir).length > 0, 'steps without a host');
  assert.equal(readStatus(runDir)!.pid, id.pid);
  assert.match(fs.readFileSync(logFile, 'utf8'), /backend/i, 'its output goes to the log file');

  // The next window re-attaches by pid and stops it: checkpoint, done event, status "stopped".
  const attached = TrainerProcess.attach(id, log);
  assert.ok(attached.running);
  const exit = await attached.stop(60_000);
  assert.equal(exit.unobserved, true);
  assert.equal(exit.killed, false, 'it stopped on SIGTERM, not by a kill');
  assert.equal(isAlive(id.pid), false);
  const status = readStatus(runDir)!;
  assert.equal(status.state, 'stopped');
  assert.ok(hasDoneEvent(runDir));
  const training = new Training(config, runDir, attached);
  training.apply(readAllEvents(runDir));
  assert.equal(failureMessage(training, exit), undefined, 'a clean stop is not a failure');
  assert.equal(markRunFailed(runDir, 'should not be written'), false);
  assert.equal(readStatus(runDir)!.state, 'stopped');
});

test('two configs train at once; SIGKILL of one marks only its run failed, keeping its checkpoints', { timeout: 240_000 }, async () => {
  const a = tinyConfig('alpha');
  const b = tinyConfig('beta');
  const runA = path.join(dir, 'runs', 'alpha', 'run-1');
  const runB = path.join(dir, 'runs', 'beta', 'run-1');
  const pa = TrainerProcess.spawn(CLI, a, runA, path.join(dir, 'logs', 'alpha.log'), log);
  const pb = TrainerProcess.spawn(CLI, b, runB, path.join(dir, 'logs', 'beta.log'), log);
  started.push(pa.pid!, pb.pid!);
  assert.notEqual(pa.pid, pb.pid);
  await until(() => checkpointsOf(runA).length > 0 && checkpointsOf(runB).length > 0, 'both trainers checkpointing');
  assert.equal(readStatus(runA)!.state, 'running');
  assert.equal(readStatus(runB)!.state, 'running');
  assert.notEqual(readStatus(runA)!.pid, readStatus(runB)!.pid);

  const ta = new Training(a, runA, pa);
  process.kill(pa.pid!, 'SIGKILL');
  const exitA = await pa.exited;
  assert.equal(exitA.signal, 'SIGKILL');
  ta.apply(readAllEvents(runA));
  const reason = failureMessage(ta, exitA);
  assert.ok(reason, 'a killed trainer is a failure');
  const kept = checkpointsOf(runA);
  assert.ok(markRunFailed(runA, reason!, pa.pid));
  const failed = readStatus(runA)!;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.message, reason);
  assert.ok(failed.step >= 2);
  assert.deepEqual(checkpointsOf(runA), kept, 'checkpoints untouched');

  // The other one is unaffected and still trains.
  const stepB = readStatus(runB)!.step;
  await until(() => (readStatus(runB)!.step > stepB ? true : undefined), 'the other trainer to go on');
  assert.ok(pb.running);
  const exitB = await pb.stop(60_000);
  assert.equal(exitB.code, 0);
  assert.equal(readStatus(runB)!.state, 'stopped');
});

test('the hang rule: a running trainer is hung when its heartbeat (or last event) is older than the timeout', () => {
  const now = Date.parse('2026-11-22T08:00:00Z');
  const status = { state: 'running', runId: 'r', pid: 1, step: 5, totalSteps: 10, updated: now - 400_000 } as const;
  assert.equal(hungFor({ ...status, heartbeatAt: new Date(now - 10_000).toISOString() }, undefined, now - 3_600_000, 300, now), undefined);
  assert.equal(hungFor({ ...status, heartbeatAt: new Date(now - 301_000).toISOString() }, undefined, now - 3_600_000, 300, now), 301);
  // An event newer than the heartbeat is a sign of life too.
  assert.equal(hungFor({ ...status, heartbeatAt: new Date(now - 500_000).toISOString() }, now - 5_000, now - 3_600_000, 300, now), undefined);
  // No status yet: the time since start counts.
  assert.equal(hungFor(undefined, undefined, now - 100_000, 300, now), undefined);
  assert.equal(hungFor(undefined, undefined, now - 400_000, 300, now), 400);
  // Only running trainers can hang.
  assert.equal(hungFor({ ...status, state: 'stopped' }, undefined, 0, 300, now), undefined);
});

test('a silent trainer (SIGSTOP) is marked paused with the reason; its next heartbeat after SIGCONT sets it running; it still stops cleanly', { timeout: 240_000 }, async () => {
  // heartbeatSeconds 1: the trainer rewrites status.json every 0.5 s while it works.
  const config = tinyConfig('sleeper', { heartbeatSeconds: 1 });
  const runDir = path.join(dir, 'runs', 'sleeper', 'run-1');
  const proc = TrainerProcess.spawn(CLI, config, runDir, path.join(dir, 'logs', 'sleeper.log'), log);
  started.push(proc.pid!);
  await until(() => (readStatus(runDir)?.state === 'running' && readStatus(runDir)!.step >= 3 && checkpointsOf(runDir).length > 0 ? true : undefined), 'steps and a heartbeat');

  process.kill(proc.pid!, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 300)); // a rename in flight has landed; nothing more is written
  const before = readStatus(runDir)!;
  assert.equal(before.state, 'running');
  const beat = Date.parse(before.heartbeatAt!);
  // Not yet past the timeout: nothing is written.
  assert.equal(markRunPausedIfHung(runDir, 10, { now: beat + 5_000, startedAt: proc.startedAt }), undefined);
  assert.equal(readStatus(runDir)!.state, 'running');
  // 12 s of silence against a 10 s timeout (a stopped process cannot beat, so `now` may be simulated).
  assert.equal(markRunPausedIfHung(runDir, 10, { now: beat + 12_000, startedAt: proc.startedAt }), 12);
  const paused = readStatus(runDir)!;
  assert.equal(paused.state, 'paused');
  assert.match(paused.message!, /no sign of life .*pid \d+.* for 12 s \(heartbeat timeout 10 s\)/i);
  // Everything else is the trainer's, unchanged: its updated/heartbeat keep the silence counting.
  const { state: _s, message: _m, ...rest } = paused;
  const { state: _s2, message: _m2, ...restBefore } = before;
  assert.deepEqual(rest, restBefore);
  assert.equal(hungFor(paused, undefined, proc.startedAt, 10, beat + 20_000), 20, 'a paused run is still silent');
  assert.equal(markRunPausedIfHung(runDir, 10, { now: beat + 20_000 }), undefined, 'written once per silence');
  // A paused run whose pid lives is still being trained: a resume is refused, the folder untouched.
  const resume = spawnSync(process.execPath, [CLI, 'train', '--resume', runDir], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(resume.status, 0);
  assert.match(resume.stderr + resume.stdout, new RegExp(`still being trained by process ${proc.pid}`));
  assert.equal(readStatus(runDir)!.state, 'paused');

  process.kill(proc.pid!, 'SIGCONT');
  const resumed = await until(() => {
    const s = readStatus(runDir);
    return s?.state === 'running' ? s : undefined;
  }, 'the next heartbeat', 30_000);
  assert.ok(Date.parse(resumed.heartbeatAt!) > beat, 'a fresh heartbeat');
  assert.equal(resumed.message, undefined, 'the pause reason goes with the pause');
  await until(() => (readStatus(runDir)!.step > before.step ? true : undefined), 'training to go on');

  const exit = await proc.stop(60_000);
  assert.equal(exit.code, 0);
  assert.equal(exit.killed, false, 'it stopped on SIGTERM, not by a kill');
  assert.equal(readStatus(runDir)!.state, 'stopped');
  assert.ok(hasDoneEvent(runDir));
});

test('a paused run whose trainer then dies (SIGKILL) is marked failed, keeping its checkpoints', { timeout: 240_000 }, async () => {
  const config = tinyConfig('goner', { heartbeatSeconds: 1 });
  const runDir = path.join(dir, 'runs', 'goner', 'run-1');
  const proc = TrainerProcess.spawn(CLI, config, runDir, path.join(dir, 'logs', 'goner.log'), log);
  started.push(proc.pid!);
  await until(() => (checkpointsOf(runDir).length > 0 && readStatus(runDir)?.state === 'running' ? true : undefined), 'a checkpoint');
  process.kill(proc.pid!, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 300));
  const beat = Date.parse(readStatus(runDir)!.heartbeatAt!);
  assert.equal(markRunPausedIfHung(runDir, 5, { now: beat + 60_000 }), 60);
  assert.equal(readStatus(runDir)!.state, 'paused');
  const kept = checkpointsOf(runDir);

  process.kill(proc.pid!, 'SIGKILL');
  const exit = await proc.exited;
  assert.equal(exit.signal, 'SIGKILL');
  const training = new Training(config, runDir, proc);
  training.apply(readAllEvents(runDir));
  const reason = failureMessage(training, exit);
  assert.ok(reason, 'a killed trainer is a failure');
  assert.equal(markRunFailed(runDir, reason!, proc.pid), true, 'paused counts as running');
  const failed = readStatus(runDir)!;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.message, reason);
  assert.deepEqual(checkpointsOf(runDir), kept, 'checkpoints untouched');
  assert.equal(failed.lastCheckpoint, `checkpoints/${kept.sort().at(-1)}`);
});
