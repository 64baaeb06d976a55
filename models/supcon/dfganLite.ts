// supcon-dfgan: the supervised-contrastive framework (design §4, our reading)
// on a one-stage DF-GAN-lite host (design §1.4, tobran/DF-GAN as summarised).
//
//   condition   y = [z; ē], ē the frozen DAMSM sentence code
//   generator   Linear(z → 8nf·4·4) → G_Block per doubling → LReLU → conv3×3 → tanh
//               G_Block = up×2 → [DFBlock → conv3×3 → DFBlock → conv3×3] + shortcut (1×1 if widths differ)
//               DFBlock = Affine → LReLU(0.2) → Affine → LReLU;  Affine(x) = (1 + γ(y))⊙x + β(y),
//               γ, β 2-layer MLPs whose last layer starts at 0 (so γ ≡ 1, β ≡ 0 at init)
//   discrim.    conv3×3 → D_Block per halving down to 4×4; D_Block = shortcut(1×1?, avg-pool 2)
//               + g·[conv4×4 s2 → LReLU → conv3×3 → LReLU], g a scalar starting at 0;
//               head: [φ; tile(ē)] → conv3×3 (2nf) → LReLU → conv4×4 valid → logit
//   losses      hinge, on each branch: D: relu(1 − D(x,s)) + ½[relu(1 + D(x̂,s)) + relu(1 + D(x,s_mis))]
//               + k·mean(‖∇_{x,s} D(x,s)‖^p) (MA-GP; k = 2, p = 6);  G: −D(x̂,s)
//               plus λ_sup·SupCon over the frozen image encoder's codes of the 2N fakes.
//
// MA-GP needs second derivatives (the gradient of a gradient norm w.r.t. D's
// weights). tfjs-core's tape records the inner tf.grads, and conv2d,
// leakyRelu, reshape and mean have differentiable gradients, which a finite-
// difference test checks (test/unit/supcon-hosts.test.ts); D's avg-pool is a
// reshape + mean for that reason (AvgPoolGrad has no gradient of its own).
import * as tf from '@tensorflow/tfjs-core';
import type { DfganLiteConfig, SupconConfig } from '../config/config';
import { conditioningText } from '../damsm/conditioningText';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Params, zeros, type RandomSource } from '../layers/params';
import { upsampleNearest2x } from '../layers/upsample';
import { Adam } from '../train/adam';
import { CheckpointedModel } from '../train/checkpoint';
import type { Batch, T2IMethod } from '../train/method';
import { generatedSupcon, hingeFake, hingeReal, rollWithinBranches, sumOverBranches, supconWeight } from './common';
import { lengthsOf } from '../text/lengths';

const LEAK = 0.2;

/** 2×2 average pool as reshape + mean: twice differentiable (MA-GP). */
function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.mean(tf.reshape(x, [b, h / 2, 2, w / 2, 2, c]), [2, 4]) as tf.Tensor4D;
}

class Affine {
  readonly g1: Dense;
  readonly g2: Dense;
  readonly b1: Dense;
  readonly b2: Dense;

  constructor(p: Params, condDim: number, hidden: number, readonly channels: number) {
    this.g1 = new Dense(p.scope('gamma1'), condDim, hidden);
    this.g2 = new Dense(p.scope('gamma2'), hidden, channels, { init: 'zeros' });
    this.b1 = new Dense(p.scope('beta1'), condDim, hidden);
    this.b2 = new Dense(p.scope('beta2'), hidden, channels, { init: 'zeros' });
  }

  apply(x: tf.Tensor4D, y: tf.Tensor2D): tf.Tensor4D {
    const b = x.shape[0];
    const gamma = tf.reshape(tf.add(this.g2.apply(tf.relu(this.g1.apply(y))), 1), [b, 1, 1, this.channels]);
    const beta = tf.reshape(this.b2.apply(tf.relu(this.b1.apply(y))), [b, 1, 1, this.channels]);
    return tf.add(tf.mul(x, gamma), beta) as tf.Tensor4D;
  }
}

class GBlock {
  readonly a1: Affine[];
  readonly a2: Affine[];
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly shortcut?: Conv2d;

  constructor(p: Params, inC: number, outC: number, condDim: number, hidden: number) {
    this.a1 = [new Affine(p.scope('fuse1/a'), condDim, hidden, inC), new Affine(p.scope('fuse1/b'), condDim, hidden, inC)];
    this.a2 = [new Affine(p.scope('fuse2/a'), condDim, hidden, outC), new Affine(p.scope('fuse2/b'), condDim, hidden, outC)];
    this.conv1 = new Conv2d(p.scope('conv1'), inC, outC, 3);
    this.conv2 = new Conv2d(p.scope('conv2'), outC, outC, 3);
    if (inC !== outC) this.shortcut = new Conv2d(p.scope('shortcut'), inC, outC, 1);
  }

