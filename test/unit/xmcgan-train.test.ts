// XMC-GAN training: the two-D-steps schedule, which terms reach G (and that
// nothing reaches the frozen encoders), the ablation switches, the EMA
// generator, no tensor leaks, and a short run through `train()`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionExport, RunEvent, StepEvent } from '../../protocol/events';
import { initBackend } from '../../models/backend/select';
import { ConfigError, resolveConfig, type XmcganConfig } from '../../models/config/config';
import { DamsmModel } from '../../models/damsm/damsmModel';
import { openDataset } from '../../models/data/openDataset';
import { Rng } from '../../models/data/rng';
import { readAllEvents } from '../../models/run/runReader';
import { Vocabulary } from '../../models/text/vocabulary';
import { loadCheckpoint, saveCheckpoint } from '../../models/train/checkpoint';
import type { Batch } from '../../models/train/method';
import { makePreviewSet } from '../../models/train/preview';
import { loadRun } from '../../models/train/sample';
import { gridLayout, tileGridPng, toRgbBytes } from '../../models/train/sampleGrid';
import { train } from '../../models/train/trainer';
import type { TextCondition } from '../../models/xmcgan/generator';
import { XmcGan } from '../../models/xmcgan/xmcgan';

const T = 6;
const cfg = resolveConfig({
  method: 'xmcgan',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 96 },
  damsm: { embedDim: 8, hidden: 4, imageWidth: 4 },
  xmcgan: { gf: 2, df: 2, zDim: 4, condSize: 8 },
  train: { batchSize: 8 },
  text: { maxWords: T },
});
const vocab = Vocabulary.fromCaptions(['a b c d e f g h i j k l m n o p q r s']);

function make(over: Partial<XmcganConfig> = {}, rand: Rng = new Rng(2)): XmcGan {
  const model = new DamsmModel(cfg.damsm, vocab.size, 32, new Rng(1));
  return new XmcGan({ sizes: { ...cfg.xmcgan, ...over }, train: cfg.train, imageSize: 32, vocabSize: vocab.size }, { model, vocab, checkpoint: '' }, rand);
}

const PER_IMAGE = 32 * 32 * 3;
/** A random batch whose image row k starts with the pixel value k/100 − 0.5 (so a part can be told by its pixels). */
function batch(b: number, seed = 3): Batch {
  const r = new Rng(seed);
  const lengths = Int32Array.from({ length: b }, (_, i) => 1 + (i % T));
  const ids = Int32Array.from({ length: b * T }, (_, k) => (k % T < lengths[Math.floor(k / T)] ? 1 + r.int(vocab.size - 1) : 0));
  const px = Float32Array.from({ length: b * PER_IMAGE }, (_, k) => (k % PER_IMAGE === 0 ? k / PER_IMAGE / 100 - 0.5 : r.uniform() * 2 - 1));
  return { images: tf.tensor4d(px, [b, 32, 32, 3]), ids: tf.tensor2d(ids, [b, T], 'int32'), lengths, labels: new Int32Array(b).fill(-1) };
}
const dispose = (b: Batch) => tf.dispose([b.images, b.ids]);
const snapshot = (vars: [string, tf.Variable][]) => new Map(vars.map(([n, v]) => [n, v.dataSync().slice()]));
const changed = (before: Map<string, Float32Array | Int32Array | Uint8Array>, vars: [string, tf.Variable][]) =>
  vars.filter(([n, v]) => v.dataSync().some((x, i) => x !== before.get(n)![i])).map(([n]) => n);

test.before(async () => {
  await initBackend({ choice: 'auto', log: () => {} });
});

