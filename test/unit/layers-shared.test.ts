// The shared building blocks of the three methods: shapes, masks, gradients
// and values worked out by hand, on the cpu backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../models/data/rng';
import { wordAttention } from '../../models/layers/attention';
import { ConditioningAugmentation, klLoss } from '../../models/layers/conditioningAugmentation';
import { Dense } from '../../models/layers/dense';
import { Ema } from '../../models/layers/ema';
import { glu } from '../../models/layers/glu';
import { BiLstm, LstmDirection } from '../../models/layers/lstm';
import { glorotUniform, Params } from '../../models/layers/params';
import { Adam } from '../../models/train/adam';
import { sumPool } from '../../models/layers/pooling';
import { GluResBlock, ResBlockDown, ResBlockUp } from '../../models/layers/resBlocks';
import { SpatialBatchNorm } from '../../models/layers/spatialBatchNorm';
import { upsampleNearest2x } from '../../models/layers/upsample';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `index ${i}: ${a[i]} vs ${b[i]}`);
};
const randn = (shape: number[], seed: number) => {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
};
function gradientsReachAll(p: Params, f: () => tf.Scalar) {
  const vars = p.trainable();
  const { value, grads } = tf.variableGrads(f, vars);
  for (const [name, v] of p.entries().filter(([, v]) => v.trainable)) {
    const g = grads[v.name];
    assert.ok(g && g.dataSync().some((x) => x !== 0), `no gradient reaches ${name}`);
  }
  value.dispose();
  tf.dispose(Object.values(grads));
}

test.before(async () => {
  await tf.setBackend('cpu');
});

test('GLU: a·sigmoid(b) over the last axis', () => {
  const y = glu(tf.tensor2d([[2, -1, 0, 1]]));
  close(y.dataSync(), [2 * 0.5, -1 / (1 + Math.exp(-1))]);
  assert.throws(() => glu(tf.tensor2d([[1, 2, 3]])), /even channel count/);
});

test('KL loss matches a value worked out by hand', () => {
  // elements: 1 + 0 − 0.25 − 1 = −0.25 and 1 + ln2 − 1 − 2 = ln2 − 2; mean · (−½)
  const kl = klLoss(tf.tensor2d([[0.5, -1]]), tf.tensor2d([[0, Math.log(2)]]));
  close([kl.dataSync()[0]], [-0.5 * ((-0.25 + Math.log(2) - 2) / 2)]);
  close([klLoss(tf.zeros([3, 4]), tf.zeros([3, 4])).dataSync()[0]], [0], 1e-7);
});

test('conditioning augmentation: shapes, eval returns μ, sampling varies, gradients flow', () => {
  const p = Params.root(new Rng(1));
  const ca = new ConditioningAugmentation(p, 6, 4, new Rng(2));
  const s = randn([3, 6], 3) as tf.Tensor2D;
  const ev = ca.apply(s, false);
  assert.deepEqual(ev.c.shape, [3, 4]);
  close(ev.c.dataSync(), ev.mu.dataSync(), 0);
  const a = ca.apply(s, true).c.dataSync();
  const b = ca.apply(s, true).c.dataSync();
  assert.ok(a.some((v, i) => v !== b[i]), 'two samples differ');
  gradientsReachAll(p, () => {
    const { c, mu, logvar } = ca.apply(s, true);
    return tf.add(tf.sum(tf.square(c)), klLoss(mu, logvar)) as tf.Scalar;
  });
});

