// Short real runs of the supcon-* methods: SupCon pretraining of the DAMSM
// encoders (started automatically), then each host writing steps, sample
// grids (with attention for AttnGAN-lite) and a checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readAllEvents } from '../../models/run/runReader';
import { train } from '../../models/train/trainer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-supcon-'));
const base = {
  imageSize: 32,
  dataset: { kind: 'shapes', count: 60, seed: 2, holdout: [['red', 'triangle']] },
  text: { maxWords: 8 },
  damsm: { embedDim: 8, hidden: 6, imageWidth: 4, batchSize: 4, steps: 2, evalEvery: 2, checkpointEvery: 2, supcon: { mode: 'label' } },
  dfganLite: { nf: 4, zDim: 8, affineHidden: 8 },
  attnganLite: { ngf: 4, ndf: 4, zDim: 8, caDim: 6, stages: 2, resBlocks: 1 },
  train: { batchSize: 3, steps: 2, sampleEvery: 2, checkpointEvery: 2, evalEvery: 0, seed: 1 },
  preview: { count: 2 },
};
const write = (name: string, cfg: object) => {
  const file = path.join(dir, `${name}.t2i.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
};
const quiet = () => {};
let encodersRun = '';

test('supcon-attngan: SupCon pretraining first, then steps, samples, attention and a checkpoint', async () => {
  const configPath = write('attn', { ...base, method: 'supcon-attngan' });
  const result = await train({ configPath, log: quiet });
  assert.equal(result.step, 2);
  const runs = fs.readdirSync(path.join(dir, 'runs', 'attn')).sort();
  assert.equal(runs.length, 2); // the pretraining run, then the GAN run
  encodersRun = path.join(dir, 'runs', 'attn', runs[0]);
  const pre = readAllEvents(encodersRun);
  const preStart = pre.find((e) => e.type === 'run_started');
  assert.ok(preStart?.type === 'run_started' && preStart.method === 'damsm');
  assert.deepEqual(preStart.lossNames, ['w_i2t', 'w_t2i', 's_i2t', 's_t2i', 'sc_img', 'sc_txt', 'sc_cross', 'total']);
  const preStep = pre.find((e) => e.type === 'step');
  assert.ok(preStep?.type === 'step' && preStep.losses.sc_cross > 0);

  const events = readAllEvents(result.runDir);
  const steps = events.filter((e) => e.type === 'step');
  assert.equal(steps.length, 2);
  const l = steps[1].type === 'step' ? steps[1].losses : {};
  for (const k of ['d0', 'd1', 'g_adv', 'g_damsm', 'g_kl', 'g_supcon', 'g_total']) assert.ok(Number.isFinite(l[k]), `${k} missing`);
  const samples = events.filter((e) => e.type === 'sample');
  assert.deepEqual(samples.map((e) => e.type === 'sample' && e.step), [0, 2]);
  for (const s of samples) {
    if (s.type !== 'sample') continue;
    assert.ok(fs.existsSync(path.join(result.runDir, s.path)));
    assert.ok(s.attention && fs.existsSync(path.join(result.runDir, s.attention)));
  }
  const ck = events.find((e) => e.type === 'checkpoint');
  assert.ok(ck?.type === 'checkpoint' && fs.existsSync(path.join(result.runDir, ck.path)));
});

test('supcon-dfgan (same-image ablation) on existing encoders', async () => {
  assert.ok(encodersRun);
  const configPath = write('df', {
    ...base,
    method: 'supcon-dfgan',
    supcon: { mode: 'same-image' },
    damsm: { ...base.damsm, encoders: path.relative(dir, encodersRun) },
  });
  const result = await train({ configPath, log: quiet });
  assert.equal(result.step, 2);
  const events = readAllEvents(result.runDir);
  const step = events.filter((e) => e.type === 'step').pop();
  assert.ok(step?.type === 'step');
  for (const k of ['d_real', 'd_fake', 'd_mismatch', 'd_gp', 'g_adv', 'g_supcon']) assert.ok(Number.isFinite(step.losses[k]), `${k} missing`);
  assert.ok(events.some((e) => e.type === 'checkpoint'));
  assert.ok(fs.readdirSync(path.join(dir, 'runs', 'df')).length === 1, 'no pretraining run: the encoders were given');
});
