// MirrorGAN's per-stage discriminators: AttnGAN's D_NET64 / D_NET128 /
// D_NET256 (qiaott/MirrorGAN model.py), each with an unconditional and a
// conditional (sentence) logit, and the loss they are trained with
// (miscc/losses.py discriminator_loss / generator_loss).
//
//   features: conv4×4 s2 (no BN) → LeakyReLU(0.2), then conv4×4 s2 (no bias) → BN → LeakyReLU
//             down to 4×4, channels ndf·2^i; past 8·ndf (128 and 256 px) conv3×3 → BN → LeakyReLU
//             blocks halve them back to 8·ndf, as the reference's s32_1 / s64_1 / s64_2 blocks do.
//             A 32 px stage has three downsamplings and ends at 4·ndf (the reference never
//             runs below 64 px).
//   uncond:   conv4×4 stride 4 on the 4×4 map → 1 logit (a linear layer on the flattened map here;
//             the same function)
//   cond:     tile the raw STEM sentence to 4×4, concat → conv3×3 (no bias) → BN → LeakyReLU → conv4×4 s4
//
// The reference applies a sigmoid and BCELoss; we use the logits with a
// numerically stable BCE, the same loss.
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batchNorm';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import type { Params } from '../layers/params';

const LEAK = 0.2;

interface ConvBn {
  conv: Conv2d;
  bn: BatchNorm;
}

export class StageDiscriminator {
  readonly first: Conv2d;
  readonly downs: ConvBn[] = [];
  readonly squeezes: ConvBn[] = [];
  readonly uncondHead: Dense;
  readonly joint: ConvBn;
  readonly condHead: Dense;
  /** Channels of the 4×4 feature map. */
  readonly featC: number;

  constructor(p: Params, readonly size: number, readonly ndf: number, readonly textDim: number) {
    const k = Math.log2(size / 4);
    if (!Number.isInteger(k) || k < 1) throw new Error(`a stage discriminator needs a power-of-two size of 8 px or more, got ${size}`);
    this.first = new Conv2d(p.scope('down0'), 3, ndf, 4, { stride: 2, pad: 1, bias: false });
    let c = ndf;
    for (let i = 1; i < k; i++) {
      const s = p.scope(`down${i}`);
      this.downs.push({ conv: new Conv2d(s.scope('conv'), c, c * 2, 4, { stride: 2, pad: 1, bias: false }), bn: new BatchNorm(s.scope('bn'), c * 2) });
      c *= 2;
    }
    for (let i = 0; c > ndf * 8; i++) {
      const s = p.scope(`squeeze${i}`);
      this.squeezes.push({ conv: new Conv2d(s.scope('conv'), c, c / 2, 3, { bias: false }), bn: new BatchNorm(s.scope('bn'), c / 2) });
      c /= 2;
    }
    this.featC = c;
    this.uncondHead = new Dense(p.scope('uncond'), 16 * c, 1);
    const j = p.scope('joint');
    this.joint = { conv: new Conv2d(j.scope('conv'), c + textDim, c, 3, { bias: false }), bn: new BatchNorm(j.scope('bn'), c) };
    this.condHead = new Dense(p.scope('cond'), 16 * c, 1);
  }

  /** x [B, size, size, 3] → the 4×4 feature map [B, 4, 4, featC]. */
  features(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (x.shape[1] !== this.size) throw new Error(`discriminator built for ${this.size}px, got ${x.shape[1]}px`);
    let h = tf.leakyRelu(this.first.apply(x), LEAK) as tf.Tensor4D;
    for (const { conv, bn } of [...this.downs, ...this.squeezes]) h = tf.leakyRelu(bn.apply(conv.apply(h), training), LEAK) as tf.Tensor4D;
    return h;
  }

  /** Unconditional logits [B]. */
  uncond(h: tf.Tensor4D): tf.Tensor1D {
    return tf.reshape(this.uncondHead.apply(tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D), [-1]) as tf.Tensor1D;
  }

  /** Conditional logits [B] for features h [B, 4, 4, C] and sentences s [B, textDim]. */
  cond(h: tf.Tensor4D, s: tf.Tensor2D, training: boolean): tf.Tensor1D {
    const b = h.shape[0];
    const tiled = tf.tile(tf.reshape(s, [b, 1, 1, this.textDim]), [1, 4, 4, 1]);
    const j = tf.leakyRelu(this.joint.bn.apply(this.joint.conv.apply(tf.concat([h, tiled as tf.Tensor4D], 3)), training), LEAK);
    return tf.reshape(this.condHead.apply(tf.reshape(j, [b, -1]) as tf.Tensor2D), [-1]) as tf.Tensor1D;
  }
}

/** Mean binary cross-entropy of sigmoid(logits) against a constant label, computed stably. */
export function bceWithLogits(logits: tf.Tensor, label: 0 | 1): tf.Scalar {
  // −[y·log σ(x) + (1−y)·log(1−σ(x))] = max(x, 0) − x·y + log(1 + e^{−|x|})
  const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, label)), tf.softplus(tf.neg(tf.abs(logits))));
  return tf.mean(loss) as tf.Scalar;
}

export interface DiscriminatorLossParts {
  total: tf.Scalar;
  realUncond: tf.Scalar;
  realCond: tf.Scalar;
  fakeUncond: tf.Scalar;
  fakeCond: tf.Scalar;
  mismatch: tf.Scalar;
}

/**
 * One stage's D loss as the code combines it:
 *   (BCE(real, uncond) + BCE(real, cond)) / 2 + (BCE(fake, uncond) + BCE(fake, cond) + BCE(mismatch, cond)) / 3
 * The mismatched pairs are real image k with sentence k+1 (B−1 pairs), as in
 * the code (`real_features[:B−1]` with `conditions[1:B]`). Real and fake
 * images and each conditional call go through D separately, so each has its
 * own batch statistics, as in the reference. `fake` must carry no gradient
 * to G (the caller makes it outside the tape).
 */
export function discriminatorLoss(d: StageDiscriminator, real: tf.Tensor4D, fake: tf.Tensor4D, sentence: tf.Tensor2D): DiscriminatorLossParts {
  const b = real.shape[0];
  const hr = d.features(real, true);
  const hf = d.features(fake, true);
  const realCond = bceWithLogits(d.cond(hr, sentence, true), 1);
  const fakeCond = bceWithLogits(d.cond(hf, sentence, true), 0);
  const mismatch = bceWithLogits(d.cond(tf.slice(hr, 0, b - 1), tf.slice(sentence, 1, b - 1), true), 0);
  const realUncond = bceWithLogits(d.uncond(hr), 1);
  const fakeUncond = bceWithLogits(d.uncond(hf), 0);
  const total = tf.add(tf.div(tf.add(realUncond, realCond), 2), tf.div(tf.addN([fakeUncond, fakeCond, mismatch]), 3)) as tf.Scalar;
  return { total, realUncond, realCond, fakeUncond, fakeCond, mismatch };
}

/** One stage's G loss as the code has it: BCE(fake, uncond → real) + BCE(fake, cond → real), no ½. */
export function generatorAdversarialLoss(d: StageDiscriminator, fake: tf.Tensor4D, sentence: tf.Tensor2D): tf.Scalar {
  const h = d.features(fake, true);
  return tf.add(bceWithLogits(d.uncond(h), 1), bceWithLogits(d.cond(h, sentence, true), 1)) as tf.Scalar;
}
