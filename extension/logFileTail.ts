// Follows a trainer's log file (its stdout and stderr go to a file, so that
// it outlives a window reload) and hands each new line on. Polling: fs.watch
// misses appends on some file systems.
import fs from 'node:fs';

export class LogFileTail {
  private offset: number;
  private partial = '';
  private timer?: NodeJS.Timeout;
  /** The last lines seen, for an error message when the trainer dies. */
  readonly recent: string[] = [];

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    /** Start at the current end (a re-attached trainer's old output is not replayed). */
    fromEnd = false,
    private readonly keep = 40,
  ) {
    this.offset = fromEnd ? sizeOf(file) : 0;
  }

  start(everyMs = 500): this {
    this.timer = setInterval(() => this.read(), everyMs);
    return this;
  }

  /** Reads what was appended since the last call. */
  read(): void {
    const size = sizeOf(this.file);
    if (size < this.offset) this.offset = 0; // truncated or replaced
    if (size === this.offset) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'r');
      const buf = Buffer.alloc(Math.min(size - this.offset, 4 * 1024 * 1024));
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split(/\r?\n/);
      this.partial = lines.pop() ?? '';
      for (const l of lines) this.emit(l);
    } catch {
      // the file is gone or unreadable: nothing to relay
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Reads the rest, including a last line without a newline. */
  flush(): void {
    this.read();
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  private emit(line: string): void {
    this.recent.push(line);
    if (this.recent.length > this.keep) this.recent.shift();
    this.onLine(line);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
