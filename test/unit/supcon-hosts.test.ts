// The two supcon-* hosts: shapes, every loss term, MA-GP's second derivatives,
// frozen encoders untouched, attention export, no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { resolveConfig, type T2IConfig } from '../../models/config/config';
import { conditioningText } from '../../models/damsm/conditioningText';
import { DamsmModel } from '../../models/damsm/damsmModel';
import type { FrozenEncoders } from '../../models/damsm/frozenEncoders';
import { Rng } from '../../models/data/rng';
import { Params } from '../../models/layers/params';
import { SupconAttngan } from '../../models/supcon/attnganLite';
import { DfDiscriminator, matchingAwareGp, SupconDfgan } from '../../models/supcon/dfganLite';
import { lengthsOf } from '../../models/text/lengths';
import { Vocabulary } from '../../models/text/vocabulary';
import { createMethod } from '../../models/train/createMethod';
import type { Batch } from '../../models/train/method';

test.before(async () => {
  await initBackend({ choice: 'auto', log: () => {} });
});

const T = 6;
function config(method: string, mode = 'label'): T2IConfig {
  return resolveConfig({
    method,
    imageSize: 32,
    dataset: { kind: 'shapes', count: 40 },
    text: { maxWords: T },
    damsm: { embedDim: 8, hidden: 6, imageWidth: 4 },
    supcon: { mode },
    dfganLite: { nf: 4, zDim: 8, affineHidden: 8 },
    attnganLite: { ngf: 4, ndf: 4, zDim: 8, caDim: 6, stages: 2, resBlocks: 1 },
  });
}

function encoders(cfg: T2IConfig): FrozenEncoders {
  const words = Array.from({ length: 19 }, (_, i) => `w${i}`);
  const vocab = Vocabulary.fromCaptions([words.join(' ')]);
  return { model: new DamsmModel(cfg.damsm, vocab.size, 32, new Rng(4)), vocab, checkpoint: '' };
}

/** A two-branch batch of 2n rows; labels in branch B copy branch A's. */
function batch(n: number): Batch {
  const r = new Rng(3);
  const b = 2 * n;
  const lengths = Int32Array.from({ length: b }, (_, i) => 2 + (i % 4));
  const ids = Int32Array.from({ length: b * T }, (_, k) => (k % T < lengths[Math.floor(k / T)] ? 1 + r.int(19) : 0));
  return {
    images: tf.tensor4d(Float32Array.from({ length: b * 32 * 32 * 3 }, () => r.uniform() * 2 - 1), [b, 32, 32, 3]),
    ids: tf.tensor2d(ids, [b, T], 'int32'),
    lengths,
    labels: Int32Array.from({ length: b }, (_, i) => (i % n) % 2),
  };
}

const snapshot = (m: DamsmModel) => m.params.entries().map(([n, v]) => [n, Array.from(v.dataSync())] as const);

for (const method of ['supcon-dfgan', 'supcon-attngan']) {
  test(`${method}: a step reports every term, trains G and D, leaves the frozen encoders alone, leaks nothing`, () => {
    const cfg = config(method);
    const enc = encoders(cfg);
    const before = snapshot(enc.model);
    const m = createMethod(cfg, enc.vocab.size, new Rng(1), enc);
    const bt = batch(3);
    const gBefore = (m as SupconDfgan | SupconAttngan).params.entries().find(([n]) => n.startsWith('g/'))![1].dataSync().slice();
    const losses = m.trainStep(bt);
    assert.deepEqual(Object.keys(losses).sort(), [...m.lossNames].sort());
    for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
    assert.ok(losses.g_supcon > 0);
    const gAfter = (m as SupconDfgan | SupconAttngan).params.entries().find(([n]) => n.startsWith('g/'))![1].dataSync();
    assert.notDeepEqual(Array.from(gAfter), Array.from(gBefore));
    m.trainStep(bt);
    const count = tf.memory().numTensors;
    m.trainStep(bt);
    assert.equal(tf.memory().numTensors, count, 'tensors leaked across a step');
    assert.deepEqual(snapshot(enc.model), before, 'a frozen encoder weight (or BN statistic) changed');

    const noise = tf.randomNormal([2, m.noiseDim]) as tf.Tensor2D;
    const ids = tf.slice(bt.ids, [0, 0], [2, T]) as tf.Tensor2D;
    const img = m.generate(ids, noise);
    assert.deepEqual(img.shape, [2, 32, 32, 3]);
    if (method === 'supcon-attngan') {
      const att = m.attention!(ids, noise);
      assert.deepEqual(att.map((a) => a.weights.shape), [[2, T, 16, 16]]);
      const w = att[0].weights.arraySync() as number[][][][];
      // caption 0 has 2 real words: its weights over words sum to 1 per pixel, padding gets 0
      const sum = w[0].slice(0, 2).reduce((s, map) => s + map[3][5], 0);
      assert.ok(Math.abs(sum - 1) < 1e-4 && w[0][4][3][5] === 0);
      tf.dispose(att.map((a) => a.weights));
    }
    tf.dispose([noise, ids, img, bt.images, bt.ids]);
    m.dispose();
  });
}

