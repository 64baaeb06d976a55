// The charts' x axis: training step, or wall time since the run's first logged
// point. Converting between the two goes through a loss series' (step, t)
// pairs, so the slider's cursor and a click land on the same step either way. Pure.
import type { Series } from './runModel';

export type XAxisMode = 'step' | 'time';

export function parseXAxisMode(v: unknown): XAxisMode {
  return v === 'time' ? 'time' : 'step';
}

/** The earliest wall time across the series (ms), the origin of the time axis. */
export function timeOrigin(series: Iterable<Series>): number | undefined {
  let t0: number | undefined;
  for (const s of series) if (s.t.length && (t0 === undefined || s.t[0] < t0)) t0 = s.t[0];
  return t0;
}

/** Index of the last element <= v in ascending xs (0 when v precedes them all). */
function atOrBefore(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The x value of a step: the step itself, or seconds since `t0` of the point at or before it. */
export function xOfStep(step: number, mode: XAxisMode, ref: Series | undefined, t0: number | undefined): number | undefined {
  if (mode === 'step') return step;
  if (!ref || ref.steps.length === 0 || t0 === undefined) return undefined;
  return (ref.t[atOrBefore(ref.steps, step)] - t0) / 1000;
}

/** The step at an x value (inverse of xOfStep). */
export function stepOfX(x: number, mode: XAxisMode, ref: Series | undefined, t0: number | undefined): number | undefined {
  if (mode === 'step') return x;
  if (!ref || ref.steps.length === 0 || t0 === undefined) return undefined;
  const ms = t0 + x * 1000;
  // Times are ascending within a run (one trainer writes them in order).
  return ref.steps[atOrBefore(ref.t, ms)];
}

/** Elapsed seconds for an axis tick or tooltip: "45 s", "12 min", "2 h 05". */
export function formatElapsed(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')}`;
}
