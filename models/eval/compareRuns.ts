// `t2i compare <run-dir>...`: several runs side by side. Final metrics and
// metric curves (over steps and training seconds) come from each run's
// events; one sample grid per run is generated with its latest checkpoint for
// the same captions and the same noise, into the compare folder as PNGs,
// next to compare.json.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CompareReport } from '../../protocol/compare';
import type { BackendChoice } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { Rng } from '../data/rng';
import { writeFileAtomic } from '../run/atomicWrite';
import { RUN_FILES } from '../run/layout';
import { loadRun } from '../train/sample';
import { gridLayout, tileGridPng, toRgbBytes } from '../train/sampleGrid';
import { orderMetricNames, summarizeRun } from './runSummary';

export interface CompareOptions {
  runDirs: string[];
  /** Folder for the grids and compare.json. */
  outDir: string;
  /** Where to write the JSON (default `<outDir>/compare.json`). */
  jsonFile?: string;
  /** Captions of the grids (default: the first run's latest sample-grid captions). */
  captions?: string[];
  noiseSeed?: number;
  /** Skip generating grids (metrics only). */
  noGrids?: boolean;
  backend?: BackendChoice;
  log?: (line: string) => void;
}

/** The captions of a run's latest sample grid (its sidecar JSON). */
export function latestGridCaptions(runDir: string): string[] | undefined {
  const dir = path.join(runDir, RUN_FILES.samplesDir);
  const metas = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^step-\d+\.json$/.test(f)).sort() : [];
  for (const f of metas.reverse()) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { captions?: unknown };
      if (Array.isArray(meta.captions) && meta.captions.every((c) => typeof c === 'string') && meta.captions.length) return meta.captions as string[];
    } catch {
      // an unreadable sidecar: try the previous one
    }
  }
  return undefined;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export async function compareRuns(opts: CompareOptions): Promise<{ report: CompareReport; jsonFile: string }> {
  const log = opts.log ?? console.log;
  if (opts.runDirs.length < 1) throw new Error('compare needs at least one run folder');
  const runs = opts.runDirs.map((d) => summarizeRun(d));
  const notes: string[] = [];
  const captions = opts.captions ?? latestGridCaptions(runs[0].runDir) ?? [];
  const noiseSeed = opts.noiseSeed ?? 1234;
  fs.mkdirSync(opts.outDir, { recursive: true });
  if (!opts.noGrids && !captions.length) notes.push(`no grids: ${runs[0].runDir} has no sample grid to take captions from; give --captions FILE`);
  if (!opts.noGrids && captions.length) {
    await initBackend({ choice: opts.backend ?? 'auto', log });
    const noiseDims = new Set<number>();
    for (const [i, r] of runs.entries()) {
      try {
        const run = await loadRun(r.runDir, log);
        try {
          const maxWords = run.cfg.text.maxWords;
          const ids = new Int32Array(captions.length * maxWords);
          captions.forEach((c, k) => ids.set(run.vocab.encode(c, maxWords).ids, k * maxWords));
          // The same seed for every run: identical noise wherever noise sizes agree.
          const rng = new Rng(noiseSeed);
          const noise = Float32Array.from({ length: captions.length * run.method.noiseDim }, () => rng.normal());
          noiseDims.add(run.method.noiseDim);
          const cells: Uint8Array[] = [];
          for (let start = 0; start < captions.length; start += 32) {
            const n = Math.min(32, captions.length - start);
            const images = tf.tidy(() =>
              run.method.generate(
                tf.tensor2d(ids.subarray(start * maxWords, (start + n) * maxWords), [n, maxWords], 'int32'),
                tf.tensor2d(noise.subarray(start * run.method.noiseDim, (start + n) * run.method.noiseDim), [n, run.method.noiseDim]),
              ),
            );
            cells.push(...toRgbBytes(images));
            images.dispose();
          }
          const file = path.join(path.resolve(opts.outDir), `${String(i).padStart(2, '0')}-${safeName(r.name)}.png`);
          writeFileAtomic(file, tileGridPng(cells, gridLayout(cells.length, run.cfg.imageSize)));
          r.grid = file;
          r.gridStep = run.step;
          log(`grid of ${r.name} (step ${run.step}): ${file}`);
        } finally {
          run.method.dispose();
        }
      } catch (e) {
        r.gridError = (e as Error).message;
        log(`warning: no grid for ${r.name}: ${r.gridError}`);
      }
    }
    if (noiseDims.size > 1) notes.push(`noise sizes differ between methods (${[...noiseDims].join(', ')}): each grid uses the first N numbers of the same noise stream`);
  }
  const report: CompareReport = {
    version: 1,
    created: Date.now(),
    captions,
    noiseSeed,
    metricNames: orderMetricNames(runs.flatMap((r) => Object.keys(r.final))),
    runs,
    notes,
  };
  const jsonFile = path.resolve(opts.jsonFile ?? path.join(opts.outDir, 'compare.json'));
  writeFileAtomic(jsonFile, JSON.stringify(report, null, 2) + '\n');
  return { report, jsonFile };
}

/** The report as a text table: one row per run, one column per metric (the first `maxMetrics`, no std columns). */
export function compareTable(report: CompareReport, maxMetrics = 8): string {
  const headline = report.metricNames.filter((m) => !m.endsWith('_std'));
  const metrics = headline.slice(0, maxMetrics);
  const header = ['run', 'method', 'steps', 'wall', ...metrics];
  const fmt = (v: number | undefined) => (v === undefined ? '-' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));
  const wall = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);
  const rows = report.runs.map((r) => [r.name, r.method, String(r.steps), wall(r.wallSeconds), ...metrics.map((m) => fmt(r.final[m]))]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k < 2 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  const more = report.metricNames.length > metrics.length ? [`(${report.metricNames.length - metrics.length} more metrics, std columns included, in the JSON)`] : [];
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...more].join('\n');
}
