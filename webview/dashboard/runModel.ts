// What the dashboard knows about one run, built only from the run's events.
// Pure (no DOM): the same events always give the same model, so it is unit
// tested and the webview can rebuild it from scratch after a reload.
import type { BackendInfo, DoneEvent, RunEvent } from '../../protocol/events';
import type { HostToDashboard, SampleSnapshot, SeriesDigest } from '../../protocol/webview';

/**
 * One loss head or metric: parallel arrays in step order. A point is one step,
 * or (history decimated by the host) a bucket of steps: then `agg` holds each
 * point's step count and lowest and highest value, and `values` the mean.
 */
export interface Series {
  steps: number[];
  values: number[];
  /** Wall-clock ms of each point (its last step). */
  t: number[];
  agg?: { count: number[]; min: number[]; max: number[] };
}

type HistoryMessage = Extract<HostToDashboard, { type: 'history' }>;

export interface RunModel {
  runId?: string;
  method?: string;
  backend?: BackendInfo;
  totalSteps?: number;
  startStep: number;
  /** Loss heads in display order: run_started's lossNames first, then any others seen. */
  lossNames: string[];
  series: Map<string, Series>;
  /** Metric names (from `metrics` events) in the order first seen. */
  metricNames: string[];
  metrics: Map<string, Series>;
  /** Sorted by step, one per step. */
  samples: SampleSnapshot[];
  lastStep?: number;
  lastCheckpoint?: { step: number; path: string };
  done?: DoneEvent;
  /** The last `error` event's message. */
  lastError?: string;
  /** Recent (t, step) pairs, for the steps/s estimate. */
  recent: { t: number; step: number }[];
  /** The run's config.json snapshot, when the host sent it. */
  config?: unknown;
  /** The history so far is only the end of a long log (the full one is on its way). */
  partial?: boolean;
  /** Lines of events.jsonl that could not be read, and whether its last line is cut short. */
  skippedLines?: number;
  tornLastLine?: boolean;
}

/** How many recent step events the steps/s estimate averages over. */
const RATE_WINDOW = 20;
/**
 * Points a series may hold before neighbours are merged into buckets: a
 * dashboard left open on a long live run stays bounded in memory and redraw time.
 */
export const MAX_SERIES_POINTS = 200_000;

export function emptyRun(): RunModel {
  return { startStep: 0, lossNames: [], series: new Map(), metricNames: [], metrics: new Map(), samples: [], recent: [] };
}

function seriesIn(map: Map<string, Series>, names: string[], name: string): Series {
  let s = map.get(name);
  if (!s) {
    s = { steps: [], values: [], t: [] };
    map.set(name, s);
    if (!names.includes(name)) names.push(name);
  }
  return s;
}

/** Adds a one-step point; a repeated step replaces its value, an earlier one is inserted in order. */
function addPoint(s: Series, step: number, t: number, value: number): void {
  const last = s.steps[s.steps.length - 1];
  let i = s.steps.length;
  if (last !== undefined && step <= last) {
    // Out of order: keep the series sorted by step.
    i = s.steps.findIndex((x) => x >= step);
    if (s.steps[i] === step) {
      s.values[i] = value;
      s.t[i] = t;
      if (s.agg) {
        s.agg.count[i] = 1;
        s.agg.min[i] = s.agg.max[i] = value;
      }
      return;
    }
  }
  s.steps.splice(i, 0, step);
  s.values.splice(i, 0, value);
  s.t.splice(i, 0, t);
  if (s.agg) {
    s.agg.count.splice(i, 0, 1);
    s.agg.min.splice(i, 0, value);
    s.agg.max.splice(i, 0, value);
  }
}

/**
 * Halves a series by merging neighbouring points into buckets (count-weighted
 * mean, lowest, highest; the later step and time), the way the host decimates
 * history. Mutates and returns it.
 */
export function compactSeries(s: Series): Series {
  const n = s.steps.length;
  const count = s.agg?.count ?? new Array<number>(n).fill(1);
  const min = s.agg?.min ?? s.values.slice();
  const max = s.agg?.max ?? s.values.slice();
  const out: Series = { steps: [], values: [], t: [], agg: { count: [], min: [], max: [] } };
  for (let i = 0; i < n; i += 2) {
    const j = Math.min(i + 1, n - 1);
    const c = j > i ? count[i] + count[j] : count[i];
    const finite = [i, j].filter((k, idx) => (idx === 0 || j > i) && Number.isFinite(s.values[k]));
    const w = finite.reduce((a, k) => a + count[k], 0);
    out.steps.push(s.steps[j]);
    out.t.push(s.t[j]);
    out.values.push(w ? finite.reduce((a, k) => a + s.values[k] * count[k], 0) / w : NaN);
    out.agg!.count.push(c);
    out.agg!.min.push(j > i ? lowest(min[i], min[j]) : min[i]);
    out.agg!.max.push(j > i ? -lowest(-max[i], -max[j]) : max[i]);
  }
  Object.assign(s, out);
  return s;
}

