// A run's history for the dashboard, decimated on the host: a long run's
// events.jsonl (a million lines) is scanned in slices, each loss head folded
// into a bounded number of step buckets (count, mean, min, max), and only that
// digest is posted. No vscode here, so it is unit tested on its own.
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent, SampleEvent, SampleGridMeta } from '../protocol/events';
import { isReplacedByResume } from '../protocol/resumedSteps';
import type { HostToDashboard, SampleSnapshot, SeriesDigest } from '../protocol/webview';
import { RUN_FILES } from '../models/run/layout';
import { EventTail, readEventsTail } from '../models/run/runReader';

/** Buckets kept per series: between this and twice this many (about two per pixel of a wide chart). */
export const SERIES_BUCKETS = 1024;
/** Step events kept raw at the end of the history, for the steps/s estimate. */
const RECENT_STEPS = 20;
/** Error events kept (the newest). */
const KEPT_ERRORS = 20;

/** Six significant digits: what a chart can show, and a smaller message. */
function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/**
 * One series as consecutive buckets of `size` steps each (the last one filling
 * up). When there are more than twice `maxBuckets`, neighbours merge and
 * `size` doubles, so memory stays bounded however long the run is.
 */
export class SeriesBuckets {
  private steps: number[] = [];
  private t: number[] = [];
  private sum: number[] = [];
  /** Finite values in each bucket (a NaN loss is counted, but not averaged). */
  private finite: number[] = [];
  private count: number[] = [];
  private min: number[] = [];
  private max: number[] = [];
  private size = 1;

  constructor(private readonly maxBuckets = SERIES_BUCKETS) {}

  get length(): number {
    return this.steps.length;
  }

  get lastStep(): number | undefined {
    return this.steps[this.steps.length - 1];
  }

  add(step: number, t: number, value: number): void {
    let last = this.steps.length - 1;
    // A step at or before the last one: the run went back (a resume); what came after is stale.
    if (last >= 0 && step <= this.steps[last]) {
      this.truncateAfter(step - 1);
      last = this.steps.length - 1;
    }
    const ok = Number.isFinite(value);
    if (last >= 0 && this.count[last] < this.size) {
      this.steps[last] = step;
      this.t[last] = t;
      this.count[last]++;
      if (ok) {
        this.sum[last] += value;
        this.finite[last]++;
      }
      // A NaN never replaces a number; a number replaces a NaN.
      if (ok && !(value >= this.min[last])) this.min[last] = value;
      if (ok && !(value <= this.max[last])) this.max[last] = value;
    } else {
      this.steps.push(step);
      this.t.push(t);
      this.count.push(1);
      this.sum.push(ok ? value : 0);
      this.finite.push(ok ? 1 : 0);
      this.min.push(value);
      this.max.push(value);
      if (this.steps.length > 2 * this.maxBuckets) this.halve();
    }
  }

  /**
   * Drops every bucket whose last step is after `step`: exact to one bucket
   * (a bucket holding both sides of `step` goes, as its stale part cannot be taken out).
   */
  truncateAfter(step: number): void {
    let n = this.steps.length;
    while (n > 0 && this.steps[n - 1] > step) n--;
    for (const a of [this.steps, this.t, this.sum, this.finite, this.count, this.min, this.max]) a.length = n;
  }

  digest(name: string, kind: SeriesDigest['kind']): SeriesDigest {
    const values = this.sum.map((s, i) => (this.finite[i] ? round(s / this.finite[i]) : NaN));
    const d: SeriesDigest = { name, kind, steps: this.steps.slice(), t: this.t.slice(), values };
    if (this.count.some((c) => c > 1)) {
      d.count = this.count.slice();
      d.min = this.min.map(round);
      d.max = this.max.map(round);
    }
    return d;
  }

  private halve(): void {
    const n = Math.floor(this.steps.length / 2);
    for (let i = 0; i < n; i++) {
      const a = 2 * i;
      const b = a + 1;
      // Read both before writing: index i may be a.
      const min = lowest(this.min[a], this.min[b]);
      const max = -lowest(-this.max[a], -this.max[b]);
      this.steps[i] = this.steps[b];
      this.t[i] = this.t[b];
      this.sum[i] = this.sum[a] + this.sum[b];
      this.finite[i] = this.finite[a] + this.finite[b];
      this.count[i] = this.count[a] + this.count[b];
      this.min[i] = min;
      this.max[i] = max;
    }
    // An odd last bucket carries over as a (part-full) bucket of the new size.
    const odd = this.steps.length % 2 === 1;
    const keep = n + (odd ? 1 : 0);
    if (odd) {
      const j = this.steps.length - 1;
      for (const a of [this.steps, this.t, this.sum, this.finite, this.count, this.min, this.max]) a[n] = a[j];
    }
    for (const a of [this.steps, this.t, this.sum, this.finite, this.count, this.min, this.max]) a.length = keep;
    this.size *= 2;
  }
}