test('spatial CBN: per-pixel modulation, shapes checked, gradients reach γ/β convs', () => {
  const p = Params.root(new Rng(4));
  const sbn = new SpatialBatchNorm(p, 3, 2);
  const x = randn([2, 4, 4, 3], 5) as tf.Tensor4D;
  const m = randn([2, 4, 4, 2], 6) as tf.Tensor4D;
  assert.deepEqual(sbn.apply(x, m, true).shape, [2, 4, 4, 3]);
  assert.throws(() => sbn.apply(x, randn([2, 3, 3, 2], 7) as tf.Tensor4D, true), /condition map is 3x3, features are 4x4/);
  // A coarser map stands for its nearest upsampling: same output, same gradients (γ, β and m).
  const coarse = randn([2, 2, 2, 2], 7) as tf.Tensor4D;
  const lossWith = (map: (c: tf.Tensor4D) => tf.Tensor4D) => (c: tf.Tensor) => tf.sum(tf.mul(tf.exp(sbn.apply(x, map(c as tf.Tensor4D), true)), 0.1)) as tf.Scalar;
  const viaCoarse = tf.variableGrads(() => lossWith((c) => c)(coarse), [sbn.gamma.w, sbn.beta.w]);
  const viaFull = tf.variableGrads(() => lossWith((c) => upsampleNearest2x(c))(coarse), [sbn.gamma.w, sbn.beta.w]);
  close(viaCoarse.value.dataSync(), viaFull.value.dataSync(), 1e-5);
  for (const name of Object.keys(viaFull.grads)) close(viaCoarse.grads[name].dataSync(), viaFull.grads[name].dataSync(), 1e-4);
  close(tf.grad(lossWith((c) => c))(coarse).dataSync(), tf.grad(lossWith((c) => upsampleNearest2x(c)))(coarse).dataSync(), 1e-4);
  // With γ's conv set to a known value, pixels with different m get different scales.
  sbn.gamma.w.assign(tf.ones([1, 1, 2, 3]));
  sbn.beta.w.assign(tf.zeros([1, 1, 2, 3]));
  const y = sbn.apply(x, m, true);
  const n = sbn.stats.normalize(x, true);
  const scale = tf.add(tf.sum(m, 3, true), 1);
  close(y.dataSync(), tf.mul(n, scale).dataSync(), 1e-4);
  gradientsReachAll(p, () => tf.sum(tf.mul(tf.exp(sbn.apply(x, m, true)), 0.1)) as tf.Scalar);
});

test('spectral norm keeps the top singular value near 1', () => {
  const p = Params.root(new Rng(8));
  const d = new Dense(p, 6, 5, { spectralNorm: true, bias: false });
  d.w.assign(tf.mul(d.w, 7)); // σ(W) ≫ 1
  for (let i = 0; i < 30; i++) d.apply(tf.zeros([1, 6]), true);
  const wsn = d.sn!.apply(false) as tf.Tensor2D;
  // Top singular value of W_sn by a long power iteration done here.
  let v = tf.ones([6, 1]) as tf.Tensor2D;
  for (let i = 0; i < 200; i++) {
    const u = tf.matMul(wsn, v, true, false);
    const nv = tf.matMul(wsn, u);
    v = tf.div(nv, tf.norm(nv)) as tf.Tensor2D;
  }
  const sigma = tf.norm(tf.matMul(wsn, v, true, false)).dataSync()[0];
  assert.ok(Math.abs(sigma - 1) < 0.02, `σ(W_sn) = ${sigma}`);
  assert.ok(d.sn!.sigma() > 3, 'σ of the raw weight is estimated');
  // Gradients reach W but never the power-iteration vectors.
  const { grads } = tf.variableGrads(() => tf.sum(d.apply(tf.ones([2, 6]), true)) as tf.Scalar, [d.w]);
  assert.ok(grads[d.w.name].dataSync().some((x) => x !== 0));
  assert.equal(d.sn!.u.trainable, false);
});

test('word attention: padded words get exactly zero weight, weights sum to 1, context is the weighted sum', () => {
  const q = randn([2, 5, 4], 9) as tf.Tensor3D;
  const k = randn([2, 3, 4], 10) as tf.Tensor3D;
  const v = randn([2, 3, 6], 11) as tf.Tensor3D;
  const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
  for (const opts of [{}, { cosineScale: 15 }]) {
    const { context, weights } = wordAttention(q, k, v, mask, opts);
    assert.deepEqual(context.shape, [2, 5, 6]);
    assert.deepEqual(weights.shape, [2, 5, 3]);
    const w = weights.arraySync() as number[][][];
    for (let n = 0; n < 5; n++) {
      assert.equal(w[0][n][2], 0);
      assert.equal(w[1][n][1], 0);
      assert.equal(w[1][n][2], 0);
      close([w[0][n][0] + w[0][n][1]], [1], 1e-6);
      close([w[1][n][0]], [1], 1e-6);
    }
    close(context.dataSync(), tf.matMul(weights, v).dataSync(), 1e-5);
  }
  // Cosine scores: scaling a key does not change the weights.
  const a = wordAttention(q, k, v, mask, { cosineScale: 5 }).weights.dataSync();
  const b = wordAttention(q, tf.mul(k, 3) as tf.Tensor3D, v, mask, { cosineScale: 5 }).weights.dataSync();
  close(a, b, 1e-5);
});

