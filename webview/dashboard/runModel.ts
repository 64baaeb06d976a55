// What the dashboard knows about one run, built only from the run's events.
// Pure (no DOM): the same events always give the same model, so it is unit
// tested and the webview can rebuild it from scratch after a reload.
import type { BackendInfo, DoneEvent, RunEvent } from '../../protocol/events';
import type { SampleSnapshot } from '../../protocol/webview';

/** One loss head or metric: parallel arrays, in step order, one value per step. */
export interface Series {
  steps: number[];
  values: number[];
}

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
}

/** How many recent step events the steps/s estimate averages over. */
const RATE_WINDOW = 20;

export function emptyRun(): RunModel {
  return { startStep: 0, lossNames: [], series: new Map(), metricNames: [], metrics: new Map(), samples: [], recent: [] };
}

function seriesIn(map: Map<string, Series>, names: string[], name: string): Series {
  let s = map.get(name);
  if (!s) {
    s = { steps: [], values: [] };
    map.set(name, s);
    if (!names.includes(name)) names.push(name);
  }
  return s;
}

/** Adds a point; a repeated step replaces its value, an earlier one is inserted in order. */
function addPoint(s: Series, step: number, value: number): void {
  const last = s.steps[s.steps.length - 1];
  if (last === undefined || step > last) {
    s.steps.push(step);
    s.values.push(value);
    return;
  }
  // A resumed run may repeat steps; keep the series sorted by step.
  const i = s.steps.findIndex((x) => x >= step);
  if (s.steps[i] === step) s.values[i] = value;
  else {
    s.steps.splice(i, 0, step);
    s.values.splice(i, 0, value);
  }
}

/** Folds events into the model (mutates and returns it). */
export function applyEvents(run: RunModel, events: readonly RunEvent[]): RunModel {
  for (const e of events) {
    switch (e.type) {
      case 'run_started':
        run.runId = e.runId;
        run.method = e.method;
        run.backend = e.backend;
        run.totalSteps = e.totalSteps;
        run.startStep = e.startStep;
        for (const n of e.lossNames) if (!run.lossNames.includes(n)) run.lossNames.push(n);
        break;
      case 'step': {
        for (const [name, value] of Object.entries(e.losses)) {
          if (typeof value !== 'number') continue;
          addPoint(seriesIn(run.series, run.lossNames, name), e.step, value);
        }
        run.lastStep = Math.max(run.lastStep ?? e.step, e.step);
        run.recent.push({ t: e.t, step: e.step });
        if (run.recent.length > RATE_WINDOW) run.recent.shift();
        break;
      }
      case 'metrics':
        for (const [name, value] of Object.entries(e.metrics ?? {})) {
          if (typeof value !== 'number' || typeof e.step !== 'number') continue;
          addPoint(seriesIn(run.metrics, run.metricNames, name), e.step, value);
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

/** Adds sample snapshots, keeping them sorted and unique by step (mutates and returns). */
export function addSamples(run: RunModel, samples: readonly SampleSnapshot[]): RunModel {
  for (const s of samples) {
    const i = run.samples.findIndex((x) => x.step >= s.step);
    if (i < 0) run.samples.push(s);
    else if (run.samples[i].step === s.step) run.samples[i] = s;
    else run.samples.splice(i, 0, s);
  }
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