test('supcon-attngan: D sees real and fake images in separate calls per branch, so BatchNorm never mixes them', () => {
  const cfg = config('supcon-attngan');
  const enc = encoders(cfg);
  const m = createMethod(cfg, enc.vocab.size, new Rng(1), enc) as SupconAttngan;
  const bt = batch(3);
  // Fingerprints (first 12 values) of each branch's real images at each stage's size.
  const reals = new Set<string>();
  tf.tidy(() => {
    for (const size of [16, 32]) {
      let x = bt.images;
      while (x.shape[1] > size) x = tf.avgPool(x, 2, 2, 'valid');
      for (const half of tf.split(x, 2, 0)) reals.add(Array.from(half.dataSync().slice(0, 12)).join(','));
    }
  });
  const calls: { rows: number; real: boolean }[] = [];
  for (const d of m.ds) {
    const features = d.features.bind(d);
    d.features = (x, training) => {
      calls.push({ rows: x.shape[0], real: reals.has(Array.from(x.dataSync().slice(0, 12)).join(',')) });
      return features(x, training);
    };
  }
  m.trainStep(bt);
  // D step: per stage and branch one real and one fake call; G step: per stage and branch one fake call.
  assert.equal(calls.length, 2 * 2 * 2 + 2 * 2);
  assert.ok(calls.every((c) => c.rows === 3), `rows per call: ${calls.map((c) => c.rows)}`);
  assert.equal(calls.filter((c) => c.real).length, 4, 'one real call per stage and branch');
  tf.dispose([bt.images, bt.ids]);
  m.dispose();
});

test('supcon mode "none" logs SupCon but does not train on it; the modes differ only in the loss', () => {
  const run = (mode: string) => {
    const cfg = config('supcon-dfgan', mode);
    const m = createMethod(cfg, 20, new Rng(1), encoders(cfg));
    const bt = batch(3);
    const l = m.trainStep(bt);
    tf.dispose([bt.images, bt.ids]);
    m.dispose();
    return l;
  };
  const none = run('none');
  const label = run('label');
  assert.equal(none.d_total, label.d_total); // same D step (same init, same batch)
  assert.ok(none.g_supcon > 0);
  assert.ok(Math.abs(none.g_total - none.g_adv) < 1e-5);
  assert.ok(Math.abs(label.g_total - (label.g_adv + 0.2 * label.g_supcon)) < 1e-4);
});

test('MA-GP: tf.grad through a gradient (second derivatives through conv + leakyRelu) matches finite differences', () => {
  const d = new DfDiscriminator(Params.root(new Rng(2)), 8, 2, 3);
  for (const blk of d.blocks) blk.gate.assign(tf.scalar(0.7).reshape([1])); // the residual path must matter
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const s = tf.randomNormal([2, 3], 0, 1, 'float32', 6) as tf.Tensor2D;
  const w = d.blocks[0].conv1.w;
  const gp = () => matchingAwareGp(d, x, s, 2, 6);
  const { value, grads } = tf.variableGrads(gp, [w]);
  const analytic = grads[w.name].dataSync();
  const base = w.dataSync().slice();
  const eps = 1e-2;
  for (const idx of [0, 7, 19]) {
    const f = (delta: number) => {
      const p = base.slice();
      p[idx] += delta;
      w.assign(tf.tensor(p, w.shape));
      return tf.tidy(() => gp().dataSync()[0]);
    };
    const fd = (f(eps) - f(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd - analytic[idx]) <= 0.05 * Math.max(1e-3, Math.abs(fd)) + 1e-4, `∂GP/∂w[${idx}]: finite difference ${fd}, tape ${analytic[idx]}`);
  }
  w.assign(tf.tensor(base, w.shape));
  assert.ok(value.dataSync()[0] > 0);
  tf.dispose([value, x, s, ...Object.values(grads)]);
});

test('supcon-attngan emaDecay: samples come from the averaged generator, which is checkpointed; 0 keeps none (the reference)', () => {
  const plain = config('supcon-attngan');
  const withEma = resolveConfig({ ...plain, attnganLite: { ...plain.attnganLite, emaDecay: 0.9 } });
  const enc = encoders(withEma);
  const m = createMethod(withEma, enc.vocab.size, new Rng(1), enc) as SupconAttngan;
  const bt = batch(3);
  for (let i = 0; i < 3; i++) m.trainStep(bt);
  const names = m.state().map(([n]) => n);
  const gNames = m.params.entries().filter(([n, v]) => v.trainable && n.startsWith('g/')).map(([n]) => n);
  assert.deepEqual(names.filter((n) => n.startsWith('ema/')).sort(), gNames.map((n) => `ema/${n}`).sort(), 'one shadow per trainable G weight');
  const noise = tf.randomNormal([2, m.noiseDim]) as tf.Tensor2D;
  const ids = tf.slice(bt.ids, [0, 0], [2, T]) as tf.Tensor2D;
  const averaged = m.generate(ids, noise);
  // The same forward pass with the live weights: different images, and the live weights are back afterwards.
  const live = tf.tidy(() => {
    const imgs = m.g.apply(noise, conditioningText(enc, ids, lengthsOf(ids)), false).images;
    return imgs[imgs.length - 1];
  });
  assert.ok(tf.max(tf.abs(tf.sub(averaged, live))).dataSync()[0] > 1e-4, 'generate used the live weights');
  m.ema!.swap();
  const swapped = tf.tidy(() => {
    const imgs = m.g.apply(noise, conditioningText(enc, ids, lengthsOf(ids)), false).images;
    return imgs[imgs.length - 1];
  });
  m.ema!.swap();
  assert.ok(tf.max(tf.abs(tf.sub(averaged, swapped))).dataSync()[0] < 1e-6, 'generate = the averaged weights');
  const count = tf.memory().numTensors;
  m.trainStep(bt);
  tf.dispose(m.generate(ids, noise));
  assert.equal(tf.memory().numTensors, count, 'tensors leaked across a step with EMA');
  tf.dispose([noise, ids, averaged, live, swapped, bt.images, bt.ids]);
  m.dispose();

  const ref = createMethod(plain, enc.vocab.size, new Rng(1), encoders(plain)) as SupconAttngan;
  assert.equal(ref.ema, undefined);
  assert.ok(!ref.state().some(([n]) => n.startsWith('ema/')));
  ref.dispose();
});
