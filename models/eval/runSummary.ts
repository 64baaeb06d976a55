// What `t2i compare` reads from a run folder: method, steps, training wall
// time (up to its last training event) and every metric over steps and
// seconds, from events.jsonl alone.
import fs from 'node:fs';
import path from 'node:path';
import type { ComparedRun, CurvePoint } from '../../protocol/compare';
import type { RunEvent } from '../../protocol/events';
import { RUN_FILES } from '../run/layout';
import { readAllEvents } from '../run/runReader';

/**
 * Seconds of training at each event: time since the latest `run_started`,
 * plus the length of every earlier session (so the gap before a resume is
 * not counted).
 */
function trainingSeconds(events: RunEvent[]): number[] {
  let before = 0;
  let start: number | undefined;
  let last: number | undefined;
  return events.map((e) => {
    if (e.type === 'run_started') {
      if (start !== undefined && last !== undefined) before += (last - start) / 1000;
      start = e.t;
    }
    last = e.t;
    return before + (start === undefined ? 0 : (e.t - start) / 1000);
  });
}

export function summarizeRun(runDir: string): ComparedRun {
  const abs = path.resolve(runDir);
  if (!fs.existsSync(path.join(abs, RUN_FILES.events))) throw new Error(`${abs} is not a run folder (no ${RUN_FILES.events})`);
  const events = readAllEvents(abs);
  const seconds = trainingSeconds(events);
  const started = events.find((e) => e.type === 'run_started');
  let steps = 0;
  let trainedSeconds = 0;
  // When each step was trained: evaluations (in the background, or by t2i eval long after
  // the run) are placed at the time of the step they score, and do not count as training.
  const stepSeconds = new Map<number, number>();
  events.forEach((e, i) => {
    if (e.type === 'step' || e.type === 'checkpoint' || e.type === 'done' || e.type === 'run_started') {
      trainedSeconds = seconds[i];
      const step = e.type === 'run_started' ? e.startStep : e.step;
      if (!stepSeconds.has(step)) stepSeconds.set(step, seconds[i]);
    }
  });
  const curves: Record<string, CurvePoint[]> = {};
  events.forEach((e, i) => {
    if ('step' in e && typeof e.step === 'number') steps = Math.max(steps, e.step);
    if (e.type !== 'metrics') return;
    const at = stepSeconds.get(e.step) ?? Math.min(seconds[i], trainedSeconds);
    for (const [k, v] of Object.entries(e.metrics)) {
      if (!Number.isFinite(v)) continue;
      (curves[k] ??= []).push({ step: e.step, seconds: Math.round(at * 10) / 10, value: v });
    }
  });
  const final: Record<string, number> = {};
  for (const [k, pts] of Object.entries(curves)) {
    // Latest by step; a later evaluation of the same step (t2i eval after training) wins.
    pts.sort((a, b) => a.step - b.step);
    final[k] = pts[pts.length - 1].value;
  }
  const stem = path.basename(path.dirname(abs));
  return {
    runDir: abs,
    name: `${stem}/${path.basename(abs)}`,
    method: started?.type === 'run_started' ? started.method : 'unknown',
    steps,
    wallSeconds: Math.round(trainedSeconds * 10) / 10,
    final,
    curves,
  };
}

/** Display order of metric names: the headline metrics first, then the rest alphabetically. */
export function orderMetricNames(names: Iterable<string>): string[] {
  const rank = (n: string) => {
    const order = ['fid_', 'kid_', 'is_', 'rprec', 'oracle_all', 'heldout_all', 'retrieval', 'oracle_', 'heldout_'];
    const i = order.findIndex((p) => n.startsWith(p));
    return i < 0 ? order.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
