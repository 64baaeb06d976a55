// `t2i compare`: metrics and curves read from run folders (training seconds
// leave out the gap before a resume), one grid per run for the same captions
// and noise, compare.json that the compare view accepts, and the view's
// message checks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseCompareMessage, parseCompareReport, parseHostToCompare } from '../../protocol/compare';
import { decodePng } from '../../models/data/png';
import { compareRuns, compareTable } from '../../models/eval/compareRuns';
import { orderMetricNames, summarizeRun } from '../../models/eval/runSummary';
import { lowerIsBetter, tableRows } from '../../webview/compare/tableModel';
import { train } from '../../models/train/trainer';

test('summarizeRun: final metrics, curves over steps and training seconds (resume gap and late evaluations left out)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cmp-'));
  const runDir = path.join(dir, 'runs', 'cfg', '20261122-010203');
  fs.mkdirSync(runDir, { recursive: true });
  const started = (t: number, startStep: number) => ({ type: 'run_started', t, version: 1, runId: 'x', method: 'xmcgan', configPath: 'c', backend: { name: 'cpu', threads: 1, attempts: [] }, pid: 1, startStep, totalSteps: 100, imageSize: 32, lossNames: [] });
  const events = [
    started(1_000, 0),
    { type: 'step', t: 2_000, step: 10, losses: {}, stepMs: 1 },
    { type: 'metrics', t: 3_000, step: 10, metrics: { fid_cls: 50, oracle_all: 0.2 } },
    { type: 'done', t: 5_000, step: 20, reason: 'stopped' },
    started(100_000, 20), // resumed much later: the 95 s gap is not training
    { type: 'step', t: 103_000, step: 30, losses: {}, stepMs: 1 },
    { type: 'metrics', t: 104_000, step: 30, metrics: { fid_cls: 20, oracle_all: 0.6 } }, // a background evaluation of step 30
    { type: 'metrics', t: 900_000, step: 30, metrics: { fid_cls: 19, rprec: 0.4 } }, // t2i eval of the same checkpoint, much later
  ];
  fs.writeFileSync(path.join(runDir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const s = summarizeRun(runDir);
  assert.equal(s.name, 'cfg/20261122-010203');
  assert.equal(s.method, 'xmcgan');
  assert.equal(s.steps, 30);
  assert.equal(s.wallSeconds, 4 + 3); // 1→5 s, then 100→103 s; evaluations after the last step are not training
  // Each evaluation is placed at the time its step was trained.
  assert.deepEqual(s.curves.fid_cls, [{ step: 10, seconds: 1, value: 50 }, { step: 30, seconds: 7, value: 20 }, { step: 30, seconds: 7, value: 19 }]);
  assert.deepEqual(s.final, { fid_cls: 19, oracle_all: 0.6, rprec: 0.4 });
  assert.deepEqual(orderMetricNames(['oracle_color', 'rprec', 'oracle_all', 'fid_cls', 'kid_cls', 'zeta']), ['fid_cls', 'kid_cls', 'rprec', 'oracle_all', 'oracle_color', 'zeta']);
  assert.throws(() => summarizeRun(dir), /not a run folder/);
});

const tiny = (seed: number) => ({
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 120, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed, evalEvery: 2, evalCount: 16, evalShare: 0.5 },
  eval: { duringTraining: ['oracle'] },
  preview: { count: 3 },
});

