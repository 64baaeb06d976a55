// Follows a run's events.jsonl and hands over new events in batches.
// fs.watch gives low latency where it works; a slow poll backs it up, because
// watchers miss events on network drives, in containers, and before the file
// exists. Pure node (no vscode), so it is unit tested on its own.
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../protocol/events';
import { EventTail } from '../models/run/runReader';
import { RUN_FILES } from '../models/run/layout';

export interface RunTailerOptions {
  /** Poll interval; the watcher usually answers sooner. */
  pollMs?: number;
  /** Stop following once a `done` event has been read. */
  stopAtDone?: boolean;
  /** Continue from this reader (e.g. where a history scan ended) instead of the file's start. */
  tail?: EventTail;
}

export class RunTailer {
  private readonly tail: EventTail;
  private watcher?: fs.FSWatcher;
  private poll?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private disposed = false;
  private sawDone = false;

  constructor(
    readonly runDir: string,
    private readonly onEvents: (events: RunEvent[]) => void,
    private readonly options: RunTailerOptions = {},
  ) {
    this.tail = options.tail ?? new EventTail(path.join(runDir, RUN_FILES.events));
  }

  /** Delivers everything already in the file (synchronously), then follows it. */
  start(): this {
    this.read();
    if (this.disposed || (this.sawDone && this.options.stopAtDone)) return this;
    this.poll = setInterval(() => {
      this.watch();
      this.read();
    }, this.options.pollMs ?? 300);
    this.watch();
    return this;
  }

  /** Reads now; also safe to call from outside (e.g. when the trainer exits). */
  read(): void {
    if (this.disposed) return;
    const events = this.tail.read();
    if (events.length === 0) return;
    if (events.some((e) => e.type === 'done')) this.sawDone = true;
    this.onEvents(events);
    if (this.sawDone && this.options.stopAtDone) this.dispose();
  }

  get done(): boolean {
    return this.sawDone;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poll);
    clearTimeout(this.pending);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watch(): void {
    // Watch the folder, not the file: the file appears after the folder. Until
    // the trainer has made the folder, the poll retries.
    if (this.watcher || this.disposed || !fs.existsSync(this.runDir)) return;
    try {
      this.watcher = fs.watch(this.runDir, (_kind, name) => {
        if (name && name !== RUN_FILES.events) return;
        // Coalesce a burst of appends into one read.
        this.pending ??= setTimeout(() => {
          this.pending = undefined;
          this.read();
        }, 15);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No watcher: the poll alone keeps up.
    }
  }
}
