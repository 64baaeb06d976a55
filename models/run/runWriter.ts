// The trainer's side of the run folder: append-only events, atomic status,
// atomic files. Nothing here knows about tensors.
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent, RunStatus } from '../../protocol/events';
import { writeFileAtomic } from './atomicWrite';
import { RUN_FILES, newRunId, runsRootFor } from './layout';

/** Distributes Omit over a union, so each event keeps its own fields. */
export type EventInit = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 't'> : never) : never;

/** A fresh run folder under the config's runs root; never reuses an existing one. */
export function freshRunDir(configPath: string): string {
  const base = path.join(runsRootFor(configPath), newRunId());
  let dir = base;
  for (let k = 2; fs.existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

/** Length of the file's last line when it has no newline (0 for a missing, empty or newline-ended file). */
function unterminatedTailBytes(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const chunk = Buffer.alloc(Math.min(size, 1 << 16));
    fs.readSync(fd, chunk, 0, chunk.length, size - chunk.length);
    if (!chunk.length || chunk[chunk.length - 1] === 0x0a) return 0;
    const nl = chunk.lastIndexOf(0x0a);
    return nl >= 0 ? chunk.length - nl - 1 : chunk.length; // a torn line longer than 64 KiB counts as 64 KiB
  } finally {
    fs.closeSync(fd);
  }
}

export class RunWriter {
  private readonly eventsFd: number;
  private closed = false;
  /**
   * Bytes of an unterminated last line found in an existing events.jsonl (a
   * trainer killed mid-write); 0 when none. The line is ended with a newline so
   * that new events start on their own line and readers skip the torn one.
   */
  readonly tornTailBytes: number;

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, RUN_FILES.samplesDir), { recursive: true });
    fs.mkdirSync(path.join(dir, RUN_FILES.checkpointsDir), { recursive: true });
    const eventsFile = path.join(dir, RUN_FILES.events);
    this.tornTailBytes = unterminatedTailBytes(eventsFile);
    this.eventsFd = fs.openSync(eventsFile, 'a');
    if (this.tornTailBytes > 0) fs.writeSync(this.eventsFd, '\n');
  }

  /** Appends one event as one line; a single write() keeps lines whole for readers. */
  event(e: EventInit): RunEvent {
    const full = { t: Date.now(), ...e } as RunEvent;
    if (!this.closed) fs.writeSync(this.eventsFd, JSON.stringify(full) + '\n');
    return full;
  }

  status(s: RunStatus): void {
    writeFileAtomic(path.join(this.dir, RUN_FILES.status), JSON.stringify(s, null, 2) + '\n');
  }

  /** Writes a file given relative to the run folder, atomically. */
  file(relPath: string, data: string | Uint8Array): string {
    const abs = this.resolve(relPath);
    writeFileAtomic(abs, data);
    return abs;
  }

  /** Resolves a path inside the run folder; refuses anything that escapes it. */
  resolve(relPath: string): string {
    const abs = path.resolve(this.dir, relPath);
    const rel = path.relative(this.dir, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`refusing to write outside the run folder: ${relPath}`);
    return abs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.fsyncSync(this.eventsFd);
    fs.closeSync(this.eventsFd);
  }
}
