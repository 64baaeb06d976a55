// Errors and warnings of the dataset loaders. Every problem names the file
// (and the line, where the file has lines) so the user can go and fix it.
// Per-sample problems follow the config's `onBadSample`: "error" throws at the
// first one; "skip" drops the sample and counts a warning per category.

export type BadSamplePolicy = 'error' | 'skip';

/** `file:line: reason` (or `file: reason`), the form editors and terminals turn into links. */
export function where(file: string, line?: number): string {
  return line !== undefined ? `${file}:${line}` : file;
}

export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${where(file, line)}: ${reason}`);
    this.name = 'DatasetError';
  }
}

/** Kinds of bad sample, each counted separately when skipping. */
export type BadSampleKind =
  | 'missing image'
  | 'undecodable image'
  | 'missing caption file'
  | 'undecodable caption file'
  | 'too few captions'
  | 'empty caption'
  | 'label mismatch'
  | 'split mismatch'
  | 'malformed line';

interface Tally {
  count: number;
  first: string;
}

export class BadSamples {
  private readonly tallies = new Map<BadSampleKind, Tally>();

  constructor(
    readonly policy: BadSamplePolicy,
    private readonly warn?: (message: string) => void,
  ) {}

  /**
   * Reports one problem. With policy "error" this throws a DatasetError; with
   * "skip" it counts it (and the caller leaves the sample out).
   */
  report(kind: BadSampleKind, file: string, line: number | undefined, reason: string): void {
    const err = new DatasetError(file, line, reason);
    if (this.policy === 'error') {
      err.message += ' (set "onBadSample": "skip" in the dataset config to leave such samples out)';
      throw err;
    }
    const t = this.tallies.get(kind);
    if (t) t.count++;
    else this.tallies.set(kind, { count: 1, first: err.message });
  }

  get total(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.count;
    return n;
  }

  count(kind: BadSampleKind): number {
    return this.tallies.get(kind)?.count ?? 0;
  }

  /** One line per kind: `skipped 3 samples (empty caption); first: file:line: reason`. */
  summary(): string[] {
    return [...this.tallies.entries()].map(
      ([kind, t]) => `skipped ${t.count} ${t.count === 1 ? 'sample' : 'samples'} (${kind}); first: ${t.first}`,
    );
  }

  /** Sends the summary lines to the warn callback; returns them. */
  flush(): string[] {
    const lines = this.summary();
    for (const l of lines) this.warn?.(l);
    return lines;
  }
}
