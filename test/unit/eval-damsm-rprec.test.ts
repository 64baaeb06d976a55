// R-precision and the DAMSM-feature FID/KID end to end: `t2i pretrain` trains
// small DAMSM encoders, then `evaluateRun` scores real test images with their
// own captions. Trained encoders rank the true caption first among 99 captions
// of other classes far above chance (1 in 100); the same captions shuffled
// across images do not; and every report names the encoders it used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../models/backend/select';
import { loadConfig } from '../../models/config/config';
import { loadFrozenEncoders } from '../../models/damsm/frozenEncoders';
import { openDataset } from '../../models/data/openDataset';
import { Rng } from '../../models/data/rng';
import { imageCodes, sentenceCodes } from '../../models/eval/damsmCodes';
import { evaluateRun } from '../../models/eval/evaluateRun';
import { rPrecision, rPrecisionCaptions } from '../../models/eval/rPrecision';

const CLI = path.join(__dirname, '../../dist/cli.js');

const config = {
  method: 'mirrorgan',
  mirrorgan: { stages: 2 },
  imageSize: 32,
  dataset: { kind: 'shapes', count: 800, seed: 3, holdout: [], testFraction: 0.25 },
  damsm: { classMasking: false, embedDim: 32, hidden: 32, imageWidth: 8, batchSize: 24, lr: 0.002, steps: 300, evalEvery: 300, checkpointEvery: 300 },
};

test('R-precision and fid_damsm/kid_damsm through evaluateRun with pretrained DAMSM encoders', async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build` (npm test does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-rprec-'));
  const file = path.join(dir, 'rprec.t2i.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const pre = spawnSync(process.execPath, [CLI, 'pretrain', file, '--backend', 'wasm', '--threads', '1'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(pre.status, 0, pre.stderr);

  await initBackend({ choice: 'wasm', threads: 1, log: () => {} });
  const n = 100;
  const r = await evaluateRun({ target: file, real: true, metrics: ['rprec', 'fid', 'kid'], features: ['damsm'], n, log: () => {} });
  assert.equal(r.images, n);
  // Chance is 0.01 (one true caption among 100); these encoders measured 0.74 (300 steps).
  assert.ok(r.metrics.rprec > 0.4, `rprec ${r.metrics.rprec}`);
  assert.ok(r.metrics.rprec <= 1 && r.metrics.rprec_std >= 0 && r.metrics.rprec_std < 0.5, JSON.stringify(r.metrics));
  assert.ok(Number.isFinite(r.metrics.fid_damsm) && r.metrics.fid_damsm >= 0, `fid_damsm ${r.metrics.fid_damsm}`);
  assert.ok(Number.isFinite(r.metrics.kid_damsm), `kid_damsm ${r.metrics.kid_damsm}`);
  assert.equal(r.metrics.fid_cls, undefined, 'only the asked-for feature net');
  assert.match(r.featureNets.damsm!.description, /not comparable to papers/);
  assert.ok(r.notes.some((l) => /rprec: AttnGAN's R-precision .* not comparable to papers/.test(l)), r.notes.join('\n'));

  // The same encoders and candidates, but each image's "true" caption taken from another
  // image of another class: the hit rate falls to about chance, so the score reads alignment.
  const cfg = loadConfig(file);
  const enc = await loadFrozenEncoders(cfg, file, { log: () => {}, mustExist: true });
  const ds = openDataset(cfg, { configPath: file, log: () => {} });
  try {
    const split = ds.test;
    const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
    const rng = new Rng(5);
    const images = picks.map((i) => split.image(i));
    const own = picks.map((i) => split.captions(i)[0]);
    const cands = (truth: (k: number) => string) => picks.map((i, k) => {
      const set = rPrecisionCaptions(split, i, rng);
      set[0] = truth(k);
      return set;
    });
    const score = (sets: string[][]) => {
      const sent = sentenceCodes(enc, sets.flat(), cfg.text.maxWords);
      return rPrecision(imageCodes(enc, images, ds.size), sets.map((s) => s.map((c) => sent.get(c)!)), 10).mean;
    };
    const aligned = score(cands((k) => own[k]));
    // Another image's caption, from the next image (cyclically) of a different class.
    const otherClass = (k: number) => {
      for (let d = 1; d < n; d++) if (split.label(picks[(k + d) % n]) !== split.label(picks[k])) return own[(k + d) % n];
      throw new Error('the test split has one class only');
    };
    const shuffled = score(cands(otherClass));
    assert.ok(aligned > 0.4, `aligned ${aligned}`);
    assert.ok(shuffled < 0.1, `shuffled ${shuffled}`);
  } finally {
    enc.model.dispose();
    ds.close?.();
  }
});
