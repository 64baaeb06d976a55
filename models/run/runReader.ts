// The viewer's side of the run folder, used by the extension host and tests.
// Pure node:fs, no tensors: the host must never load tfjs.
import fs from 'node:fs';
import path from 'node:path';
import { parseEventLine, type RunEvent, type RunStatus } from '../../protocol/events';
import { RUN_FILES, runsRootFor } from './layout';

/** Run folders of a config, oldest first. */
export function listRuns(configPath: string): string[] {
  const root = runsRootFor(configPath);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => fs.existsSync(path.join(root, n, RUN_FILES.events)))
    .sort()
    .map((n) => path.join(root, n));
}

export function latestRun(configPath: string): string | undefined {
  const runs = listRuns(configPath);
  return runs[runs.length - 1];
}

/** The newest checkpoint file of a run folder, or undefined. */
export function latestCheckpointFile(runDir: string): string | undefined {
  const dir = path.join(runDir, RUN_FILES.checkpointsDir);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^step-\d+\.safetensors$/.test(f)).sort() : [];
  return files.length ? path.join(dir, files[files.length - 1]) : undefined;
}

export function readStatus(runDir: string): RunStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.status), 'utf8')) as RunStatus;
  } catch {
    return undefined;
  }
}

/**
 * Reads events.jsonl incrementally. Each `read()` returns the complete lines
 * appended since the last call; a trailing partial line waits for its newline,
 * so a line being written (or torn by a crash) is never half-parsed.
 */
export class EventTail {
  private offset: number;
  private pending = '';
  /** Complete lines that did not parse as events (corrupt or from a newer version). */
  skipped = 0;
  /** Complete lines read so far (blank ones included). */
  lines = 0;

  /** `offset`: where to start, at a line start (e.g. where an earlier scan of the file ended). */
  constructor(readonly file: string, offset = 0) {
    this.offset = offset;
  }

  /** Bytes read so far (a trailing partial line included). */
  get bytesRead(): number {
    return this.offset;
  }

  /**
   * The complete lines appended since the last call. `maxBytes` bounds how much
   * one call reads, so a huge file can be scanned in slices between which the
   * caller yields (the extension host must stay responsive).
   */
  read(maxBytes = Infinity): RunEvent[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    const chunks: Buffer[] = [];
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // Truncated or replaced: start over.
        this.offset = 0;
        this.pending = '';
      }
      const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, maxBytes)));
      let budget = maxBytes;
      while (budget > 0) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, budget), this.offset);
        if (n <= 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
        this.offset += n;
        budget -= n;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (chunks.length === 0) return [];
    const text = this.pending + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    this.lines += lines.length;
    const events: RunEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      const e = parseEventLine(line);
      if (e) events.push(e);
      else this.skipped++;
    }
    return events;
  }

  /** True when the file ends in a line with no newline (being written, or torn by a crash). */
  get hasPartialLine(): boolean {
    return this.pending.length > 0;
  }
}

/** The run's `run_started` event (method, backend…), read from the head of events.jsonl only. */
export function readRunStarted(runDir: string): Extract<RunEvent, { type: 'run_started' }> | undefined {
  const first = readEventsTail(path.join(runDir, RUN_FILES.events), 0).first;
  return first?.type === 'run_started' ? first : undefined;
}

export function readAllEvents(runDir: string): RunEvent[] {
  return new EventTail(path.join(runDir, RUN_FILES.events)).read();
}

/**
 * The events of the last `bytes` bytes of events.jsonl (the first, possibly cut
 * line is dropped), the run's first `run_started` event (within the first 64 KiB), and the file size
 * they were read at. For a quick first view of a long log, before a full scan.
 */
export function readEventsTail(file: string, bytes: number): { first?: RunEvent; events: RunEvent[]; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { events: [], size: 0 };
  }
  try {
    const size = fs.fstatSync(fd).size;
    const headLen = Math.min(size, 64 * 1024);
    const head = Buffer.alloc(headLen);
    fs.readSync(fd, head, 0, headLen, 0);
    // The run_started event comes after the backend's log lines: take the first one in the head.
    const headLines = head.toString('utf8').split('\n');
    headLines.pop(); // cut by the head's end, or still being written
    let first: RunEvent | undefined;
    for (const line of headLines) {
      const e = parseEventLine(line);
      if (e?.type === 'run_started') {
        first = e;
        break;
      }
    }
    const from = Math.max(0, size - bytes);
    const tail = Buffer.alloc(size - from);
    fs.readSync(fd, tail, 0, tail.length, from);
    const lines = tail.toString('utf8').split('\n');
    lines.pop(); // a line still being written
    if (from > 0) lines.shift(); // cut by the window
    const events: RunEvent[] = [];
    for (const line of lines) {
      const e = parseEventLine(line);
      if (e) events.push(e);
    }
    return { first, events, size };
  } finally {
    fs.closeSync(fd);
  }
}
