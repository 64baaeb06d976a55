// What the host concludes about a trainer from its run folder, and the one
// thing it writes there: a run whose trainer died without a `done` event is
// marked failed in status.json (atomically), with the reason. Pure node:fs,
// no vscode, so it is unit tested on real files.
import fs from 'node:fs';
import path from 'node:path';
import type { RunStatus } from '../protocol/events';
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
  if (status && status.state !== 'running') return undefined;
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
 * Marks the run failed with `reason` unless it ended properly (a `done`
 * event, or a status that is no longer `running`). Returns whether it wrote.
 * Nothing else in the folder is touched: checkpoints and events stay.
 */
export function markRunFailed(runDir: string, reason: string, pid?: number): boolean {
  if (!fs.existsSync(runDir)) return false;
  const status = readStatus(runDir);
  if (status && status.state !== 'running') return false;
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
