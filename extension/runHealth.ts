// What the host concludes about a trainer from its run folder, and the two
// things it writes there (status.json, atomically, with the reason): a run
// whose trainer showed no sign of life for the heartbeat timeout is marked
// paused; one whose trainer died without a `done` event is marked failed.
// Pure node:fs, no vscode, so it is unit tested on real files and processes.
import fs from 'node:fs';
import path from 'node:path';
import { isTrainingState, type RunStatus } from '../protocol/events';
import { writeFileAtomic } from '../models/run/atomicWrite';
import { RUN_FILES } from '../models/run/layout';
import { readStatus } from '../models/run/runReader';

/** The newest sign of life: status.json's heartbeat, else its update time, else the last event's time. */
export function lastSignOfLife(status: RunStatus | undefined, lastEventAt: number | undefined): number | undefined {
  const beat = status?.heartbeatAt ? Date.parse(status.heartbeatAt) : NaN;
  const times = [Number.isFinite(beat) ? beat : undefined, status?.updated, lastEventAt].filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return times.length ? Math.max(...times) : undefined;
}

/**
 * Seconds since a running trainer's last sign of life when that is more than
 * `timeoutSeconds` (it looks hung), else undefined. Before its first sign of
 * life, the time since `startedAt` counts.
 */
export function hungFor(status: RunStatus | undefined, lastEventAt: number | undefined, startedAt: number, timeoutSeconds: number, now = Date.now()): number | undefined {
  // A paused run is still silent: it stays hung until the trainer writes again.
  if (status && !isTrainingState(status.state)) return undefined;
  const since = lastSignOfLife(status, lastEventAt) ?? startedAt;
  const age = (now - since) / 1000;
  return age > timeoutSeconds ? Math.round(age) : undefined;
}

/** Whether events.jsonl has a `done` event (read from its end, where it is). */
export function hasDoneEvent(runDir: string): boolean {
  const file = path.join(runDir, RUN_FILES.events);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8').split('\n').some((l) => /"type"\s*:\s*"done"/.test(l));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Marks a running trainer's run `paused` when it has shown no sign of life
 * for more than `timeoutSeconds` (see hungFor), with a message naming the
 * silence and the timeout. Every other field stays, `updated` and
 * `heartbeatAt` included: they are the trainer's, so the silence keeps
 * counting and the trainer's next write (state `running`) ends the pause.
 * Returns the seconds of silence when it wrote, else undefined (not hung,
 * already paused, not running, or done).
 */
export function markRunPausedIfHung(
  runDir: string,
  timeoutSeconds: number,
  opts: { now?: number; lastEventAt?: number; startedAt?: number } = {},
): number | undefined {
  const now = opts.now ?? Date.now();
  const status = readStatus(runDir);
  if (status?.state !== 'running') return undefined;
  const seconds = hungFor(status, opts.lastEventAt, opts.startedAt ?? now, timeoutSeconds, now);
  if (seconds === undefined || hasDoneEvent(runDir)) return undefined;
  const next: RunStatus = {
    ...status,
    state: 'paused',
    message: `No sign of life from the trainer (pid ${status.pid}) for ${seconds} s (heartbeat timeout ${timeoutSeconds} s): it may be hung or suspended. It counts as running again when it next writes its status.`,
  };
  writeFileAtomic(path.join(runDir, RUN_FILES.status), JSON.stringify(next, null, 2) + '\n');
  return seconds;
}

/**
 * Marks the run failed with `reason` unless it ended properly (a `done`
 * event, or a status that is no longer `running` or `paused`). Returns whether it wrote.
 * Nothing else in the folder is touched: checkpoints and events stay.
 */
export function markRunFailed(runDir: string, reason: string, pid?: number): boolean {
  if (!fs.existsSync(runDir)) return false;
  const status = readStatus(runDir);
  if (status && !isTrainingState(status.state)) return false;
  if (hasDoneEvent(runDir)) return false;
  const next: RunStatus = {
    state: 'failed',
    runId: status?.runId ?? path.basename(runDir),
    pid: status?.pid ?? pid ?? 0,
    step: status?.step ?? 0,
    totalSteps: status?.totalSteps ?? 0,
    ...(status?.lastCheckpoint ? { lastCheckpoint: status.lastCheckpoint } : {}),
    updated: Date.now(),
    message: reason,
    ...(status?.heartbeatAt ? { heartbeatAt: status.heartbeatAt } : {}),
  };
  writeFileAtomic(path.join(runDir, RUN_FILES.status), JSON.stringify(next, null, 2) + '\n');
  return true;
}
