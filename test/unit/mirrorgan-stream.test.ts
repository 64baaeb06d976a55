// STREAM (MirrorGAN's captioner) and the redescription loss: values worked out
// by hand on a tiny vocabulary, greedy decoding against teacher forcing,
// BLEU-1, and the frozen modules: gradients from the redescription loss reach
// G and never change the captioner or the STEM; no tensor leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../models/config/config';
import { DamsmModel } from '../../models/damsm/damsmModel';
import { Rng } from '../../models/data/rng';
import { MirrorGAN } from '../../models/mirrorgan/mirrorgan';
import { StreamCaptioner } from '../../models/mirrorgan/stream';
import { corpusBleu1 } from '../../models/mirrorgan/streamEval';
import { Vocabulary } from '../../models/text/vocabulary';

const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test.before(async () => {
  await tf.setBackend('cpu');
});

const streamDefaults = () => resolveConfig({ method: 'mirrorgan', imageSize: 64, dataset: { kind: 'shapes' }, mirrorgan: { stages: 2 } }).stream;

/**
 * A captioner with V = 3, E = H = 1 whose numbers can be followed by hand:
 * image feature ≡ 1 (the feature BN's γ = 0, β = 1), emb = [0, 0.5, −1],
 * LSTM wx = [1, 0, 1, 0] (i, f, g, o), wh = 0, b = 0 so i = σ(x), f = o = ½,
 * g = tanh(x); logits = h·[1, 2, −1].
 */
function handCaptioner(endToken = true): StreamCaptioner {
  const cfg = { ...streamDefaults(), embedDim: 1, hidden: 1, imageWidth: 2, endToken };
  const m = new StreamCaptioner(cfg, 3, 8, new Rng(1));
  m.cnn.bn.gamma.assign(tf.zeros([1]));
  m.cnn.bn.beta.assign(tf.ones([1]));
  m.embed.table.assign(tf.tensor2d([[0], [0.5], [-1]]));
  m.lstm.wx.assign(tf.tensor2d([[1, 0, 1, 0]]));
  m.lstm.wh.assign(tf.zeros([1, 4]));
  m.lstm.b.assign(tf.zeros([4]));
  m.out.w.assign(tf.tensor2d([[1, 2, -1]]));
  m.out.b!.assign(tf.zeros([3]));
  return m;
}

test('redescription loss on a tiny vocabulary equals the value worked out by hand', () => {
  // Caption [2, 1] (padded to T = 3).
  // t=0, x = 1:    c = σ(1)·tanh(1) = 0.556770,            h = ½tanh(c) = 0.252788; target 2 → CE 1.567099
  // t=1, x = −1:   c = ½·0.556770 + σ(−1)·tanh(−1) = 0.073561, h = 0.036714;         target 1 → CE 1.050702
  // t=2, x = 0.5:  c = 0.324430, h = 0.156753;                                       target <end> → CE 1.064913
  // words only (the G loss): (1.567099 + 1.050702)/2 = 1.308901; with <end> (pretraining): 1.227571
  const m = handCaptioner();
  const images = tf.randomNormal([1, 8, 8, 3]) as tf.Tensor4D;
  const ids = tf.tensor2d([[2, 1, 0]], [1, 3], 'int32');
  near(m.loss(images, ids, [2], { training: false, includeEnd: false }).dataSync()[0], 1.3089006652841113);
  near(m.loss(images, ids, [2], { training: false, includeEnd: true }).dataSync()[0], 1.2275714371217958);
  // Token-weighted over the batch: a second caption [1] adds one token (t=0 target 1).
  const h0 = 0.252788465753554;
  const ce01 = Math.log(Math.exp(h0) + Math.exp(2 * h0) + Math.exp(-h0)) - 2 * h0;
  const two = m.loss(tf.concat([images, images]) as tf.Tensor4D, tf.tensor2d([[2, 1, 0], [1, 0, 0]], [2, 3], 'int32'), [2, 1], { training: false, includeEnd: false });
  near(two.dataSync()[0], (1.5670992698140747 + 1.0507020607541482 + ce01) / 3);
  m.dispose();
});

test('greedy decoding follows teacher forcing: each token is the argmax given the tokens before it', () => {
  const cfg = { ...streamDefaults(), embedDim: 6, hidden: 5, imageWidth: 2 };
  const m = new StreamCaptioner(cfg, 7, 8, new Rng(2));
  m.out.b!.assign(tf.tensor1d([-5, 0.3, 0.1, 0.2, 0.4, 0.5, 0])); // keep <end> unlikely so several tokens come out
  const images = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const greedy = m.greedy(images, 4);
  assert.deepEqual([greedy.length, greedy[0].length], [2, 4]);
  const ids = tf.tensor2d(greedy.flat(), [2, 4], 'int32');
  const logits = m.logits(images, ids, [4, 4], false); // [2, 5, V]
  const argmax = tf.argMax(logits, 2).arraySync() as number[][];
  for (let b = 0; b < 2; b++) assert.deepEqual(argmax[b].slice(0, 4), greedy[b], `image ${b}`);
  m.dispose();
});

