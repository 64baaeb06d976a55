// XMC-GAN's generator and discriminator: shapes at 32/64/128/256 (tiny
// widths), the code's channel lists, attention masking, and spectral norm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../models/data/rng';
import { Params } from '../../models/layers/params';
import { maskedMean } from '../../models/text/damsmTextEncoder';
import { D_CHANNEL_RATIOS, XmcDiscriminator } from '../../models/xmcgan/discriminator';
import { G_CHANNEL_RATIOS, XmcGenerator, type TextCondition } from '../../models/xmcgan/generator';
import { SpectralNorm } from '../../models/layers/spectralNorm';

const randn = (shape: number[], seed: number) => {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
};

/** Words [B, T, D] that are zero at padding (as the LSTM gives), their mask and masked mean. */
function text(lengths: number[], t: number, d: number, seed: number): TextCondition {
  const b = lengths.length;
  const mask = tf.tensor2d(lengths.flatMap((L) => Array.from({ length: t }, (_, k) => (k < L ? 1 : 0))), [b, t]);
  const words = tf.mul(randn([b, t, d], seed), tf.expandDims(mask, 2)) as tf.Tensor3D;
  return { words, mask, sentence: maskedMean(words, mask) };
}

test.before(async () => {
  await tf.setBackend('cpu');
});

test("channel lists: the code's at 128 and 256, ours at 32 and 64 end at gf/df", () => {
  assert.deepEqual(G_CHANNEL_RATIOS[128], [16, 8, 4, 2, 1]);
  assert.deepEqual(G_CHANNEL_RATIOS[256], [16, 8, 8, 4, 2, 1]);
  assert.deepEqual(D_CHANNEL_RATIOS[128], [2, 4, 8, 16, 16]);
  assert.deepEqual(D_CHANNEL_RATIOS[256], [2, 4, 8, 8, 16, 16]);
  for (const s of [32, 64, 128, 256]) {
    assert.equal(G_CHANNEL_RATIOS[s].length, Math.log2(s / 4), `${s}: one G block per doubling from 4×4`);
    assert.equal(G_CHANNEL_RATIOS[s].at(-1), 1);
    assert.equal(D_CHANNEL_RATIOS[s].length, Math.log2(s / 8) + 1, `${s}: D down to 4×4, then one block at 4×4`);
  }
});

for (const size of [32, 64, 128, 256]) {
  test(`generator at ${size}px: image and attention shapes, global blocks up to 16, spatial above`, () => {
    const p = Params.root(new Rng(size));
    const gf = 2;
    const g = new XmcGenerator(p, { imageSize: size, gf, zDim: 4, condSize: 16, wordDim: 6, rho0: 15 });
    assert.equal(g.globalBlocks.length, 2, 'two GenBlocks: 4 → 8 → 16');
    assert.equal(g.spatialBlocks.length, Math.log2(size / 16));
    assert.equal(g.stemChannels, gf * G_CHANNEL_RATIOS[size][0]);
    assert.equal(g.headConv.inC, gf, 'the last block has gf channels');
    // Spatial norms read [c; g]: word dim + 2·zDim channels.
    assert.equal(g.spatialBlocks[0].norms[0].gamma.inC, 6 + 8);
    const t = text([3, 5], 7, 6, 1);
    const out = g.apply(t, randn([2, 4], 2) as tf.Tensor2D, true);
    assert.deepEqual(out.images.shape, [2, size, size, 3]);
    assert.ok(out.images.dataSync().every((v) => v > -1 && v < 1), 'tanh output');
    assert.deepEqual(out.attention.shape, [2, 256, 7]);
    p.dispose();
  });

  test(`discriminator at ${size}px: logits, φ, projected sentence, regions at 16×16`, () => {
    const p = Params.root(new Rng(size + 1));
    const df = 2;
    const d = new XmcDiscriminator(p, { imageSize: size, df, condSize: 16, wordDim: 6 });
    const ratios = D_CHANNEL_RATIOS[size];
    assert.equal(d.featDim, df * ratios.at(-1)!);
    assert.equal(d.blocks.length, ratios.length + 1);
    const t = text([2, 4], 5, 6, 3);
    // Real and fake images of the same two captions in one pass (the sentence is tiled).
    const o = d.apply(randn([4, size, size, 3], 4) as tf.Tensor4D, t.sentence, true, { regions: true });
    assert.deepEqual(o.logits.shape, [4]);
    assert.deepEqual(o.phi.shape, [4, d.featDim]);
    assert.deepEqual(o.sentence.shape, [2, d.featDim]);
    assert.deepEqual(o.regions!.shape, [4, 256, 6]);
    assert.equal(d.apply(randn([2, size, size, 3], 5) as tf.Tensor4D, t.sentence, false).regions, undefined);
    p.dispose();
  });
}