test('compareRuns: a table, curves and one grid per run for the same captions and noise', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cmp-'));
  const runs: string[] = [];
  for (const seed of [1, 2]) {
    const file = path.join(dir, `seed${seed}.t2i.json`);
    fs.writeFileSync(file, JSON.stringify(tiny(seed)));
    runs.push((await train({ configPath: file, log: () => {} })).runDir);
  }
  const out = path.join(dir, 'compare');
  const { report, jsonFile } = await compareRuns({ runDirs: runs, outDir: out, log: () => {} });
  assert.equal(jsonFile, path.join(out, 'compare.json'));
  assert.deepEqual(parseCompareReport(JSON.parse(fs.readFileSync(jsonFile, 'utf8'))), report, 'compare.json is what the view accepts');
  assert.equal(report.runs.length, 2);
  assert.equal(report.captions.length, 3, "the first run's preview captions");
  for (const r of report.runs) {
    assert.equal(r.method, 'baseline');
    assert.equal(r.steps, 4);
    assert.equal(r.gridStep, 4);
    assert.ok(r.final.oracle_all >= 0 && r.final.oracle_all <= 1);
    assert.ok(r.curves.oracle_all.length >= 1 && r.curves.oracle_all.every((p) => p.step % 2 === 0 && p.seconds >= 0));
    const png = decodePng(fs.readFileSync(r.grid!));
    assert.equal(png.width, 3 * 32 + 4 * 2); // 3 cells of 32 px, 2-px gaps
  }
  assert.ok(report.metricNames.indexOf('oracle_all') < report.metricNames.indexOf('oracle_color'));
  const table = compareTable(report);
  assert.match(table.split('\n')[0], /^run\s+method\s+steps\s+wall\s+oracle_all/);
  assert.equal(table.split('\n').length, 2 + 2 + (report.metricNames.length > 8 ? 1 : 0)); // header, rule, 2 runs, "more metrics" line
  assert.doesNotMatch(table, /_std/);

  // Same captions and noise: generating again gives the same bytes; different runs give different grids.
  const again = await compareRuns({ runDirs: runs, outDir: path.join(dir, 'again'), captions: report.captions, log: () => {} });
  assert.deepEqual(fs.readFileSync(again.report.runs[0].grid!), fs.readFileSync(report.runs[0].grid!));
  assert.notDeepEqual(fs.readFileSync(report.runs[0].grid!), fs.readFileSync(report.runs[1].grid!));
});

test('compare view messages: what the webview sends and receives is checked', () => {
  assert.deepEqual(parseCompareMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseCompareMessage({ type: 'openRun', index: 1 }), { type: 'openRun', index: 1 });
  for (const bad of [null, 'ready', { type: 'openRun', index: -1 }, { type: 'openRun', index: 1.5 }, { type: 'openRun', index: '1' }, { type: 'exec', cmd: 'rm' }]) {
    assert.equal(parseCompareMessage(bad), undefined, JSON.stringify(bad));
  }
  const report = { version: 1, created: 1, captions: ['a'], noiseSeed: 1, metricNames: ['fid_cls'], notes: [], runs: [{ runDir: '/r', name: 'c/r', method: 'baseline', steps: 4, wallSeconds: 2, final: { fid_cls: 3 }, curves: { fid_cls: [{ step: 4, seconds: 2, value: 3 }] } }] };
  assert.ok(parseHostToCompare({ type: 'report', report, grids: ['vscode-resource:/g.png'] }));
  assert.equal(parseHostToCompare({ type: 'report', report, grids: [] }), undefined, 'one grid entry per run');
  const badCurve = structuredClone(report);
  (badCurve.runs[0].curves.fid_cls[0] as { value: unknown }).value = 'NaN';
  assert.equal(parseHostToCompare({ type: 'report', report: badCurve, grids: [null] }), undefined);
  assert.deepEqual(parseHostToCompare({ type: 'progress', message: 'x' }), { type: 'progress', message: 'x' });
});

test('compare table model: best per column by direction, no best among equals', () => {
  const run = (name: string, final: Record<string, number>) => ({ runDir: `/r/${name}`, name, method: 'm', steps: 1, wallSeconds: 90, final, curves: {} });
  const report = { version: 1 as const, created: 0, captions: [], noiseSeed: 0, notes: [], metricNames: ['fid_cls', 'is_cls', 'oracle_all', 'is_cls_std'], runs: [run('a', { fid_cls: 10, is_cls: 3, oracle_all: 0.5, is_cls_std: 0.1 }), run('b', { fid_cls: 20, is_cls: 4, oracle_all: 0.5, is_cls_std: 0.2 })] };
  const rows = tableRows(report);
  assert.deepEqual(rows.map((r) => r.cells.map((c) => c.best)), [[true, false, false, false], [false, true, false, false]]);
  assert.equal(rows[0].wall, '1.5 min');
  assert.equal(rows[0].cells[0].text, '10.000');
  assert.equal(lowerIsBetter('kid_inception'), true);
  assert.equal(lowerIsBetter('rprec'), false);
});