test("config: the defaults are the reference code's; a batch that does not split and a grid too large are pointed at", () => {
  const d = resolveConfig({ method: 'xmcgan', dataset: { kind: 'shapes' }, train: { batchSize: 16 } }).xmcgan;
  assert.deepEqual(
    [d.gf, d.df, d.zDim, d.condSize, d.rho0, d.rho1, d.rho2, d.rho3, d.tau, d.dStepsPerG, d.lrG, d.lrD, d.emaDecay],
    [96, 96, 128, 16, 15, 5, 5, 50, 0.1, 2, 1e-4, 4e-4, 0.999],
  );
  assert.ok(d.sentenceContrastive && d.wordContrastive && d.imageContrastive && d.encoderImageContrastive);
  const bad = (raw: object, re: RegExp) =>
    assert.throws(() => resolveConfig({ method: 'xmcgan', dataset: { kind: 'shapes' }, ...raw }, 'x.t2i.json'), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ train: { batchSize: 9 } }, /\/train\/batchSize 9 must split into \/xmcgan\/dStepsPerG = 2 equal parts/);
  bad({ train: { batchSize: 3 }, xmcgan: { dStepsPerG: 3 } }, /parts of at least 2/);
  bad({ imageSize: 32, train: { batchSize: 8 }, xmcgan: { condSize: 32 } }, /\/xmcgan\/condSize 32 must be smaller than \/imageSize 32/);
  bad({ train: { batchSize: 8 }, xmcgan: { condSize: 12 } }, /\/xmcgan\/condSize must be one of/);
});

test('schedule: the batch splits into dStepsPerG parts, D-only updates on the first, one joint update on the last', () => {
  for (const [k, b] of [[2, 8], [3, 9]]) {
    const m = make({ dStepsPerG: k });
    const seen: { kind: string; rows: number[]; lengths: number[]; maskLengths: number[] }[] = [];
    const record = (kind: string, part: Batch, text: TextCondition) => {
      const px = part.images.dataSync();
      seen.push({
        kind,
        rows: Array.from({ length: part.images.shape[0] }, (_, i) => Math.round((px[i * PER_IMAGE] + 0.5) * 100)),
        lengths: [...part.lengths],
        maskLengths: [...text.mask.sum(1).dataSync()],
      });
    };
    const dStep = m.dStep.bind(m);
    const jointStep = m.jointStep.bind(m);
    m.dStep = (part, text) => (record('d', part, text), dStep(part, text));
    m.jointStep = (part, text) => (record('joint', part, text), jointStep(part, text));
    const bt = batch(b);
    m.trainStep(bt);
    const h = b / k;
    const rows = (start: number) => Array.from({ length: h }, (_, i) => start + i);
    assert.deepEqual(seen.map((s) => s.kind), [...new Array(k - 1).fill('d'), 'joint']);
    seen.forEach((s, i) => {
      assert.deepEqual(s.rows, rows(i * h), `part ${i} gets rows ${i * h}..${(i + 1) * h - 1}`);
      assert.deepEqual(s.lengths, [...bt.lengths.subarray(i * h, (i + 1) * h)]);
      assert.deepEqual(s.maskLengths, s.lengths, 'the text features are those of the same rows');
    });
    assert.deepEqual(m.counters(), { opt_g_step: 1, opt_d_step: k }, `${k} D updates and one G update per step`);
    dispose(bt);
    m.dispose();
  }
  const m = make();
  const odd = batch(7);
  assert.throws(() => m.trainStep(odd), /splits each batch into 2 parts/);
  dispose(odd);
  m.dispose();
});

test("a D-only update changes D alone (G's weights and batch-norm statistics stay); the joint update changes both, then the EMA", () => {
  const m = make();
  const gAll = m.params.entries().filter(([n]) => n.startsWith('g/'));
  const dTrain = m.optD.vars;
  const b = batch(8);
  const text = tf.tidy(() => ({ ...m.encodeText(b.ids, b.lengths) }));
  let g0 = snapshot(gAll);
  let d0 = snapshot(dTrain);
  const dWeights = dTrain.filter(([n]) => n.endsWith('/w')).map(([n]) => n);
  m.dStep(b, text);
  assert.deepEqual(changed(g0, gAll), [], 'G untouched by a D step, running statistics included');
  // (A bias can get an exactly zero gradient, e.g. the head's when every hinge term is active.)
  assert.deepEqual(dWeights.filter((n) => !changed(d0, dTrain).includes(n)), [], 'every D weight matrix moves');
  const ema0 = snapshot([...m.ema.shadow.entries()]);
  g0 = snapshot(gAll);
  d0 = snapshot(dTrain);
  m.jointStep(b, text);
  const gTrainable = m.optG.vars.map(([n]) => n);
  assert.deepEqual(changed(g0, m.optG.vars).sort(), gTrainable.sort(), 'every G weight moves');
  assert.ok(changed(g0, gAll).some((n) => /running_mean$/.test(n)), 'the joint update keeps G\'s new statistics');
  assert.deepEqual(dWeights.filter((n) => !changed(d0, dTrain).includes(n)), []);
  assert.equal(changed(ema0, [...m.ema.shadow.entries()]).length, gTrainable.length, 'the EMA follows');
  tf.dispose([text.words, text.mask, text.sentence]);
  dispose(b);
  m.dispose();
});