test('discriminator at 128px keeps the 16×16 map of 4df channels as x_reg (the code\'s choice)', () => {
  const p = Params.root(new Rng(9));
  const d = new XmcDiscriminator(p, { imageSize: 128, df: 1, condSize: 16, wordDim: 3 });
  // opt → 64, blocks → 32, 16 (4df), 8, 4, 4
  assert.equal(d.regionBlock, 2);
  assert.equal(d.regionProj.inC, 4);
  assert.equal(d.featDim, 16);
  p.dispose();
});

test('generator attention: rows sum to 1 over real words, padded words get exactly 0, ρ0 sharpens', () => {
  const p = Params.root(new Rng(3));
  const mk = (rho0: number) => new XmcGenerator(Params.root(new Rng(3)), { imageSize: 32, gf: 2, zDim: 4, condSize: 8, wordDim: 5, rho0 });
  const t = text([2, 4, 1], 6, 5, 7);
  const z = randn([3, 4], 8) as tf.Tensor2D;
  const g = mk(15);
  const a = g.apply(t, z, false).attention; // [3, 64, 6]
  const arr = a.arraySync() as number[][][];
  [2, 4, 1].forEach((L, i) => {
    for (const row of arr[i]) {
      assert.ok(Math.abs(row.slice(0, L).reduce((s, v) => s + v, 0) - 1) < 1e-5);
      assert.ok(row.slice(L).every((v) => v === 0), 'padding gets no weight');
    }
  });
  assert.ok(arr[2].every((row) => Math.abs(row[0] - 1) < 1e-6), 'a one-word caption puts all weight on it');
  // With the same weights, a smaller ρ0 gives flatter attention (higher entropy).
  const entropy = (x: tf.Tensor) => -tf.sum(tf.mul(x, tf.log(tf.add(x, 1e-12)))).dataSync()[0];
  const flat = mk(1).apply(t, z, false).attention;
  assert.ok(entropy(flat) > entropy(a), 'ρ0 = 15 is sharper than ρ0 = 1');
  p.dispose();
});

/** Top singular value of a [fanIn, out] matrix by many power iterations, in float64. */
function topSingularValue(w: Float32Array, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + Math.sin(i));
  let s = 0;
  for (let it = 0; it < 500; it++) {
    const u = new Array(rows).fill(0);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) u[r] += w[r * cols + c] * v[c];
    const nu = Math.hypot(...u);
    const v2 = new Array(cols).fill(0);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) v2[c] += w[r * cols + c] * (u[r] / nu);
    s = Math.hypot(...v2);
    v = v2.map((x) => x / s);
  }
  return s;
}

test('spectral norm: every D layer is normalised; after training calls the top singular value is ≈ 1', () => {
  const p = Params.root(new Rng(11));
  const d = new XmcDiscriminator(p, { imageSize: 32, df: 4, condSize: 16, wordDim: 6 });
  const layers: { name: string; sn: SpectralNorm }[] = [];
  d.blocks.forEach((b, i) => {
    for (const [k, c] of Object.entries({ conv1: b.conv1, conv2: b.conv2, shortcut: b.shortcut })) if (c) layers.push({ name: `block${i}/${k}`, sn: c.sn! });
  });
  layers.push({ name: 'head', sn: d.head.sn! }, { name: 'sentence_proj', sn: d.sentenceProj.sn! }, { name: 'region_proj', sn: d.regionProj.sn! });
  assert.ok(layers.every((l) => l.sn instanceof SpectralNorm), 'every conv and dense layer has spectral norm');
  const raw = layers.map(({ sn }) => topSingularValue(sn.weight.dataSync() as Float32Array, sn.weight.size / sn.weight.shape.at(-1)!, sn.weight.shape.at(-1)!));
  assert.ok(raw.some((s) => Math.abs(s - 1) > 0.3), 'the raw weights are not already normalised');
  const t = text([2, 3], 4, 6, 1);
  for (let i = 0; i < 30; i++) tf.tidy(() => {
    d.apply(randn([2, 32, 32, 3], i) as tf.Tensor4D, t.sentence, true, { regions: true });
  });
  for (const { name, sn } of layers) {
    const w = tf.tidy(() => sn.apply(false).dataSync() as Float32Array);
    const out = sn.weight.shape.at(-1)!;
    const s = topSingularValue(w, sn.weight.size / out, out);
    assert.ok(Math.abs(s - 1) < 0.02, `${name}: σ(W/σ̂) = ${s}`);
  }
  p.dispose();
});
