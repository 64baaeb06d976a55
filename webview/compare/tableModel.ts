// The metrics table of the compare view as plain data: which value is best
// per column (lower for distances, higher for scores), and how numbers print.
import type { CompareReport } from '../../protocol/compare';

/** FID, KID and their std columns: lower is better; every other metric here is a score. */
export function lowerIsBetter(metric: string): boolean {
  return /^(fid|kid)_/.test(metric) || /_std$/.test(metric);
}

export function formatMetric(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toFixed(4);
}

export function formatWall(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${Math.round(seconds)} s`;
}

export interface TableRow {
  name: string;
  method: string;
  steps: number;
  wall: string;
  cells: { text: string; best: boolean }[];
}

/** One row per run; a cell is best when it is the best of its column and the column's values differ. */
export function tableRows(report: CompareReport): TableRow[] {
  const best = report.metricNames.map((m) => {
    const vals = report.runs.map((r) => r.final[m]).filter((v): v is number => Number.isFinite(v));
    // Nothing to point out when fewer than two runs have it, or all are equal.
    if (vals.length < 2 || /_std$/.test(m) || Math.min(...vals) === Math.max(...vals)) return undefined;
    return lowerIsBetter(m) ? Math.min(...vals) : Math.max(...vals);
  });
  return report.runs.map((r) => ({
    name: r.name,
    method: r.method,
    steps: r.steps,
    wall: formatWall(r.wallSeconds),
    cells: report.metricNames.map((m, k) => ({ text: formatMetric(r.final[m]), best: best[k] !== undefined && r.final[m] === best[k] })),
  }));
}
