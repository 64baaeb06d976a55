// MirrorGAN's modules on the cpu backend: GLAM and discriminator shapes per
// stage, the attention masks, the sentence attention and the losses against
// values worked out by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import path from 'node:path';
import { ConfigError, loadConfig, resolveConfig } from '../../models/config/config';
import { Rng } from '../../models/data/rng';
import { klLoss } from '../../models/layers/conditioningAugmentation';
import { Params } from '../../models/layers/params';
import { bceWithLogits, discriminatorLoss, StageDiscriminator } from '../../models/mirrorgan/discriminators';
import { GlamGenerator, GlobalLocalAttention, stageSizes, type GlamSizes } from '../../models/mirrorgan/glam';

const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const randn = (shape: number[], seed: number) => {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
};
const sp = (x: number) => Math.log1p(Math.exp(x)); // softplus

const sizes = (over: Partial<GlamSizes> = {}): GlamSizes => ({
  imageSize: 32, stages: 2, zDim: 6, caDim: 5, ngf: 4, resBlocks: 1, textDim: 8, sentenceAttention: 'code', ...over,
});

/** Text features for B captions of the given lengths, width T. */
function text(lengths: number[], T: number, D: number, seed: number) {
  const mask = tf.tensor2d(lengths.flatMap((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0))), [lengths.length, T]);
  const words = tf.mul(randn([lengths.length, T, D], seed), tf.expandDims(mask, 2)) as tf.Tensor3D;
  return { words, mask, sentence: randn([lengths.length, D], seed + 1) as tf.Tensor2D };
}

test.before(async () => {
  await tf.setBackend('cpu');
});

test('stage sizes: finest = imageSize, each coarser half', () => {
  assert.deepEqual(stageSizes(256, 3), [64, 128, 256]);
  assert.deepEqual(stageSizes(64, 2), [32, 64]);
  assert.deepEqual(stageSizes(32, 2), [16, 32]);
});

test('GLAM: one image per stage at its size, attention per refinement stage at the previous resolution', () => {
  for (const [imageSize, stages] of [[32, 2], [64, 3]] as const) {
    const g = new GlamGenerator(Params.root(new Rng(1)), sizes({ imageSize, stages }), new Rng(2));
    const { words, mask, sentence } = text([3, 5], 6, 8, 3);
    const out = g.forward(sentence, words, mask, randn([2, 6], 4) as tf.Tensor2D, randn([2, 5], 5) as tf.Tensor2D, true);
    const expected = stageSizes(imageSize, stages);
    assert.deepEqual(out.images.map((im) => im.shape), expected.map((s) => [2, s, s, 3]));
    assert.deepEqual(out.attention.map((a) => a.shape), expected.slice(0, -1).map((s) => [2, s * s, 6]));
    assert.deepEqual(out.mu.shape, [2, 5]);
    for (const im of out.images) {
      const v = im.dataSync();
      assert.ok(v.every((x) => x >= -1 && x <= 1), 'tanh output');
    }
  }
  // The first stage starts at ngf·2^ups channels, so it hands ngf channels on.
  const g = new GlamGenerator(Params.root(new Rng(1)), sizes({ imageSize: 256, stages: 3, ngf: 2 }), new Rng(2));
  assert.equal(g.init.inC, 2 * 16, '64 px first stage: 16·ngf at 4×4, as the reference');
  assert.equal(g.init.ups.length, 4);
});

test('word attention: padded words get exactly zero weight at every pixel, real words sum to 1', () => {
  const g = new GlamGenerator(Params.root(new Rng(6)), sizes(), new Rng(7));
  const { words, mask, sentence } = text([2, 4, 1], 5, 8, 8);
  const out = g.forward(sentence, words, mask, randn([3, 6], 9) as tf.Tensor2D, undefined, false);
  const w = out.attention[0].arraySync() as number[][][]; // [B, 16·16, T]
  [2, 4, 1].forEach((L, b) => {
    for (const pixel of w[b]) {
      for (let t = L; t < 5; t++) assert.equal(pixel[t], 0, `caption ${b}, padded word ${t}`);
      near(pixel.slice(0, L).reduce((a, c) => a + c, 0), 1, 1e-5);
    }
  });
});

