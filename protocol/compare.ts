// `t2i compare` output (compare.json) and the messages of the compare
// webview. The host validates what the webview sends with
// `parseCompareMessage`; the webview checks what it receives with
// `parseHostToCompare` before drawing.

/** One point of a metric curve. */
export interface CurvePoint {
  step: number;
  /** Seconds of training since the run started (pauses between resumes left out). */
  seconds: number;
  value: number;
}

export interface ComparedRun {
  runDir: string;
  /** `<config stem>/<run id>`. */
  name: string;
  method: string;
  steps: number;
  wallSeconds: number;
  /** Each metric's latest value. */
  final: Record<string, number>;
  /** Each metric over the run, in step order. */
  curves: Record<string, CurvePoint[]>;
  /** The run's sample grid for the report's captions and noise (absolute path), when one was made. */
  grid?: string;
  /** Checkpoint step the grid was generated with. */
  gridStep?: number;
  /** Why no grid, when none. */
  gridError?: string;
}

export interface CompareReport {
  version: 1;
  /** ms since the Unix epoch. */
  created: number;
  captions: string[];
  noiseSeed: number;
  /** Every metric name of any run, in display order. */
  metricNames: string[];
  runs: ComparedRun[];
  notes: string[];
}

/**
 * Host → webview. `grids` maps run index to a webview URI of its grid.
 * `notice`: why part of the comparison is missing (Restricted Mode), shown above the report.
 */
export type HostToCompare =
  | { type: 'report'; report: CompareReport; grids: (string | null)[]; notice?: string }
  | { type: 'progress'; message: string }
  | { type: 'error'; message: string };

/** Webview → host. */
export type CompareToHost = { type: 'ready' } | { type: 'openRun'; index: number };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseCompareMessage(msg: unknown): CompareToHost | undefined {
  if (!isRecord(msg)) return undefined;
  if (msg.type === 'ready') return { type: 'ready' };
  if (msg.type === 'openRun' && typeof msg.index === 'number' && Number.isSafeInteger(msg.index) && msg.index >= 0 && msg.index < 1000) return { type: 'openRun', index: msg.index };
  return undefined;
}

function parseCurves(v: unknown): Record<string, CurvePoint[]> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, CurvePoint[]> = {};
  for (const [k, pts] of Object.entries(v)) {
    if (!Array.isArray(pts)) return undefined;
    const clean: CurvePoint[] = [];
    for (const p of pts) {
      if (!isRecord(p) || !finite(p.step) || !finite(p.seconds) || !finite(p.value)) return undefined;
      clean.push({ step: p.step, seconds: p.seconds, value: p.value });
    }
    out[k] = clean;
  }
  return out;
}

function parseFinal(v: unknown): Record<string, number> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (finite(x)) out[k] = x;
  return out;
}

/** Checks a compare report (from compare.json or a host message); undefined when its shape is wrong. */
export function parseCompareReport(v: unknown): CompareReport | undefined {
  if (!isRecord(v) || v.version !== 1 || !Array.isArray(v.runs) || !Array.isArray(v.captions) || !Array.isArray(v.metricNames)) return undefined;
  const runs: ComparedRun[] = [];
  for (const r of v.runs) {
    if (!isRecord(r) || typeof r.runDir !== 'string' || typeof r.name !== 'string' || typeof r.method !== 'string' || !finite(r.steps) || !finite(r.wallSeconds)) return undefined;
    const final = parseFinal(r.final);
    const curves = parseCurves(r.curves);
    if (!final || !curves) return undefined;
    runs.push({
      runDir: r.runDir, name: r.name, method: r.method, steps: r.steps, wallSeconds: r.wallSeconds, final, curves,
      ...(typeof r.grid === 'string' ? { grid: r.grid } : {}),
      ...(finite(r.gridStep) ? { gridStep: r.gridStep } : {}),
      ...(typeof r.gridError === 'string' ? { gridError: r.gridError } : {}),
    });
  }
  return {
    version: 1,
    created: finite(v.created) ? v.created : 0,
    captions: v.captions.filter((c): c is string => typeof c === 'string'),
    noiseSeed: finite(v.noiseSeed) ? v.noiseSeed : 0,
    metricNames: v.metricNames.filter((c): c is string => typeof c === 'string'),
    runs,
    notes: Array.isArray(v.notes) ? v.notes.filter((c): c is string => typeof c === 'string') : [],
  };
}

export function parseHostToCompare(msg: unknown): HostToCompare | undefined {
  if (!isRecord(msg)) return undefined;
  if ((msg.type === 'progress' || msg.type === 'error') && typeof msg.message === 'string') return { type: msg.type, message: msg.message };
  if (msg.type === 'report' && Array.isArray(msg.grids)) {
    const report = parseCompareReport(msg.report);
    if (!report || msg.grids.length !== report.runs.length) return undefined;
    return {
      type: 'report', report, grids: msg.grids.map((g) => (typeof g === 'string' ? g : null)),
      ...(typeof msg.notice === 'string' && msg.notice ? { notice: msg.notice } : {}),
    };
  }
  return undefined;
}
