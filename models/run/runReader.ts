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
  private offset = 0;
  private pending = '';
  /** Complete lines that did not parse as events (corrupt or from a newer version). */
  skipped = 0;

  constructor(readonly file: string) {}

  read(): RunEvent[] {
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
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (chunks.length === 0) return [];
    const text = this.pending + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
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

export function readAllEvents(runDir: string): RunEvent[] {
  return new EventTail(path.join(runDir, RUN_FILES.events)).read();
}