test("D treats rows independently, so G's pass over the fakes alone equals the second half of the code's pass over [x; x̂]; one joint update is one power iteration", () => {
  const m = make();
  const b = batch(4);
  const text = tf.tidy(() => ({ ...m.encodeText(b.ids, b.lengths) }));
  const fake = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
  const [alone, joint] = tf.tidy(() => {
    const a = m.d.apply(fake, text.sentence, false, { regions: true });
    const j = m.d.apply(tf.concat([b.images, fake], 0), text.sentence, false, { regions: true });
    const rows = (t: tf.Tensor, from: number) => Array.from(tf.slice(t, from, 4).dataSync());
    return [
      [a.logits, a.phi, a.regions!].map((t) => rows(t, 0)),
      [j.logits, j.phi, j.regions!].map((t) => rows(t, 4)),
    ];
  });
  alone.forEach((xs, k) => xs.forEach((v, i) => assert.ok(Math.abs(v - joint[k][i]) <= 1e-5 * (1 + Math.abs(v)), `output ${k}, value ${i}: ${v} vs ${joint[k][i]}`)));
  // The joint update advances every spectral-norm u exactly as one training pass does.
  const us = m.params.entries().filter(([n]) => n.startsWith('d/') && n.endsWith('/sn_u'));
  assert.ok(us.length > 5);
  const u0 = snapshot(us);
  tf.tidy(() => m.d.apply(b.images, text.sentence, true).logits);
  const once = snapshot(us);
  for (const [n, v] of us) v.assign(tf.tensor(u0.get(n)!, v.shape));
  m.jointStep(b, text);
  for (const [n, v] of us) assert.deepEqual(Array.from(v.dataSync()), Array.from(once.get(n)!), n);
  tf.dispose([text.words, text.mask, text.sentence, fake]);
  dispose(b);
  m.dispose();
});

test('gradients: every G term reaches G; D\'s real-image terms never do; nothing reaches the frozen encoders', () => {
  const m = make();
  const b = batch(4);
  const text = tf.tidy(() => ({ ...m.encodeText(b.ids, b.lengths) }));
  const z = tf.randomNormal([4, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
  const gVars = m.optG.vars.map(([, v]) => v);
  const encReal = tf.tidy(() => m.encoders.model.image.encode(b.images, false).global);
  const phiReal = tf.tidy(() => m.realFeatures(b.images, text));
  for (const name of ['g_adv', 'g_sent_fake', 'g_word_fake', 'g_img', 'g_img_damsm']) {
    const out: Record<string, tf.Tensor> = {};
    const { value, grads } = tf.variableGrads(() => {
      m.gLoss(phiReal, m.g.apply(text, z, true).images, text, encReal, out);
      return out[name] as tf.Scalar;
    }, gVars);
    const reached = Object.values(grads).filter((g) => g.dataSync().some((x) => x !== 0)).length;
    assert.ok(reached > gVars.length / 2, `${name} reaches G (${reached} of ${gVars.length} weights)`);
    tf.dispose([value, ...Object.values(grads), ...Object.values(out)]);
  }
  // D's contrastive heads learn from real images only: even with live fakes
  // in the same D pass, these terms give G an exactly zero gradient (d_fake, by contrast, does not).
  const gradToG = (name: string) => {
    const out: Record<string, tf.Tensor> = {};
    const { value, grads } = tf.variableGrads(() => (m.dLoss(b.images, m.g.apply(text, z, true).images, text, true, out), out[name] as tf.Scalar), gVars);
    const total = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).dataSync()[0]);
    tf.dispose([value, ...Object.values(grads), ...Object.values(out)]);
    return total;
  };
  for (const name of ['d_real', 'd_sent_real', 'd_word_real']) assert.equal(gradToG(name), 0, name);
  assert.ok(gradToG('d_fake') > 0);

  // D's word head (region projection) sees only real images: its gradient does not depend on the fakes.
  const regionGrad = (fakeSeed: number) => {
    const o: Record<string, tf.Tensor> = {};
    const fake = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', fakeSeed) as tf.Tensor4D;
    const vars = m.optD.vars.filter(([n]) => n.startsWith('d/region_proj/')).map(([, v]) => v);
    const { value, grads } = tf.variableGrads(() => m.dLoss(b.images, fake, text, false, o), vars);
    const flat = Array.from(tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(grads[v.name], [-1]))).dataSync()));
    tf.dispose([value, fake, ...Object.values(grads), ...Object.values(o)]);
    return flat;
  };
  const g1 = regionGrad(1);
  assert.ok(g1.some((x) => x !== 0));
  assert.deepEqual(regionGrad(2), g1);

  // The encoders are in no optimiser and stay bit-identical through training.
  const encVars = new Set(m.encoders.model.params.entries().map(([, v]) => v));
  assert.ok([...m.optG.vars, ...m.optD.vars].every(([, v]) => !encVars.has(v)));
  const enc0 = snapshot(m.encoders.model.params.entries());
  for (let i = 0; i < 2; i++) {
    const bt = batch(8, 10 + i);
    m.trainStep(bt);
    dispose(bt);
  }
  assert.deepEqual(changed(enc0, m.encoders.model.params.entries()), []);
  tf.dispose([text.words, text.mask, text.sentence, z, encReal, phiReal]);
  dispose(b);
  m.dispose();
});