  private fuse([a, b]: Affine[], x: tf.Tensor4D, y: tf.Tensor2D): tf.Tensor4D {
    return tf.leakyRelu(b.apply(tf.leakyRelu(a.apply(x, y), LEAK), y), LEAK);
  }

  apply(x: tf.Tensor4D, y: tf.Tensor2D): tf.Tensor4D {
    const h = upsampleNearest2x(x);
    const r = this.conv2.apply(this.fuse(this.a2, this.conv1.apply(this.fuse(this.a1, h, y)), y));
    return tf.add(this.shortcut ? this.shortcut.apply(h) : h, r);
  }
}

export class DfGenerator {
  readonly stem: Dense;
  readonly blocks: GBlock[] = [];
  readonly out: Conv2d;
  readonly c0: number;

  constructor(p: Params, imageSize: number, readonly nf: number, zDim: number, sentDim: number, hidden: number) {
    const chAt = (res: number) => nf * Math.min(8, 256 / res);
    this.c0 = chAt(4);
    this.stem = new Dense(p.scope('stem'), zDim, this.c0 * 16);
    for (let res = 4, i = 0; res < imageSize; res *= 2, i++) {
      this.blocks.push(new GBlock(p.scope(`block${i}`), chAt(res), chAt(res * 2), zDim + sentDim, hidden));
    }
    this.out = new Conv2d(p.scope('out'), chAt(imageSize), 3, 3);
  }

  apply(z: tf.Tensor2D, sent: tf.Tensor2D): tf.Tensor4D {
    const y = tf.concat([z, sent], 1);
    let h = tf.reshape(this.stem.apply(z), [z.shape[0], 4, 4, this.c0]) as tf.Tensor4D;
    for (const blk of this.blocks) h = blk.apply(h, y);
    return tf.tanh(this.out.apply(tf.leakyRelu(h, LEAK)));
  }
}

class DBlock {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly shortcut?: Conv2d;
  readonly gate: tf.Variable;

  constructor(p: Params, inC: number, outC: number) {
    this.conv1 = new Conv2d(p.scope('conv1'), inC, outC, 4, { stride: 2, pad: 1, bias: false });
    this.conv2 = new Conv2d(p.scope('conv2'), outC, outC, 3, { bias: false });
    if (inC !== outC) this.shortcut = new Conv2d(p.scope('shortcut'), inC, outC, 1);
    this.gate = p.add('gamma', [1], zeros);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const r = tf.leakyRelu(this.conv2.apply(tf.leakyRelu(this.conv1.apply(x), LEAK)), LEAK);
    const s = avgPool2(this.shortcut ? this.shortcut.apply(x) : x);
    return tf.add(s, tf.mul(this.gate, r)) as tf.Tensor4D;
  }
}

export class DfDiscriminator {
  readonly inConv: Conv2d;
  readonly blocks: DBlock[] = [];
  readonly joint: Conv2d;
  readonly head: Conv2d;

  constructor(p: Params, imageSize: number, nf: number, readonly sentDim: number) {
    this.inConv = new Conv2d(p.scope('in'), 3, nf, 3);
    let c = nf;
    for (let res = imageSize, i = 0; res > 4; res /= 2, i++) {
      const next = nf * Math.min(16, 2 ** (i + 1));
      this.blocks.push(new DBlock(p.scope(`block${i}`), c, next));
      c = next;
    }
    this.joint = new Conv2d(p.scope('joint'), c + sentDim, nf * 2, 3, { bias: false });
    this.head = new Conv2d(p.scope('head'), nf * 2, 1, 4, { pad: 'valid', bias: false });
  }

  /** x [B, S, S, 3], sentence [B, D] → logits [B]. */
  apply(x: tf.Tensor4D, sent: tf.Tensor2D): tf.Tensor1D {
    let h = this.inConv.apply(x);
    for (const blk of this.blocks) h = blk.apply(h);
    const b = x.shape[0];
    const tiled = tf.mul(tf.reshape(sent, [b, 1, 1, this.sentDim]), tf.ones([1, 4, 4, 1]));
    const j = tf.leakyRelu(this.joint.apply(tf.concat([h, tiled], 3) as tf.Tensor4D), LEAK);
    return tf.reshape(this.head.apply(j), [b]) as tf.Tensor1D;
  }
}

/**
 * k·mean_i(‖∇_{x,s} D(x_i, s_i)‖^p) on real pairs (DF-GAN's MA-GP). The
 * gradient is taken inside the caller's tape, so its own gradient w.r.t. D's
 * weights flows (second derivatives).
 */
export function matchingAwareGp(d: DfDiscriminator, x: tf.Tensor4D, s: tf.Tensor2D, k: number, p: number): tf.Scalar {
  const [gx, gs] = tf.grads((xx: tf.Tensor, ss: tf.Tensor) => tf.sum(d.apply(xx as tf.Tensor4D, ss as tf.Tensor2D)))([x, s]);
  const b = x.shape[0];
  const sq = tf.add(tf.sum(tf.square(tf.reshape(gx, [b, -1])), 1), tf.sum(tf.square(gs), 1)); // ‖∇‖²
  return tf.mul(tf.mean(tf.pow(tf.add(sq, 1e-12), p / 2)), k) as tf.Scalar;
}