/** The smaller of two values, where a NaN loses to any number. */
function lowest(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

/** Everything the dashboard needs from a run's events, in bounded memory. */
export class RunHistory {
  readonly losses = new Map<string, SeriesBuckets>();
  readonly metrics = new Map<string, SeriesBuckets>();
  /** run_started (each start and resume), the last checkpoint, errors, done: in file order. */
  private kept: RunEvent[] = [];
  private recent: RunEvent[] = [];
  /** Sample events by step (a resumed run rewrites a step's grid). */
  readonly samples = new Map<number, SampleEvent>();
  lastStep?: number;

  constructor(private readonly maxBuckets = SERIES_BUCKETS) {}

  apply(events: readonly RunEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'run_started': {
          // A resume continues from its checkpoint: what the earlier segment logged after it is
          // stale (protocol/resumedSteps.ts). Older logs have no resumedFrom; startStep says the same.
          const from = e.resumedFrom?.step ?? (this.lastStep !== undefined ? e.startStep : undefined);
          if (from !== undefined) this.truncateAfter(from);
          this.kept.push(e);
          break;
        }
        case 'step':
          for (const [name, v] of Object.entries(e.losses)) {
            if (typeof v !== 'number') continue;
            bucketsIn(this.losses, name, this.maxBuckets).add(e.step, e.t, v);
          }
          this.recent.push(e);
          if (this.recent.length > RECENT_STEPS) this.recent.shift();
          this.lastStep = e.step;
          break;
        case 'metrics':
          for (const [name, v] of Object.entries(e.metrics ?? {})) {
            if (typeof v === 'number' && typeof e.step === 'number') bucketsIn(this.metrics, name, this.maxBuckets).add(e.step, e.t, v);
          }
          break;
        case 'sample':
          this.samples.set(e.step, e);
          break;
        case 'checkpoint':
          this.kept = this.kept.filter((k) => k.type !== 'checkpoint');
          this.kept.push(e);
          break;
        case 'error':
          this.kept.push(e);
          if (this.kept.filter((k) => k.type === 'error').length > KEPT_ERRORS) {
            this.kept.splice(this.kept.findIndex((k) => k.type === 'error'), 1);
          }
          break;
        case 'done':
          this.kept.push(e);
          break;
        case 'log':
          break;
      }
    }
  }

  private truncateAfter(step: number): void {
    for (const s of [...this.losses.values(), ...this.metrics.values()]) s.truncateAfter(step);
    this.recent = this.recent.filter((e) => !isReplacedByResume(e, step));
    this.kept = this.kept.filter((e) => !isReplacedByResume(e, step));
    for (const k of this.samples.keys()) if (k > step) this.samples.delete(k);
    if (this.lastStep !== undefined) this.lastStep = Math.min(this.lastStep, step);
  }

  series(): SeriesDigest[] {
    return [
      ...[...this.losses].map(([name, b]) => b.digest(name, 'loss')),
      ...[...this.metrics].map(([name, b]) => b.digest(name, 'metric')),
    ];
  }

  /** Kept events and the recent steps, in time order (what the webview folds into its model). */
  events(): RunEvent[] {
    return [...this.kept, ...this.recent].sort((a, b) => a.t - b.t);
  }
}

function bucketsIn(map: Map<string, SeriesBuckets>, name: string, maxBuckets: number): SeriesBuckets {
  let b = map.get(name);
  if (!b) map.set(name, (b = new SeriesBuckets(maxBuckets)));
  return b;
}

/** Resolves a path from the run's files; undefined when it would leave the run folder. */
export function insideRun(runDir: string, rel: unknown): string | undefined {
  if (typeof rel !== 'string') return undefined;
  const abs = path.resolve(runDir, rel);
  const r = path.relative(runDir, abs);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? abs : undefined;
}

/** The sidecar of a grid, or undefined when it is missing, torn or not a grid's. */
export function readSidecar(file: string | undefined): SampleGridMeta | undefined {
  if (!file) return undefined;
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as SampleGridMeta;
    const ok = typeof m === 'object' && m !== null && Number.isInteger(m.rows) && Number.isInteger(m.cols) && Number.isInteger(m.cell) && Array.isArray(m.captions);
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sample events for every grid on disk: the logged ones, plus `step-NNNNNN.png`
 * files with no event (a log cut short, or rotated), so no snapshot is unreachable.
 */
export function samplesOnDisk(runDir: string, logged: ReadonlyMap<number, SampleEvent>, upToStep = Infinity): SampleEvent[] {
  const out = new Map(logged);
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(runDir, RUN_FILES.samplesDir));
  } catch {
    // no samples folder yet
  }
  for (const name of names) {
    const m = /^step-(\d+)\.png$/.exec(name);
    if (!m) continue;
    const step = Number(m[1]);
    // Past the run's last step: left by a segment a resume replaced, until it is rewritten.
    if (out.has(step) || step > upToStep) continue;
    const base = `${RUN_FILES.samplesDir}/step-${m[1]}`;
    out.set(step, { type: 'sample', t: 0, step, path: `${base}.png`, meta: `${base}.json` });
  }
  return [...out.values()].sort((a, b) => a.step - b.step);
}