test('corpus BLEU-1: clipped unigram precision with the brevity penalty, by hand', () => {
  // cand "the the red box" vs refs "the red box"/"a red box": clipped 1 + 1 + 1 = 3 of 4; c = 4 > r = 3 → BP 1
  near(corpusBleu1([['the', 'the', 'red', 'box']], [[['the', 'red', 'box'], ['a', 'red', 'box']]]), 0.75);
  // cand "red" (c = 1) vs ref of length 3: precision 1, BP = e^(1 − 3/1)
  near(corpusBleu1([['red']], [[['a', 'red', 'box']]]), Math.exp(-2));
  assert.equal(corpusBleu1([['blue']], [[['a', 'red', 'box']]]), 0);
  assert.equal(corpusBleu1([[]], [[['a']]]), 0);
});

function tinyMirrorGAN(overrides: Record<string, unknown> = {}) {
  const cfg = resolveConfig({
    method: 'mirrorgan', imageSize: 32, dataset: { kind: 'shapes' }, text: { maxWords: 5 },
    damsm: { embedDim: 6, hidden: 4, imageWidth: 4 },
    mirrorgan: { stages: 2, zDim: 4, caDim: 3, ngf: 4, ndf: 4, resBlocks: 1, ...overrides },
    stream: { embedDim: 6, hidden: 5, imageWidth: 4 },
    train: { batchSize: 3 },
  });
  const V = 9;
  const vocab = new Vocabulary(['<end>', ...'abcdefgh'.split('')]);
  const encoders = { model: new DamsmModel(cfg.damsm, V, 32, new Rng(3)), vocab, checkpoint: 'enc' };
  const stream = { model: new StreamCaptioner(cfg.stream, V, 32, new Rng(4)), checkpoint: 'cap' };
  const m = new MirrorGAN({ mirrorgan: cfg.mirrorgan, train: cfg.train, imageSize: 32, vocabSize: V, maxWords: 5 }, encoders, stream, new Rng(5));
  return { m, encoders, stream, cfg };
}

function batch(seed: number) {
  const r = new Rng(seed);
  const lengths = Int32Array.from([5, 3, 2]);
  return {
    images: tf.tensor4d(Float32Array.from({ length: 3 * 32 * 32 * 3 }, () => r.uniform() * 2 - 1), [3, 32, 32, 3]),
    ids: tf.tensor2d(Int32Array.from({ length: 15 }, (_, k) => (k % 5 < lengths[Math.floor(k / 5)] ? 1 + r.int(8) : 0)), [3, 5], 'int32'),
    lengths,
    labels: Int32Array.from([-1, -1, -1]),
  };
}

const snapshot = (entries: [string, tf.Variable][]) => new Map(entries.map(([n, v]) => [n, v.dataSync().slice()]));

test('the redescription loss sends gradients through the frozen captioner to every G weight upstream of the finest image; no optimiser holds a frozen weight', () => {
  const { m, encoders, stream } = tinyMirrorGAN();
  const b = batch(6);
  const text = encoders.model.text.encode(b.ids, b.lengths, false);
  const gVars = m.params.entries().filter(([n, v]) => v.trainable && n.startsWith('g/'));
  const frozen = [...encoders.model.params.entries(), ...stream.model.params.entries()].map(([, v]) => v);
  const { value, grads } = tf.variableGrads(() => {
    const out = m.g.forward(text.sentence, text.words, text.mask, tf.randomNormal([3, 4]) as tf.Tensor2D, tf.randomNormal([3, 3]) as tf.Tensor2D, true);
    return m.redescriptionLoss(out, b.ids, b.lengths);
  }, [...gVars.map(([, v]) => v), ...frozen.filter((v) => v.trainable)]);
  assert.ok(value.dataSync()[0] > 0);
  // Only the coarse stage's image head is not upstream of the finest image.
  const none = gVars.filter(([, v]) => !grads[v.name] || grads[v.name].dataSync().every((x) => x === 0)).map(([n]) => n);
  assert.deepEqual(none, ['g/img0/w']);
  // The loss is differentiable through the captioner (its weights get gradients
  // when asked), so the guarantee is that no optimiser holds them.
  assert.ok(frozen.filter((v) => v.trainable).some((v) => grads[v.name]?.dataSync().some((x) => x !== 0)));
  const frozenSet = new Set(frozen);
  for (const opt of [m.optG, ...m.optDs]) assert.ok(opt.vars.every(([, v]) => !frozenSet.has(v)), opt.name);
  assert.deepEqual(new Set(m.optG.vars.map(([, v]) => v)), new Set(gVars.map(([, v]) => v)), 'G optimiser: exactly G');
  m.dispose();
});

