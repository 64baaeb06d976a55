// What T2I: Compare Runs does, decided apart from VS Code so it is unit
// tested: in a trusted workspace it forks `t2i compare` (which loads each
// run's latest checkpoint to render grids); in Restricted Mode it spawns
// nothing and builds a metrics-only report in the host from events.jsonl
// (viewing run folders is allowed, loading checkpoints is not).
import path from 'node:path';
import type { CompareReport } from '../protocol/compare';
import { orderMetricNames, summarizeRun } from '../models/eval/runSummary';

/** Shown in the view (and as each run's "no grid" reason) when the workspace is untrusted. */
export const RESTRICTED_COMPARE_NOTICE =
  'Restricted Mode: sample grids are not generated, because that loads the runs’ checkpoints. Metrics and curves are read from the run folders. Trust the workspace and run T2I: Compare Runs again to see the grids.';

export type ComparePlan =
  /** Fork the CLI with these arguments. */
  | { kind: 'cli'; args: string[]; jsonFile: string }
  /** Spawn nothing; show this report (no grids) and the notice. */
  | { kind: 'metricsOnly'; notice: string };

export function comparePlan(trusted: boolean, runDirs: readonly string[], outDir: string): ComparePlan {
  if (!trusted) return { kind: 'metricsOnly', notice: RESTRICTED_COMPARE_NOTICE };
  const jsonFile = path.join(outDir, 'compare.json');
  return { kind: 'cli', args: ['compare', ...runDirs, '--out', outDir, '--json', jsonFile], jsonFile };
}

/**
 * The report `t2i compare --no-grids` would write, built in-process from each
 * run's events alone (no tfjs, no checkpoint is opened). Every run carries the
 * reason it has no grid.
 */
export function metricsOnlyReport(runDirs: readonly string[]): CompareReport {
  const runs = runDirs.map((d) => ({ ...summarizeRun(d), gridError: 'not generated in Restricted Mode (it would load a checkpoint)' }));
  return {
    version: 1,
    created: Date.now(),
    captions: [],
    noiseSeed: 0,
    metricNames: orderMetricNames(runs.flatMap((r) => Object.keys(r.final))),
    runs,
    // The view shows the plan's notice above the report; no need to repeat it here.
    notes: [],
  };
}