/**
 * Turns sample events into snapshots the webview can load. A sidecar that
 * equals the previous one but for its step is left out (`metaAsBefore`), which
 * keeps a thousand snapshots of the same fixed captions small.
 */
export class SnapshotMaker {
  private prevKey?: string;

  constructor(
    private readonly runDir: string,
    /** A file inside the run folder → a URI the webview may load. */
    private readonly uriOf: (absPath: string) => string,
  ) {}

  make(e: SampleEvent): SampleSnapshot {
    const abs = insideRun(this.runDir, e.path);
    const meta = readSidecar(insideRun(this.runDir, e.meta));
    const real = meta?.real ? insideRun(this.runDir, meta.real) : undefined;
    const snap: SampleSnapshot = { step: e.step, uri: abs ? this.uriOf(abs) : '', realUri: real ? this.uriOf(real) : undefined };
    if (meta) {
      const key = JSON.stringify({ ...meta, step: 0 });
      if (key === this.prevKey) snap.metaAsBefore = true;
      else snap.meta = meta;
      this.prevKey = key;
    }
    return snap;
  }
}

/** A run's config.json snapshot, or undefined. */
export function readRunConfig(runDir: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8'));
  } catch {
    return undefined;
  }
}

export interface LoadOptions {
  post(msg: HostToDashboard): void;
  uriOf(absPath: string): string;
  /** True once the dashboard moved on (another run, closed): stop reading. */
  cancelled(): boolean;
  /** A file bigger than this first gets a quick view of its last `quickBytes`. */
  quickBytes?: number;
  /** Bytes per slice of the full scan; the host yields between slices. */
  sliceBytes?: number;
}

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Scans all of events.jsonl in slices; returns the history and the tail, positioned at the end, to follow the file from. */
export async function scanHistory(
  runDir: string,
  cancelled: () => boolean = () => false,
  sliceBytes = 4 << 20,
): Promise<{ history: RunHistory; tail: EventTail } | undefined> {
  const tail = new EventTail(path.join(runDir, RUN_FILES.events));
  const history = new RunHistory();
  for (;;) {
    const before = tail.bytesRead;
    history.apply(tail.read(sliceBytes));
    if (tail.bytesRead === before) break;
    await yieldToHost();
    if (cancelled()) return undefined;
  }
  return { history, tail };
}

/**
 * Posts a run's history: for a big file first a quick `history` built from its
 * first and last lines (partial), then the full decimated one. Returns the
 * tail to follow the file from, or undefined when cancelled.
 */
export async function loadRunHistory(runDir: string, o: LoadOptions): Promise<EventTail | undefined> {
  const file = path.join(runDir, RUN_FILES.events);
  const quickBytes = o.quickBytes ?? 512 * 1024;
  const config = readRunConfig(runDir);
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    // not written yet
  }
  if (size > quickBytes) {
    const quick = readEventsTail(file, quickBytes);
    const h = new RunHistory();
    if (quick.first) h.apply([quick.first]);
    h.apply(quick.events.filter((e) => e !== quick.first));
    o.post(historyMessage(runDir, h, o.uriOf, true, config, 0));
    await yieldToHost();
    if (o.cancelled()) return undefined;
  }
  const scanned = await scanHistory(runDir, o.cancelled, o.sliceBytes);
  if (!scanned || o.cancelled()) return undefined;
  const full = historyMessage(runDir, scanned.history, o.uriOf, false, config, scanned.tail.lines);
  if (full.type === 'history') {
    full.skipped = scanned.tail.skipped;
    full.tornLastLine = scanned.tail.hasPartialLine;
  }
  o.post(full);
  return scanned.tail;
}

export function historyMessage(
  runDir: string,
  h: RunHistory,
  uriOf: (abs: string) => string,
  partial: boolean,
  config: unknown,
  lines: number,
): HostToDashboard {
  const maker = new SnapshotMaker(runDir, uriOf);
  // A partial view has only the last lines' sample events; the folder has them all.
  const samples = samplesOnDisk(runDir, h.samples, h.lastStep ?? Infinity).map((e) => maker.make(e));
  return { type: 'history', series: h.series(), events: h.events(), samples, lines, partial, config };
}
