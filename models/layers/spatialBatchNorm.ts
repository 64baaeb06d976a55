import * as tf from '@tensorflow/tfjs-core';
import { BatchNormStats } from './batchNorm';
import { Conv2d } from './conv2d';
import type { Params } from './params';

/**
 * Spatially-varying conditional BatchNorm (XMC-GAN's local modulation):
 * BN(x)·(1 + γ(m)) + β(m), where γ and β are 1×1 convolutions of a condition
 * map m[B, H, W, Cm] at x's resolution, so every pixel has its own scale and
 * shift.
 */
export class SpatialBatchNorm {
  readonly stats: BatchNormStats;
  readonly gamma: Conv2d;
  readonly beta: Conv2d;

  constructor(p: Params, readonly channels: number, condChannels: number) {
    this.stats = new BatchNormStats(p.scope('bn'), channels);
    this.gamma = new Conv2d(p.scope('gamma'), condChannels, channels, 1);
    this.beta = new Conv2d(p.scope('beta'), condChannels, channels, 1);
  }

  apply(x: tf.Tensor4D, m: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (m.shape[1] !== x.shape[1] || m.shape[2] !== x.shape[2]) {
      throw new Error(`condition map is ${m.shape[1]}x${m.shape[2]}, features are ${x.shape[1]}x${x.shape[2]}`);
    }
    const scale = tf.add(this.gamma.apply(m), 1);
    return tf.add(tf.mul(this.stats.normalize(x, training), scale), this.beta.apply(m)) as tf.Tensor4D;
  }
}