test('sentence attention: the paper form by hand; the code form is a per-pixel distribution over channels; off has no branch', () => {
  // "paper": f_s = s′ ⊙ softmax_channels(h ⊙ s′). h = [1, 2], s′ = [1, −1]:
  // h⊙s′ = [1, −2] → softmax [e/(e+e⁻²), e⁻²/(e+e⁻²)] = [0.952574, 0.047426] → f_s = [0.952574, −0.047426]
  const paper = new GlobalLocalAttention(Params.root(new Rng(10)), 2, 3, 1, 'paper');
  paper.sentProj!.w.assign(tf.zeros([1, 2]));
  paper.sentProj!.b!.assign(tf.tensor1d([1, -1]));
  const r = paper.apply(tf.tensor4d([[[[1, 2]]]]), tf.ones([1, 2, 3]) as tf.Tensor3D, tf.tensor2d([[1, 0]]), tf.zeros([1, 1]) as tf.Tensor2D);
  const fs = r.sentence!.dataSync();
  near(fs[0], 0.9525741268224331);
  near(fs[1], -0.04742587317756679);
  assert.equal(paper.sentConv, undefined);

  const code = new GlobalLocalAttention(Params.root(new Rng(11)), 4, 3, 5, 'code');
  assert.ok(code.sentConv);
  const h = randn([2, 3, 3, 4], 12) as tf.Tensor4D;
  const c = randn([2, 5], 13) as tf.Tensor2D;
  const out = code.apply(h, randn([2, 2, 3], 14) as tf.Tensor3D, tf.ones([2, 2]) as tf.Tensor2D, c);
  // a = f_s / s′ sums to 1 over the channels at every pixel.
  const sPrime = tf.reshape(code.sentProj!.apply(c), [2, 1, 1, 4]);
  const a = tf.div(out.sentence!, sPrime);
  for (const v of tf.sum(a, 3).dataSync()) near(v, 1, 1e-4);
  assert.deepEqual(out.wordContext.shape, [2, 3, 3, 4]);

  const off = new GlobalLocalAttention(Params.root(new Rng(15)), 4, 3, 5, 'off');
  assert.equal(off.sentProj, undefined);
  assert.equal(off.apply(h, randn([2, 2, 3], 14) as tf.Tensor3D, tf.ones([2, 2]) as tf.Tensor2D, c).sentence, undefined);
  const g = new GlamGenerator(Params.root(new Rng(16)), sizes({ sentenceAttention: 'off' }), new Rng(17));
  assert.deepEqual(g.next[0].fuse.w.shape, [1, 1, 8, 8], 'ablation fuses [h; c_w] (2·ngf)');
  const gc = new GlamGenerator(Params.root(new Rng(16)), sizes(), new Rng(17));
  assert.deepEqual(gc.next[0].fuse.w.shape, [1, 1, 12, 8], 'fuses [h; c_w; f_s] (3·ngf) to 2·ngf');
});

test('KL of the CA code through the generator matches a value worked out by hand', () => {
  // caDim 1: fc(s) = b = [1, 0.5, 0, 0] → GLU → μ = 1·σ(0) = 0.5, log σ² = 0.5·σ(0) = 0.25
  // KL = −½(1 + 0.25 − 0.25 − e^0.25) = 0.1420127
  const g = new GlamGenerator(Params.root(new Rng(18)), sizes({ caDim: 1 }), new Rng(19));
  g.ca.fc.w.assign(tf.zeros([8, 4]));
  g.ca.fc.b!.assign(tf.tensor1d([1, 0.5, 0, 0]));
  const { words, mask, sentence } = text([2, 3], 4, 8, 20);
  const out = g.forward(sentence, words, mask, randn([2, 6], 21) as tf.Tensor2D, randn([2, 1], 22) as tf.Tensor2D, true);
  near(out.mu.dataSync()[0], 0.5);
  near(out.logvar.dataSync()[1], 0.25);
  near(klLoss(out.mu, out.logvar).dataSync()[0], 0.1420127083438707);
});

test('stage discriminators: 4×4 features, widths as the reference, one logit per image', () => {
  const cases: [number, number][] = [[16, 2], [32, 4], [64, 8], [128, 8], [256, 8]]; // size → featC / ndf
  for (const [size, mult] of cases) {
    const d = new StageDiscriminator(Params.root(new Rng(23)), size, 2, 6);
    assert.equal(d.featC, 2 * mult, `${size}px`);
    const h = d.features(randn([2, size, size, 3], 24) as tf.Tensor4D, true);
    assert.deepEqual(h.shape, [2, 4, 4, 2 * mult]);
    assert.deepEqual(d.uncond(h).shape, [2]);
    assert.deepEqual(d.cond(h, randn([2, 6], 25) as tf.Tensor2D, true).shape, [2]);
  }
  const d256 = new StageDiscriminator(Params.root(new Rng(26)), 256, 2, 6);
  assert.deepEqual([d256.downs.length + 1, d256.squeezes.length], [6, 2], 'D256: six downsamplings, two 3×3 blocks back to 8·ndf');
  assert.throws(() => new StageDiscriminator(Params.root(new Rng(27)), 16, 2, 6).features(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, true), /built for 16px, got 32px/);
});

