// The label classifier feature network, end to end on the shapes dataset:
// `t2i eval --real` trains and caches it, real test images score oracle 1.0
// and a classifier-feature FID near 0 against real train images, while
// images that ignore their captions score far worse.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../models/backend/select';
import { loadConfig } from '../../models/config/config';
import { openDataset } from '../../models/data/openDataset';
import { classifierCacheFile, DEFAULT_CLASSIFIER_TRAINING, loadClassifier } from '../../models/eval/classifierCache';
import { evaluateRun } from '../../models/eval/evaluateRun';
import { classifierFeatureNet, featureMetrics } from '../../models/eval/featureNets';

// No held-out pairs here, so that test and train images share one distribution (the held-out
// pairs' oracle is checked separately below).
const config = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 1600, seed: 5, holdout: [], testFraction: 0.25 },
  eval: { classifierSteps: 150 },
};

const pickSpaced = (split: { length: number; image(i: number): Uint8Array }, n: number, offset = 0) =>
  Array.from({ length: n }, (_, k) => split.image((Math.floor((k * split.length) / n) + offset) % split.length));

test('real shapes test images: oracle 1.0, fid_cls near 0 against real train images; the classifier is cached', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cls-'));
  const file = path.join(dir, 'shapes.t2i.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const lines: string[] = [];
  const n = 300;

  const r = await evaluateRun({ target: file, real: true, metrics: ['oracle', 'fid', 'kid', 'is'], features: ['cls'], n, log: (l) => lines.push(l) });
  assert.equal(r.images, n);
  assert.equal(r.metrics.oracle_all, 1, 'real images read exactly as their captions say');
  for (const k of ['oracle_color', 'oracle_shape', 'oracle_size', 'oracle_position']) assert.equal(r.metrics[k], 1, k);
  assert.ok(Math.abs(r.metrics.kid_cls) < 0.5, `kid_cls ${r.metrics.kid_cls}`);
  assert.ok(r.metrics.is_cls > 3, `is_cls ${r.metrics.is_cls}: real images spread over many classes`);
  // Every report says which network it used and that the numbers are not papers'.
  assert.match(r.featureNets.cls!.description, /label classifier .* not comparable to papers/);
  const saved = JSON.parse(fs.readFileSync(r.file, 'utf8'));
  assert.equal(saved.metrics.fid_cls, r.metrics.fid_cls);
  assert.ok(lines.some((l) => /training the label classifier/.test(l)));

  // Cached: the second evaluation trains nothing and gets the same numbers.
  const cfg = loadConfig(file);
  const cache = classifierCacheFile(cfg, file, { ...DEFAULT_CLASSIFIER_TRAINING, steps: 150 });
  assert.ok(fs.existsSync(cache), cache);
  const lines2: string[] = [];
  const again = await evaluateRun({ target: file, real: true, metrics: ['fid'], features: ['cls'], n, log: (l) => lines2.push(l) });
  assert.equal(again.metrics.fid_cls, r.metrics.fid_cls);
  assert.ok(!lines2.some((l) => /training the label classifier/.test(l)));

  // "Near 0" on the classifier's scale: no more than the FID between two disjoint sets of
  // real train images of the same size (finite-sample bias), and far below the FID of
  // images that ignore their captions (a few classes only, as a collapsed generator makes).
  const { model, info } = loadClassifier(cache);
  assert.ok(info.testAccuracy > 0.5, `classifier test top-1 ${info.testAccuracy}`);
  const ds = openDataset(cfg, { configPath: file });
  const net = classifierFeatureNet({ model, info, file: cache, trained: false });
  const trainA = net.describe(pickSpaced(ds.train, n), 32).features;
  const trainB = net.describe(pickSpaced(ds.train, n, 1), 32).features;
  const floor = featureMetrics(net, trainA, { features: trainB }, { fid: true }).fid_cls;
  const collapsed = featureMetrics(net, trainA, net.describe(Array.from({ length: n }, (_, k) => ds.train.image(k % 6)), 32), { fid: true, is: true });
  console.log(`fid_cls: real test vs train ${r.metrics.fid_cls.toFixed(3)}, train vs train ${floor.toFixed(3)}, collapsed vs train ${collapsed.fid_cls.toFixed(3)}; kid_cls ${r.metrics.kid_cls.toFixed(4)}`);
  assert.ok(r.metrics.fid_cls <= 1.5 * floor, `real test vs train ${r.metrics.fid_cls} > 1.5 × train vs train ${floor}`);
  assert.ok(r.metrics.fid_cls < 0.1 * collapsed.fid_cls, `real ${r.metrics.fid_cls} vs collapsed ${collapsed.fid_cls}`);
  assert.ok(collapsed.is_cls < r.metrics.is_cls, 'fewer classes, lower IS');
  net.dispose!();
  ds.close?.();
});

test('real held-out pairs read as their captions too (oracle 1.0 on the held-out split)', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cls-'));
  const file = path.join(dir, 'held.t2i.json');
  fs.writeFileSync(file, JSON.stringify({ ...config, dataset: { kind: 'shapes', count: 400, seed: 2, holdout: [['red', 'triangle'], ['blue', 'circle']] } }));
  const r = await evaluateRun({ target: file, real: true, metrics: ['oracle'], n: 120, log: () => {} });
  assert.equal(r.metrics.oracle_all, 1);
  assert.equal(r.metrics.heldout_all, 1);
  assert.equal(r.metrics.heldout_color, 1);
});
