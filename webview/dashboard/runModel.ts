// What the dashboard knows about one run, built only from the run's events.
// Pure (no DOM): the same events always give the same model, so it is unit
// tested and the webview can rebuild it from scratch after a reload.
import type { BackendInfo, DoneEvent, RunEvent } from '../../protocol/events';
import type { SampleSnapshot } from '../../protocol/webview';

/** One loss head: parallel arrays, in step order. */
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
  return { startStep: 0, lossNames: [], series: new Map(), samples: [], recent: [] };
}

function seriesFor(run: RunModel, name: string): Series {
  let s = run.series.get(name);
  if (!s) {
    s = { steps: [], values: [] };
    run.series.set(name, s);
    if (!run.lossNames.includes(name)) run.lossNames.push(name);
  }
  return s;
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
          const s = seriesFor(run, name);
          // A resumed run may repeat steps; keep the series sorted by step.
          const last = s.steps[s.steps.length - 1];
          if (last !== undefined && e.step <= last) {
            const i = s.steps.findIndex((x) => x >= e.step);
            if (s.steps[i] === e.step) s.values[i] = value;
            else {
              s.steps.splice(i, 0, e.step);
              s.values.splice(i, 0, value);
            }
          } else {
            s.steps.push(e.step);
            s.values.push(value);
          }
        }
        run.lastStep = Math.max(run.lastStep ?? e.step, e.step);
        run.recent.push({ t: e.t, step: e.step });
        if (run.recent.length > RATE_WINDOW) run.recent.shift();
        break;
      }
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

/** Total number of loss points across heads (what the e2e and the empty state look at). */
export function pointCount(run: RunModel): number {
  let n = 0;
  for (const s of run.series.values()) n += s.steps.length;
  return n;
}