test('BCE with logits: −log σ(x) for label 1, −log(1 − σ(x)) for label 0, stable for large |x|', () => {
  near(bceWithLogits(tf.tensor1d([2, -1]), 1).dataSync()[0], (sp(-2) + sp(1)) / 2);
  near(bceWithLogits(tf.tensor1d([2, -1]), 0).dataSync()[0], (sp(2) + sp(-1)) / 2);
  near(bceWithLogits(tf.tensor1d([80]), 0).dataSync()[0], 80);
  assert.equal(bceWithLogits(tf.tensor1d([-80]), 0).dataSync()[0] < 1e-30, true);
});

test('D loss combines the terms as the code does, and mismatches real image k with sentence k+1', () => {
  // Stubbed logits: real uncond 2, real cond 1, fake uncond −1, fake cond 0, mismatched cond 3.
  // (sp(−2) + sp(−1))/2 + (sp(−1) + sp(0) + sp(3))/3 = 1.5717603
  const seen: number[][][] = [];
  const stub = {
    features: (x: tf.Tensor4D) => x,
    uncond: (h: tf.Tensor4D) => tf.fill([h.shape[0]], h.dataSync()[0] > 0 ? 2 : -1),
    cond: (h: tf.Tensor4D, s: tf.Tensor2D) => {
      seen.push([Array.from(h.dataSync()).filter((_, i) => i % 16 === 0), Array.from(s.dataSync())]);
      const realImages = h.dataSync()[0] > 0;
      return tf.fill([h.shape[0]], realImages ? (h.shape[0] === 3 ? 1 : 3) : 0);
    },
  } as unknown as StageDiscriminator;
  const real = tf.mul(tf.reshape(tf.tensor1d([1, 2, 3]), [3, 1, 1, 1]), tf.ones([3, 4, 4, 1])) as tf.Tensor4D;
  const fake = tf.neg(real) as tf.Tensor4D;
  const sentence = tf.tensor2d([[10], [20], [30]]);
  const parts = discriminatorLoss(stub, real, fake, sentence);
  near(parts.total.dataSync()[0], 1.5717602558312342);
  near(parts.mismatch.dataSync()[0], sp(3));
  // The third conditional call is the mismatched pairs: images 1, 2 with sentences 2, 3.
  assert.deepEqual(seen[2], [[1, 2], [20, 30]]);
});

test('the paper-shaped CUB config builds the reference generator: 64/128/256, 16·ngf at 4×4, 3·ngf → 2·ngf fuse, R_NUM blocks', () => {
  const cfg = loadConfig(path.join(__dirname, '../../samples/cub-mirrorgan-256.t2i.json'));
  const p = Params.root(new Rng(30));
  const g = new GlamGenerator(p, { ...cfg.mirrorgan, imageSize: cfg.imageSize, textDim: 2 * cfg.damsm.hidden }, new Rng(31));
  assert.deepEqual(g.sizes, [64, 128, 256]);
  assert.deepEqual(g.init.fc.w.shape, [100 + 100, 16 * 32 * 16 * 2], 'Linear([c; z] → ngf·16·4·4·2), no bias');
  assert.equal(g.init.fc.b, undefined);
  assert.deepEqual(g.ca.fc.w.shape, [256, 400], 'CA: Linear(256 → 4·100) + GLU');
  for (const stage of g.next) {
    assert.deepEqual(stage.fuse.w.shape, [1, 1, 96, 64]);
    assert.equal(stage.res.length, 2);
    assert.deepEqual(stage.att.wordProj.w.shape, [256, 32]);
    assert.deepEqual(stage.att.sentProj!.w.shape, [100, 32], "GLAttention's Linear(100 → idf)");
  }
  p.dispose();
});

test('config: defaults are the reference bird setting; a first stage under 16 px is refused', () => {
  const cfg = resolveConfig({ method: 'mirrorgan', imageSize: 256, dataset: { kind: 'shapes' } });
  assert.deepEqual(cfg.mirrorgan, { stages: 3, zDim: 100, caDim: 100, ngf: 32, ndf: 64, resBlocks: 2, sentenceAttention: 'code', redescription: true, lambda: 10, emaDecay: 0.999 });
  assert.deepEqual(cfg.stream, { embedDim: 256, hidden: 512, imageWidth: 32, endToken: true, batchSize: 128, lr: 0.001, steps: 5000, maxMinutes: 0, evalEvery: 100, checkpointEvery: 500 });
  assert.throws(
    () => resolveConfig({ method: 'mirrorgan', imageSize: 32, dataset: { kind: 'shapes' } }),
    (e: unknown) => e instanceof ConfigError && /\/mirrorgan\/stages 3 at \/imageSize 32 makes a 8px first stage/.test(e.message),
  );
  assert.equal(resolveConfig({ method: 'mirrorgan', imageSize: 32, dataset: { kind: 'shapes' }, mirrorgan: { stages: 2 } }).mirrorgan.stages, 2);
});