test('training steps move G and the Ds, never the frozen captioner (weights and BN statistics) or the STEM; no leaks', () => {
  const { m, encoders, stream } = tinyMirrorGAN();
  assert.deepEqual(m.lossNames, ['d16', 'd32', 'g16', 'g32', 'kl', 'redesc', 'g_total']);
  const frozenBefore = snapshot([...encoders.model.params.entries(), ...stream.model.params.entries()]);
  const gBefore = snapshot(m.params.entries().filter(([n, v]) => v.trainable && n.startsWith('g/stage1/')));
  const b = batch(7);
  const l = m.trainStep(b);
  for (const name of m.lossNames) assert.ok(Number.isFinite(l[name]), name);
  assert.ok(l.redesc > 0 && l.kl >= 0);
  // g_total = Σ adversarial + KL + λ·redescription (λ = 10)
  near(l.g_total, l.g16 + l.g32 + l.kl + 10 * l.redesc, 1e-4);
  for (const [n, v] of [...encoders.model.params.entries(), ...stream.model.params.entries()]) {
    assert.deepEqual(v.dataSync(), frozenBefore.get(n), `frozen ${n} changed`);
  }
  const moved = m.params.entries().filter(([n]) => gBefore.has(n)).filter(([n, v]) => v.dataSync().some((x, i) => x !== gBefore.get(n)![i]));
  assert.ok(moved.length > 0.9 * gBefore.size, `${moved.length} of ${gBefore.size} refinement-stage weights moved`);
  // Two more steps, then the count must stay flat, for training and for sampling.
  m.trainStep(b);
  const ids = tf.tensor2d([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]], [2, 5], 'int32');
  const noise = tf.randomNormal([2, 4]) as tf.Tensor2D;
  const sampleAll = () => {
    m.generate(ids, noise).dispose();
    tf.dispose(m.attention(ids, noise).map((s) => s.weights));
    m.redescribe(ids, noise);
  };
  sampleAll();
  const n = tf.memory().numTensors;
  m.trainStep(b);
  sampleAll();
  assert.equal(tf.memory().numTensors, n);
  m.dispose();
});

test('redescription off: the loss is still measured but G trains on the adversarial terms and KL only', () => {
  const { m } = tinyMirrorGAN({ redescription: false, sentenceAttention: 'off' });
  const l = m.trainStep(batch(8));
  assert.ok(l.redesc > 0);
  near(l.g_total, l.g16 + l.g32 + l.kl, 1e-4);
  assert.equal(m.params.entries().some(([n]) => n.includes('sent_proj')), false, 'no sentence attention weights');
  m.dispose();
});

test('sampling: EMA generator, attention [N, T, H, W] with zeros on padding, re-descriptions per cell', () => {
  const { m } = tinyMirrorGAN();
  const ids = tf.tensor2d([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], [2, 5], 'int32');
  const noise = tf.randomNormal([2, 4]) as tf.Tensor2D;
  assert.deepEqual(m.generate(ids, noise).shape, [2, 32, 32, 3]);
  const att = m.attention(ids, noise);
  assert.deepEqual(att.map((a) => [a.name, a.weights.shape]), [['stage1', [2, 5, 16, 16]]]);
  const w = att[0].weights.arraySync() as number[][][][];
  assert.ok(w[0][3].flat().every((x) => x === 0) && w[1][2].flat().every((x) => x === 0), 'padded words');
  near(w[1][0][5][7] + w[1][1][5][7], 1, 1e-5);
  const r = m.redescribe(ids, noise)!;
  assert.deepEqual([r.length, r[0].length], [2, 5]);
  assert.ok(r.flat().every((t) => Number.isInteger(t) && t >= 0 && t < 9));
  // The EMA copy differs from the live weights after a step (decay 0.999).
  m.trainStep(batch(9));
  const live = m.g.forward(...(() => {
    const t = m.encoders.model.text.encode(ids, [3, 2], false);
    return [t.sentence, t.words, t.mask] as const;
  })(), noise, undefined, false).images[1];
  const ema = m.generate(ids, noise);
  assert.ok(tf.max(tf.abs(tf.sub(live, ema))).dataSync()[0] > 0);
  m.dispose();
});