test('ablation switches: each contrastive term off is neither computed nor logged, and its head leaves the optimiser', () => {
  const all = make();
  const b = batch(8);
  const full = all.trainStep(b);
  assert.deepEqual(Object.keys(full), all.lossNames);
  assert.deepEqual(all.lossNames, ['d_real', 'd_fake', 'd_sent_real', 'd_word_real', 'd_total', 'g_adv', 'g_sent_fake', 'g_word_fake', 'g_img', 'g_img_damsm', 'g_total']);
  for (const [k, v] of Object.entries(full)) assert.ok(Number.isFinite(v), k);
  assert.ok(Math.abs(full.g_total - (full.g_adv + full.g_sent_fake + full.g_word_fake + full.g_img + full.g_img_damsm)) < 1e-3 * (1 + Math.abs(full.g_total)));
  all.dispose();
  const none = make({ sentenceContrastive: false, wordContrastive: false, imageContrastive: false, encoderImageContrastive: false });
  const l = none.trainStep(b);
  assert.deepEqual(Object.keys(l), ['d_real', 'd_fake', 'd_total', 'g_adv', 'g_total']);
  assert.ok(Math.abs(l.d_total - (l.d_real + l.d_fake)) < 1e-5);
  assert.equal(l.g_total, l.g_adv);
  assert.ok(!none.optD.vars.some(([n]) => n.startsWith('d/region_proj/')));
  none.dispose();
  // Weights scale a term in the total.
  const w = make({ wordContrastive: false, imageContrastive: false, encoderImageContrastive: false, sentenceWeight: 3 });
  const lw = w.trainStep(b);
  assert.ok(Math.abs(lw.g_total - (lw.g_adv + 3 * lw.g_sent_fake)) < 1e-3 * (1 + Math.abs(lw.g_total)));
  w.dispose();
  dispose(b);
});

test('state() is complete: a fresh model loaded from a checkpoint continues bit-identically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-xmc-state-'));
  const ra = new Rng(2);
  const a = make({}, ra);
  const b1 = batch(8, 20);
  const b2 = batch(8, 21);
  a.trainStep(b1);
  const file = path.join(dir, 'a.safetensors');
  saveCheckpoint(file, a, { step: 1, resume: {} } as never);
  const rb = new Rng(99);
  const b = make({}, rb); // different initial weights, all replaced by the checkpoint
  loadCheckpoint(file, b);
  rb.setState(ra.getState()); // the noise stream is the trainer's to restore
  assert.deepEqual(b.counters(), a.counters());
  const la = a.trainStep(b2);
  const lb = b.trainStep(b2);
  assert.deepEqual(lb, la);
  const sb = new Map(b.state());
  for (const [n, t] of a.state()) assert.deepEqual(sb.get(n)!.dataSync(), t.dataSync(), n);
  assert.ok(a.state().some(([n]) => n.startsWith('ema/g/')) && a.state().some(([n]) => n.endsWith('/sn_u')));
  [b1, b2].forEach(dispose);
  a.dispose();
  b.dispose();
});