export class SupconDfgan extends CheckpointedModel implements T2IMethod {
  readonly name = 'supcon-dfgan';
  readonly lossNames = ['d_real', 'd_fake', 'd_mismatch', 'd_gp', 'd_total', 'g_adv', 'g_supcon', 'g_total'];
  readonly noiseDim: number;
  readonly params: Params;
  readonly g: DfGenerator;
  readonly d: DfDiscriminator;
  readonly optG: Adam;
  readonly optD: Adam;

  constructor(
    readonly cfg: { sizes: DfganLiteConfig; supcon: SupconConfig; imageSize: number },
    readonly encoders: FrozenEncoders,
    private readonly rand: RandomSource,
  ) {
    super();
    const { sizes } = cfg;
    const sentDim = encoders.model.text.dim;
    this.noiseDim = sizes.zDim;
    this.params = Params.root(rand);
    this.g = new DfGenerator(this.params.scope('g'), cfg.imageSize, sizes.nf, sizes.zDim, sentDim, sizes.affineHidden);
    this.d = new DfDiscriminator(this.params.scope('d'), cfg.imageSize, sizes.nf, sentDim);
    const trainable = (prefix: string) => this.params.entries().filter(([n, v]) => v.trainable && n.startsWith(prefix));
    const adam = { beta1: sizes.beta1, beta2: sizes.beta2 };
    this.optG = new Adam('opt_g', trainable('g/'), { lr: sizes.lrG, ...adam });
    this.optD = new Adam('opt_d', trainable('d/'), { lr: sizes.lrD, ...adam });
  }

  private noise(b: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from({ length: b * this.noiseDim }, () => this.rand.normal()), [b, this.noiseDim]);
  }

  /** `batch` is a two-branch batch (TwoBranchSampler): rows [0, N) branch A, [N, 2N) branch B. */
  trainStep(batch: Batch): Record<string, number> {
    const b = batch.images.shape[0];
    if (b % 2 !== 0) throw new Error(`supcon-dfgan needs a two-branch batch (even row count), got ${b}`);
    const { gpWeight, gpPower } = this.cfg.sizes;
    const out: Record<string, number> = {};
    const sent = tf.tidy(() => conditioningText(this.encoders, batch.ids, batch.lengths).sentence);
    const fake = tf.tidy(() => this.g.apply(this.noise(b), sent));
    const parts: Record<string, tf.Scalar> = {};
    out.d_total = this.optD.minimize(() => {
      const sMis = rollWithinBranches(sent);
      const logits = this.d.apply(tf.concat([batch.images, fake, batch.images], 0), tf.concat([sent, sent, sMis], 0));
      const [lr, lf, lm] = tf.split(logits, 3);
      const real = sumOverBranches(lr, hingeReal);
      const fk = sumOverBranches(lf, hingeFake);
      const mis = sumOverBranches(lm, hingeFake);
      const [xa, xb] = tf.split(batch.images, 2);
      const [sa, sb] = tf.split(sent, 2);
      const gp = gpWeight > 0 ? tf.add(matchingAwareGp(this.d, xa as tf.Tensor4D, sa as tf.Tensor2D, gpWeight, gpPower), matchingAwareGp(this.d, xb as tf.Tensor4D, sb as tf.Tensor2D, gpWeight, gpPower)) : tf.scalar(0);
      parts.d_real = tf.keep(real.clone());
      parts.d_fake = tf.keep(fk.clone());
      parts.d_mismatch = tf.keep(mis.clone());
      parts.d_gp = tf.keep(gp.clone() as tf.Scalar);
      return tf.addN([real, tf.mul(tf.add(fk, mis), 0.5), gp]) as tf.Scalar;
    });
    fake.dispose();

    const w = supconWeight(this.cfg.supcon);
    out.g_total = this.optG.minimize(() => {
      const x = this.g.apply(this.noise(b), sent);
      const adv = sumOverBranches(this.d.apply(x, sent), (l) => tf.neg(tf.mean(l)) as tf.Scalar);
      const sc = generatedSupcon(this.encoders, x, batch.labels, this.cfg.supcon);
      parts.g_adv = tf.keep(adv.clone());
      parts.g_supcon = tf.keep(sc.clone());
      return tf.add(adv, tf.mul(sc, w)) as tf.Scalar;
    });
    sent.dispose();
    for (const [k, t] of Object.entries(parts)) {
      out[k] = t.dataSync()[0];
      t.dispose();
    }
    return out;
  }

  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.g.apply(noise, conditioningText(this.encoders, ids, lengthsOf(ids)).sentence));
  }

  protected checkpointTensors(): [string, tf.Tensor][] {
    return this.params.entries();
  }

  protected optimizers(): readonly Adam[] {
    return [this.optG, this.optD];
  }

  protected owned() {
    return [this.params, this.encoders.model];
  }
}