/** The smaller of two values, where a NaN loses to any number. */
function lowest(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

/** Drops the points after `step`. */
function truncateSeries(s: Series, step: number): void {
  let n = s.steps.length;
  while (n > 0 && s.steps[n - 1] > step) n--;
  for (const a of [s.steps, s.values, s.t, ...(s.agg ? [s.agg.count, s.agg.min, s.agg.max] : [])]) a.length = n;
}

/**
 * A resume continues from its checkpoint's step: what the interrupted segment
 * logged after it is stale and goes (the same rule as protocol/resumedSteps.ts).
 */
function dropAfterResume(run: RunModel, from: number): void {
  for (const s of [...run.series.values(), ...run.metrics.values()]) truncateSeries(s, from);
  run.samples = run.samples.filter((x) => x.step <= from);
  run.recent = run.recent.filter((r) => r.step <= from);
  if (run.lastCheckpoint && run.lastCheckpoint.step > from) run.lastCheckpoint = undefined;
  if (run.lastStep !== undefined) run.lastStep = Math.min(run.lastStep, from);
}

/** Folds events into the model (mutates and returns it). */
export function applyEvents(run: RunModel, events: readonly RunEvent[]): RunModel {
  for (const e of events) {
    switch (e.type) {
      case 'run_started': {
        const from = e.resumedFrom?.step ?? (run.lastStep !== undefined ? e.startStep : undefined);
        if (from !== undefined) dropAfterResume(run, from);
        // A new segment: the earlier one's end and error are history.
        run.done = undefined;
        run.lastError = undefined;
        run.runId = e.runId;
        run.method = e.method;
        run.backend = e.backend;
        run.totalSteps = e.totalSteps;
        run.startStep = e.startStep;
        for (const n of e.lossNames) if (!run.lossNames.includes(n)) run.lossNames.push(n);
        break;
      }
      case 'step': {
        for (const [name, value] of Object.entries(e.losses)) {
          if (typeof value !== 'number') continue;
          const s = seriesIn(run.series, run.lossNames, name);
          addPoint(s, e.step, e.t, value);
          if (s.steps.length > MAX_SERIES_POINTS) compactSeries(s);
        }
        run.lastStep = Math.max(run.lastStep ?? e.step, e.step);
        run.recent.push({ t: e.t, step: e.step });
        if (run.recent.length > RATE_WINDOW) run.recent.shift();
        break;
      }
      case 'metrics':
        for (const [name, value] of Object.entries(e.metrics ?? {})) {
          if (typeof value !== 'number' || typeof e.step !== 'number') continue;
          addPoint(seriesIn(run.metrics, run.metricNames, name), e.step, e.t, value);
        }
        break;
      case 'checkpoint':
        run.lastCheckpoint = { step: e.step, path: e.path };
        break;
      case 'error':
        run.lastError = e.message;
        break;
      case 'done':
        run.done = e;
        run.lastStep = Math.max(run.lastStep ?? e.step, e.step);
        break;
      case 'sample':
      case 'log':
        break;
    }
  }
  return run;
}

/**
 * Adds sample snapshots, keeping them sorted and unique by step (mutates and
 * returns). A snapshot sent without its sidecar because it equals the previous
 * one's (`metaAsBefore`) gets that sidecar, with its own step.
 */
export function addSamples(run: RunModel, samples: readonly SampleSnapshot[]): RunModel {
  for (let s of samples) {
    let i = run.samples.findIndex((x) => x.step >= s.step);
    if (i < 0) i = run.samples.length;
    if (s.metaAsBefore && !s.meta) {
      const prev = run.samples[i - 1]?.meta;
      if (prev) s = { ...s, meta: { ...prev, step: s.step } };
    }
    if (run.samples[i]?.step === s.step) run.samples[i] = s;
    else run.samples.splice(i, 0, s);
  }
  return run;
}

/** A series from the host's decimated digest. */
export function seriesFromDigest(d: SeriesDigest): Series {
  const s: Series = { steps: d.steps.slice(), values: d.values.slice(), t: d.t.slice() };
  if (d.count && d.min && d.max) s.agg = { count: d.count.slice(), min: d.min.slice(), max: d.max.slice() };
  return s;
}

/** A fresh model from the host's `history` message (the digest replaces whatever was shown). */
export function runFromHistory(msg: HistoryMessage): RunModel {
  const run = emptyRun();
  // Steps among the events are the last few, for the speed estimate; the digest has them all.
  applyEvents(run, msg.events.filter((e) => e.type !== 'step'));
  for (const e of msg.events) {
    if (e.type !== 'step') continue;
    run.recent.push({ t: e.t, step: e.step });
    run.lastStep = Math.max(run.lastStep ?? e.step, e.step);
  }
  for (const d of msg.series) {
    const s = seriesFromDigest(d);
    if (d.kind === 'loss') {
      run.series.set(d.name, s);
      if (!run.lossNames.includes(d.name)) run.lossNames.push(d.name);
    } else {
      run.metrics.set(d.name, s);
      if (!run.metricNames.includes(d.name)) run.metricNames.push(d.name);
    }
    const last = d.steps[d.steps.length - 1];
    if (d.kind === 'loss' && last !== undefined) run.lastStep = Math.max(run.lastStep ?? last, last);
  }
  addSamples(run, msg.samples);
  run.config = msg.config;
  run.partial = msg.partial;
  run.skippedLines = msg.skipped;
  run.tornLastLine = msg.tornLastLine;
  return run;
}

/** Training speed over the recent step events, or undefined when there are too few. */
export function stepsPerSecond(run: RunModel): number | undefined {
  const r = run.recent;
  if (r.length < 2) return undefined;
  const a = r[0];
  const b = r[r.length - 1];
  const dt = b.t - a.t;
  if (dt <= 0 || b.step <= a.step) return undefined;
  return ((b.step - a.step) * 1000) / dt;
}

/** Total number of points across the series (default: the losses, which the e2e and the empty state look at). */
export function pointCount(run: RunModel, series: Map<string, Series> = run.series): number {
  let n = 0;
  for (const s of series.values()) n += s.steps.length;
  return n;
}

/** Methods that train no generator, so write no sample grids. */
const NO_SAMPLE_METHODS: ReadonlySet<string> = new Set(['damsm']);

/** False when the run's method is known to write no sample grids (DAMSM encoder pretraining). */
export function writesSamples(run: RunModel): boolean {
  return run.method === undefined || !NO_SAMPLE_METHODS.has(run.method);
}
