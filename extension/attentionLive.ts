// Live mode of the attention panel: which sample grid of a training run to
// show. The panel polls every 2 s; a run's events.jsonl grows for hours (one
// line per step), so each poll reads only the bytes appended since the last
// one, and the first poll reads the file backwards from its end until it
// finds a sample event. Pure node (no vscode), so it is unit tested on a real
// run folder.
import fs from 'node:fs';
import path from 'node:path';
import { parseEventLine, type SampleEvent } from '../protocol/events';
import { EventTail } from '../models/run/runReader';
import { RUN_FILES } from '../models/run/layout';

/** The first look back from the end of the file; doubled until a sample event turns up. */
const FIRST_WINDOW = 64 * 1024;

export class LiveSamples {
  private tail?: EventTail;
  private latest?: SampleEvent;
  /** Bytes read from events.jsonl so far (the backwards scan and every tail read). */
  bytesRead = 0;

  constructor(readonly runDir: string) {}

  private get file(): string {
    return path.join(this.runDir, RUN_FILES.events);
  }

  /** The newest sample event of the run so far; undefined while it has none. */
  poll(): SampleEvent | undefined {
    if (!this.tail) this.start();
    else {
      const before = this.tail.bytesRead;
      const events = this.tail.read();
      // A truncated or replaced file makes the tail start over from 0.
      this.bytesRead += this.tail.bytesRead >= before ? this.tail.bytesRead - before : this.tail.bytesRead;
      for (const e of events) if (e.type === 'sample') this.latest = e;
    }
    return this.latest;
  }

  /**
   * Scans backwards from the end in growing windows for the newest sample
   * event, then leaves a tail at the end of the last complete line, so a line
   * being written is read whole by the next poll.
   */
  private start(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return; // no events yet: the next poll tries again
    }
    try {
      const size = fs.fstatSync(fd).size;
      let end = size;
      // Where the last complete line ends: the tail starts there.
      let tailFrom: number | undefined;
      // The start of the earliest line of the later window, cut by that window's start.
      let carry = Buffer.alloc(0);
      let window = FIRST_WINDOW;
      while (end > 0 && !this.latest) {
        const from = Math.max(0, end - window);
        const chunk = Buffer.alloc(end - from);
        const n = fs.readSync(fd, chunk, 0, chunk.length, from);
        this.bytesRead += n;
        const text = Buffer.concat([chunk.subarray(0, n), carry]);
        end = from;
        window *= 2;
        const lastNl = text.lastIndexOf(0x0a);
        // Before the first newline the line may be cut by the window (unless the window starts the file).
        const firstNl = from > 0 ? text.indexOf(0x0a) : -1;
        if (from > 0 && firstNl < 0) {
          carry = text; // one line longer than the window: look further back
          continue;
        }
        tailFrom ??= lastNl < 0 ? from : from + lastNl + 1;
        const lines = text.subarray(firstNl + 1, lastNl + 1).toString('utf8').split('\n');
        for (let i = lines.length - 1; i >= 0 && !this.latest; i--) {
          const e = lines[i].trim() ? parseEventLine(lines[i]) : undefined;
          if (e?.type === 'sample') this.latest = e;
        }
        carry = Buffer.from(text.subarray(0, firstNl + 1));
      }
      this.tail = new EventTail(this.file, tailFrom ?? 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** What the panel needs to send: a new grid (its step changed, or another run), or nothing. */
export function liveKey(runDir: string, sample: SampleEvent): string {
  return `${runDir}:${sample.step}`;
}