test('samples come from the EMA generator; no tensors leak across steps, samples and attention', () => {
  const m = make({ emaDecay: 1 }); // the average never moves: it stays the initial G
  const b = batch(8);
  const ids = tf.slice(b.ids, 0, 3) as tf.Tensor2D;
  const z = tf.randomNormal([3, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
  m.trainStep(b);
  const step = () => {
    m.trainStep(b);
    tf.dispose(m.generate(ids, z));
    tf.dispose(m.attention(ids, z).map((s) => s.weights));
  };
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) step();
  assert.equal(tf.memory().numTensors, before);

  const sample = m.generate(ids, z).dataSync();
  const lengths = b.lengths.subarray(0, 3);
  const live = tf.tidy(() => m.g.apply(m.encodeText(ids, lengths), z, false).images.dataSync());
  const averaged = tf.tidy(() => m.ema.withAveraged(() => m.g.apply(m.encodeText(ids, lengths), z, false).images.dataSync()));
  assert.ok(live.some((x, i) => x !== sample[i]), 'not the live weights');
  assert.deepEqual(averaged, sample);
  tf.dispose([ids, z]);
  dispose(b);
  m.dispose();
});

test('`train` on a tiny XMC-GAN config: encoders pretrained first, every loss series, samples, attention per word, a checkpoint that reloads', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-xmcgan-'));
  const configPath = path.join(dir, 'xmc.t2i.json');
  const raw = {
    method: 'xmcgan',
    imageSize: 32,
    dataset: { kind: 'shapes', count: 60, seed: 2, holdout: [['red', 'circle']] },
    text: { maxWords: 8 },
    damsm: { embedDim: 8, hidden: 4, imageWidth: 4, batchSize: 8, steps: 2, evalEvery: 2, checkpointEvery: 2 },
    xmcgan: { gf: 2, df: 2, zDim: 4, condSize: 8 },
    train: { batchSize: 8, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed: 3 },
    preview: { count: 3 },
  };
  fs.writeFileSync(configPath, JSON.stringify(raw));
  const logs: string[] = [];
  const r = await train({ configPath, log: (l) => logs.push(l) });
  assert.equal(r.reason, 'completed');
  assert.ok(logs.some((l) => /pretraining them first/.test(l)), 'the tiny DAMSM pretraining ran first');
  const events = readAllEvents(r.runDir);
  const started = events.find((e) => e.type === 'run_started');
  assert.ok(started?.type === 'run_started' && started.method === 'xmcgan');
  assert.equal(started.lossNames.length, 11);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4]);
  for (const s of steps) for (const n of started.lossNames) assert.ok(Number.isFinite(s.losses[n]), `${n} at ${s.step}`);

  const samples = events.filter((e) => e.type === 'sample') as Extract<RunEvent, { type: 'sample' }>[];
  assert.deepEqual(samples.map((s) => s.step), [0, 2, 4]);
  for (const s of samples) {
    const att = JSON.parse(fs.readFileSync(path.join(r.runDir, s.attention!), 'utf8')) as AttentionExport;
    assert.equal(att.stages.length, 1);
    const [stage] = att.stages;
    assert.equal(stage.name, 'g8');
    assert.equal(stage.size, 8);
    assert.equal(stage.maps.length, 3);
    stage.maps.forEach((cell, i) => {
      assert.ok(att.words[i].length > 0);
      assert.equal(cell.length, att.words[i].length, 'one map per real word');
      for (const map of cell) assert.equal(map.length, 64);
      // Each pixel's weights over the caption's words sum to 1 (maps are rounded to 3 decimals).
      for (let px = 0; px < 64; px++) assert.ok(Math.abs(cell.reduce((a, map) => a + map[px], 0) - 1) < 0.002 * cell.length + 1e-9);
    });
  }

  // The final checkpoint reloads (with the recorded encoders) and renders the final grid exactly.
  const loaded = await loadRun(r.runDir);
  assert.equal(loaded.step, 4);
  const ds = openDataset(loaded.cfg, { configPath });
  const preview = makePreviewSet(loaded.cfg, ds, loaded.vocab, loaded.method.noiseDim);
  const images = loaded.method.generate(preview.ids, preview.noise);
  const png = tileGridPng(toRgbBytes(images), gridLayout(3, 32));
  assert.ok(png.equals(fs.readFileSync(path.join(r.runDir, samples[2].path))), 'the reloaded EMA generator draws the same grid');
  tf.dispose([images, preview.ids, preview.noise]);
  loaded.method.dispose();
  ds.close?.();
});
