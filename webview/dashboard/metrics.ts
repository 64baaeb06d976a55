// Evaluation metrics (retrieval accuracy, FID, oracle scores, ...) for the
// metrics chart: which are fractions shown as percentages, their latest values
// and the chart's lines. Pure (no DOM, no Chart.js).
import type { RunModel, Series } from './runModel';
import { formatLoss, type Point } from './seriesMath';

/** Names of metrics that are fractions of 1: top-k retrieval, accuracy, precision, recall. */
const FRACTION_NAME = /(?:^|[_\-.])(?:top-?\d+|acc|accuracy|precision|recall(?:@\d+)?|r@\d+)$/i;

/**
 * A metric is shown as a percentage only when its name says it is a fraction
 * (`*_top1`, `*accuracy`, ...) and every value logged is in [0, 1]; anything
 * else (FID, a loss-like score, an accuracy logged as 0–100) is shown as is.
 */
export function isPercentMetric(name: string, values: readonly number[]): boolean {
  if (!FRACTION_NAME.test(name) || values.length === 0) return false;
  return values.every((v) => Number.isNaN(v) || (v >= 0 && v <= 1));
}

/** A metric's value for people: "94.2%" for a percent metric, else like a loss ("45.31"). */
export function formatMetric(value: number, percent: boolean): string {
  if (!Number.isFinite(value)) return String(value);
  if (!percent) return formatLoss(value);
  const p = value * 100;
  // One decimal is honest for test sets of hundreds of images; 100% and 0% stay whole.
  return `${p === 0 || p === 100 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export interface MetricSummary {
  name: string;
  percent: boolean;
  /** Step and value of the latest point. */
  step: number;
  value: number;
  /** e.g. "94.2%" */
  text: string;
  /** Points for the chart, in step order. */
  points: Point[];
}

function summarize(name: string, s: Series): MetricSummary | undefined {
  const n = Math.min(s.steps.length, s.values.length);
  if (n === 0) return undefined;
  const percent = isPercentMetric(name, s.values);
  const points = new Array<Point>(n);
  for (let i = 0; i < n; i++) points[i] = { x: s.steps[i], y: s.values[i] };
  const value = s.values[n - 1];
  return { name, percent, step: s.steps[n - 1], value, text: formatMetric(value, percent), points };
}

/** The run's metrics that have points, in the order first seen. */
export function metricSummaries(run: RunModel): MetricSummary[] {
  const out: MetricSummary[] = [];
  for (const name of run.metricNames) {
    const s = run.metrics.get(name);
    const m = s && summarize(name, s);
    if (m) out.push(m);
  }
  return out;
}

/**
 * Which y axis each metric goes on: percentages share a 0–100% axis; other
 * values get their own scale (on the right when both kinds are present).
 */
export function metricAxes(metrics: readonly MetricSummary[]): { percent: boolean; value: boolean } {
  return { percent: metrics.some((m) => m.percent), value: metrics.some((m) => !m.percent) };
}

/** Smallest and largest step across series, to line the metrics chart's x axis up with the losses'. */
export function stepExtent(...groups: Iterable<Series>[]): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const group of groups) {
    for (const s of group) {
      if (s.steps.length === 0) continue;
      min = Math.min(min, s.steps[0]);
      max = Math.max(max, s.steps[s.steps.length - 1]);
    }
  }
  return min <= max ? { min, max } : undefined;
}
