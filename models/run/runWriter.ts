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

export class RunWriter {
  private readonly eventsFd: number;
  private closed = false;

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, RUN_FILES.samplesDir), { recursive: true });
    fs.mkdirSync(path.join(dir, RUN_FILES.checkpointsDir), { recursive: true });
    this.eventsFd = fs.openSync(path.join(dir, RUN_FILES.events), 'a');
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
