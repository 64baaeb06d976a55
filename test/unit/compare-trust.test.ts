// Workspace trust and T2I: Compare Runs: in Restricted Mode the compare view
// gets a metrics-only report built in the host from events.jsonl, spawns no
// `t2i compare` (which would load checkpoints) and says why there are no
// grids; in a trusted workspace it forks the CLI as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mock, test } from 'node:test';
import { parseHostToCompare } from '../../protocol/compare';
import { comparePlan, metricsOnlyReport, RESTRICTED_COMPARE_NOTICE } from '../../extension/comparePlan';

/** A run folder as the trainer leaves it: events with metrics, and a checkpoint that must stay unopened. */
function runFolder(root: string, stem: string, fid: number): string {
  const runDir = path.join(root, 'runs', stem, '20261122-010203');
  fs.mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
  const events = [
    { type: 'run_started', t: 1_000, version: 1, runId: 'x', method: 'baseline', configPath: 'c', backend: { name: 'cpu', threads: 1, attempts: [] }, pid: 1, startStep: 0, totalSteps: 4, imageSize: 32, lossNames: [] },
    { type: 'step', t: 2_000, step: 2, losses: { g: 1 }, stepMs: 1 },
    { type: 'metrics', t: 2_500, step: 2, metrics: { fid_cls: fid + 10, oracle_all: 0.2 } },
    { type: 'step', t: 3_000, step: 4, losses: { g: 0.5 }, stepMs: 1 },
    { type: 'metrics', t: 3_500, step: 4, metrics: { fid_cls: fid, oracle_all: 0.4 } },
    { type: 'done', t: 4_000, step: 4, reason: 'completed' },
  ];
  fs.writeFileSync(path.join(runDir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  fs.writeFileSync(path.join(runDir, 'checkpoints', 'step-000004.safetensors'), 'not a checkpoint');
  return runDir;
}

test('comparePlan: trusted forks t2i compare with the runs; untrusted spawns nothing and carries the Restricted Mode notice', () => {
  const runs = ['/ws/runs/a/1', '/ws/runs/b/2'];
  const trusted = comparePlan(true, runs, '/store/compare/x');
  assert.equal(trusted.kind, 'cli');
  if (trusted.kind === 'cli') {
    assert.deepEqual(trusted.args, ['compare', ...runs, '--out', '/store/compare/x', '--json', path.join('/store/compare/x', 'compare.json')]);
    assert.equal(trusted.jsonFile, path.join('/store/compare/x', 'compare.json'));
  }
  const restricted = comparePlan(false, runs, '/store/compare/x');
  // No `args`: there is nothing to fork in Restricted Mode.
  assert.deepEqual(Object.keys(restricted).sort(), ['kind', 'notice']);
  assert.equal(restricted.kind, 'metricsOnly');
  if (restricted.kind === 'metricsOnly') {
    assert.match(restricted.notice, /Restricted Mode/);
    assert.match(restricted.notice, /checkpoints/);
    assert.match(restricted.notice, /Trust the workspace/);
  }
});

test('metricsOnlyReport: metrics and curves from events.jsonl, every run explains its missing grid, no checkpoint file is touched', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cmp-trust-'));
  const runs = [runFolder(root, 'first', 40), runFolder(root, 'second', 30)];
  // Every path the report reads goes through these; a checkpoint among them would be a trust leak.
  const touched: string[] = [];
  for (const name of ['openSync', 'readFileSync', 'existsSync', 'readdirSync', 'statSync'] as const) {
    const orig = fs[name] as (...a: unknown[]) => unknown;
    t.mock.method(fs, name, (...args: unknown[]) => {
      touched.push(String(args[0]));
      return orig.apply(fs, args);
    });
  }
  const report = metricsOnlyReport(runs);
  mock.restoreAll();
  assert.ok(touched.length > 0, 'the spy saw the reads');
  assert.deepEqual(touched.filter((p) => p.includes('checkpoints')), [], `no checkpoint read: ${touched.join(', ')}`);
  assert.deepEqual(report.runs.map((r) => r.name), ['first/20261122-010203', 'second/20261122-010203']);
  assert.deepEqual(report.runs.map((r) => r.final.fid_cls), [40, 30]);
  assert.deepEqual(report.runs[0].curves.fid_cls.map((p) => [p.step, p.value]), [[2, 50], [4, 40]]);
  assert.deepEqual(report.metricNames, ['fid_cls', 'oracle_all']);
  assert.ok(report.runs.every((r) => r.grid === undefined && /Restricted Mode/.test(r.gridError ?? '')), 'no grid, with the reason');
  // What the host posts passes the webview's own check, notice included.
  const msg = parseHostToCompare({ type: 'report', report: JSON.parse(JSON.stringify(report)), grids: [null, null], notice: RESTRICTED_COMPARE_NOTICE });
  assert.equal(msg?.type, 'report');
  assert.equal(msg?.type === 'report' ? msg.notice : undefined, RESTRICTED_COMPARE_NOTICE);
  assert.throws(() => metricsOnlyReport([path.join(root, 'nope')]), /not a run folder/);
});
