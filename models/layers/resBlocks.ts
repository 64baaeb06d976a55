import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from './batchNorm';
import { Conv2d } from './conv2d';
import { glu } from './glu';
import type { Params } from './params';
import { avgPool2 } from './pooling';
import { upsampleNearest2x } from './upsample';

/** A normalisation whose scale and shift may depend on a condition (CBN, spatial CBN, plain BN). */
export type Modulation = (x: tf.Tensor4D, which: 0 | 1) => tf.Tensor4D;

/**
 * Generator residual block (BigGAN / XMC-GAN GenBlock):
 * norm → ReLU → up ×2 → conv3×3 → norm → ReLU → conv3×3, plus shortcut up ×2 → conv1×1.
 * The caller supplies the two normalisations, so one block serves
 * self-modulation (global condition) and spatial modulation alike.
 */
export class ResBlockUp {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d;

  constructor(p: Params, readonly inC: number, readonly outC: number) {
    this.conv1 = new Conv2d(p.scope('conv1'), inC, outC, 3);
    this.conv2 = new Conv2d(p.scope('conv2'), outC, outC, 3);
    this.shortcut = new Conv2d(p.scope('shortcut'), inC, outC, 1);
  }

  apply(x: tf.Tensor4D, norm: Modulation): tf.Tensor4D {
    let h = tf.relu(norm(x, 0));
    h = this.conv1.apply(upsampleNearest2x(h));
    h = this.conv2.apply(tf.relu(norm(h, 1)));
    return tf.add(h, this.shortcut.apply(upsampleNearest2x(x)));
  }
}

/**
 * Discriminator residual block (SNGAN/BigGAN DiscBlock): ReLU → conv3×3 →
 * ReLU → conv3×3 → (avg-pool), plus a 1×1 shortcut when the block downsamples
 * or changes width. `optimized` is the first block, which sees raw pixels:
 * conv → ReLU → conv → pool, shortcut pool → conv1×1.
 */
export class ResBlockDown {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly shortcut?: Conv2d;

  constructor(
    p: Params,
    readonly inC: number,
    readonly outC: number,
    readonly opts: { downsample: boolean; optimized?: boolean; spectralNorm?: boolean },
  ) {
    const sn = { spectralNorm: opts.spectralNorm };
    this.conv1 = new Conv2d(p.scope('conv1'), inC, outC, 3, sn);
    this.conv2 = new Conv2d(p.scope('conv2'), outC, outC, 3, sn);
    if (opts.downsample || inC !== outC || opts.optimized) this.shortcut = new Conv2d(p.scope('shortcut'), inC, outC, 1, sn);
  }

  apply(x: tf.Tensor4D, training = true): tf.Tensor4D {
    const { downsample, optimized } = this.opts;
    let h = optimized ? x : tf.relu(x);
    h = this.conv2.apply(tf.relu(this.conv1.apply(h, training)), training);
    if (downsample) h = avgPool2(h);
    let s = x;
    if (optimized) {
      s = this.shortcut!.apply(downsample ? avgPool2(x) : x, training);
    } else if (this.shortcut) {
      s = this.shortcut.apply(x, training);
      if (downsample) s = avgPool2(s);
    }
    return tf.add(h, s);
  }
}

/**
 * AttnGAN / MirrorGAN residual block: conv3×3 → BN → GLU → conv3×3 → BN, plus
 * the identity. Width stays C (the first conv makes 2C for the GLU).
 */
export class GluResBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;

  constructor(p: Params, readonly channels: number) {
    this.conv1 = new Conv2d(p.scope('conv1'), channels, channels * 2, 3, { bias: false });
    this.bn1 = new BatchNorm(p.scope('bn1'), channels * 2);
    this.conv2 = new Conv2d(p.scope('conv2'), channels, channels, 3, { bias: false });
    this.bn2 = new BatchNorm(p.scope('bn2'), channels);
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const h = glu(this.bn1.apply(this.conv1.apply(x), training) as tf.Tensor4D);
    return tf.add(x, this.bn2.apply(this.conv2.apply(h), training)) as tf.Tensor4D;
  }
}