/** A plain-JS LSTM step loop over one sequence: the reference for the masked tensor version. */
function referenceLstm(x: number[][], wx: number[][], wh: number[][], b: number[], H: number) {
  let h = new Array(H).fill(0);
  let c = new Array(H).fill(0);
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  const outs: number[][] = [];
  for (const xt of x) {
    const g = b.map((bb, j) => bb + xt.reduce((s, xv, e) => s + xv * wx[e][j], 0) + h.reduce((s, hv, k) => s + hv * wh[k][j], 0));
    c = c.map((cv, j) => sig(g[H + j]) * cv + sig(g[j]) * Math.tanh(g[2 * H + j]));
    h = h.map((_, j) => sig(g[3 * H + j]) * Math.tanh(c[j]));
    outs.push(h);
  }
  return { h, c, outs };
}

test('masked LSTM: final states at the true lengths equal a step-by-step reference', () => {
  const p = Params.root(new Rng(12));
  const H = 3;
  const lstm = new LstmDirection(p, 2, H);
  lstm.b.assign(randn([4 * H], 13));
  const x = randn([3, 4, 2], 14) as tf.Tensor3D;
  const lengths = [4, 2, 1];
  const mask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]]);
  const { outputs, h, c } = lstm.run(x, mask);
  const xs = x.arraySync() as number[][][];
  const wx = lstm.wx.arraySync() as number[][];
  const wh = lstm.wh.arraySync() as number[][];
  const bb = [...lstm.b.dataSync()];
  const hs = h.arraySync() as number[][];
  const cs = c.arraySync() as number[][];
  const os = outputs.arraySync() as number[][][];
  lengths.forEach((L, i) => {
    const ref = referenceLstm(xs[i].slice(0, L), wx, wh, bb, H);
    close(hs[i], ref.h, 1e-5);
    close(cs[i], ref.c, 1e-5);
    for (let t = 0; t < 4; t++) close(os[i][t], t < L ? ref.outs[t] : [0, 0, 0], 1e-5);
  });
});

test('bi-LSTM: the backward direction reads each valid prefix in reverse', () => {
  const p = Params.root(new Rng(15));
  const bi = new BiLstm(p, 2, 3);
  const x = randn([2, 5, 2], 16) as tf.Tensor3D;
  const lengths = [5, 3];
  const { outputs, hFwd, hBwd } = bi.run(x, lengths);
  assert.deepEqual(outputs.shape, [2, 5, 6]);
  const xs = x.arraySync() as number[][][];
  const wx = bi.bwd.wx.arraySync() as number[][];
  const wh = bi.bwd.wh.arraySync() as number[][];
  const b = [...bi.bwd.b.dataSync()];
  const hb = hBwd.arraySync() as number[][];
  const os = outputs.arraySync() as number[][][];
  lengths.forEach((L, i) => {
    const ref = referenceLstm(xs[i].slice(0, L).reverse(), wx, wh, b, 3);
    close(hb[i], ref.h, 1e-5);
    // Backward output at word t is the state after reading words L−1 … t.
    for (let t = 0; t < L; t++) close(os[i][t].slice(3), ref.outs[L - 1 - t], 1e-5);
    for (let t = L; t < 5; t++) close(os[i][t], [0, 0, 0, 0, 0, 0], 0);
  });
  assert.deepEqual(hFwd.shape, [2, 3]);
  gradientsReachAll(p, () => tf.sum(tf.square(bi.run(x, lengths).outputs)) as tf.Scalar);
});

