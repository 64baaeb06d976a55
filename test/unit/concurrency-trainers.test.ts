// Trainers as the extension host runs them (extension/trainerProcess.ts), with
// the real CLI (dist/cli.js) on tiny configs: a trainer outlives the host
// that started it and is re-attached by pid; two configs train at once; a
// trainer killed with SIGKILL gets its run marked failed with the reason,
// its checkpoints kept; the hang rule reads status.json's heartbeat.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { isAlive } from '../../extension/pid';
import { hasDoneEvent, hungFor, markRunFailed } from '../../extension/runHealth';
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

function tinyConfig(name: string): string {
  const file = path.join(dir, `${name}.t2i.json`);
  fs.writeFileSync(file, JSON.stringify({
    method: 'baseline',
    backend: 'cpu',
    dataset: { kind: 'shapes', count: 40, seed: 3 },
    baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
    // Never finishes on its own within the test; maxMinutes bounds it if a test fails.
    train: { batchSize: 4, steps: 100000, maxMinutes: 3, sampleEvery: 1000, checkpointEvery: 2, logEvery: 1 },
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