test('residual blocks: shapes and gradients', () => {
  const p = Params.root(new Rng(17));
  const up = new ResBlockUp(p.scope('up'), 4, 3);
  const down = new ResBlockDown(p.scope('down'), 3, 5, { downsample: true, spectralNorm: true });
  const first = new ResBlockDown(p.scope('first'), 3, 3, { downsample: true, optimized: true });
  const same = new ResBlockDown(p.scope('same'), 5, 5, { downsample: false });
  const gluBlock = new GluResBlock(p.scope('glu'), 3);
  const x = randn([2, 4, 4, 4], 18) as tf.Tensor4D;
  const plainNorm = (h: tf.Tensor4D) => tf.sub(h, tf.mean(h, [0, 1, 2])) as tf.Tensor4D;
  const forward = () => {
    const u = up.apply(x, plainNorm);
    assert.deepEqual(u.shape, [2, 8, 8, 3]);
    const g = gluBlock.apply(u, true);
    assert.deepEqual(g.shape, [2, 8, 8, 3]);
    const f = first.apply(g);
    assert.deepEqual(f.shape, [2, 4, 4, 3]);
    const d = down.apply(f);
    assert.deepEqual(d.shape, [2, 2, 2, 5]);
    const s = same.apply(d);
    assert.deepEqual(s.shape, [2, 2, 2, 5]);
    return tf.sum(tf.exp(tf.mul(sumPool(s), 0.1))) as tf.Scalar;
  };
  gradientsReachAll(p, forward);
});

test('EMA: shadow follows decay·shadow + (1−decay)·w, swap exchanges weights', () => {
  const w = tf.variable(tf.tensor1d([0, 10]));
  const ema = new Ema([['w', w]], 0.9);
  w.assign(tf.tensor1d([1, 0]));
  ema.update();
  close(ema.shadow.get('w')!.dataSync(), [0.1, 9]);
  const seen = ema.withAveraged(() => [...w.dataSync()]);
  close(seen, [0.1, 9]);
  close(w.dataSync(), [1, 0]);
  assert.deepEqual(ema.state().map(([n]) => n), ['ema/w']);
  ema.dispose();
});

test('EMA warm-up: decay min(decay, (1+n)/(10+n)) keeps little of the random start in short runs', () => {
  const ema = new Ema([['w', tf.variable(tf.tensor1d([0]))]], 0.995);
  assert.equal(ema.decayAfter(), 0.995);
  assert.equal(ema.decayAfter(0), 0.1);
  assert.equal(ema.decayAfter(90), 0.91);
  assert.equal(ema.decayAfter(10_000), 0.995);
  // Start 0, live weight 1 for 300 updates: the warm-up leaves < 1% of the start, the plain decay 22%.
  const w = tf.variable(tf.tensor1d([0]));
  const warm = new Ema([['w', w]], 0.995);
  const plain = new Ema([['w', w]], 0.995);
  w.assign(tf.tensor1d([1]));
  for (let n = 0; n < 300; n++) {
    warm.update(n);
    plain.update();
  }
  assert.ok(warm.shadow.get('w')!.dataSync()[0] > 0.99);
  close(plain.shadow.get('w')!.dataSync(), [1 - Math.pow(0.995, 300)], 1e-4);
  tf.dispose([w]);
  [ema, warm, plain].forEach((e) => e.dispose());
});

test('a model, its Adam moments and its EMA leave no tensor behind when disposed', () => {
  const before = tf.memory().numTensors;
  const p = Params.root(new Rng(3));
  const a = p.add('w', [3, 4], glorotUniform(3, 4));
  p.add('b', [4], glorotUniform(1, 4));
  const opt = new Adam('opt', p.entries(), { lr: 0.1, beta1: 0.5, beta2: 0.999 });
  const ema = new Ema(p.entries(), 0.9);
  // The weights own their values: disposing everything returns the count to where it was.
  assert.equal(tf.memory().numTensors, before + 2 + 4 + 2);
  opt.minimize(() => tf.sum(tf.square(a)) as tf.Scalar);
  ema.update(0);
  ema.dispose();
  opt.dispose();
  p.dispose();
  assert.equal(tf.memory().numTensors, before);
});
