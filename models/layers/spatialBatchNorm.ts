import * as tf from '@tensorflow/tfjs-core';
import { BatchNormStats } from './batchNorm';
import { Conv2d } from './conv2d';
import type { Params } from './params';
import { upsampleNearest } from './upsample';

/**
 * Spatially-varying conditional BatchNorm (XMC-GAN's local modulation):
 * BN(x)·(1 + γ(m)) + β(m), where γ and β are 1×1 convolutions of a condition
 * map m[B, H, W, Cm], so every pixel has its own scale and shift.
 *
 * m may be coarser than x by an integer factor f, standing for its nearest-neighbour
 * upsampling (XMC-GAN upsamples its condition map with the features). A 1x1 conv commutes
 * with nearest upsampling, so γ and β are computed at m's resolution and upsampled after:
 * the same values and gradients, without a [B, H, W, Cm] map at full size (at 64 px, a
 * 192-channel map cost ~80 ms a step in 1x1 convs and their gradients).
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
    const factor = x.shape[1] / m.shape[1];
    if (!Number.isInteger(factor) || factor < 1 || x.shape[2] !== m.shape[2] * factor) {
      throw new Error(`condition map is ${m.shape[1]}x${m.shape[2]}, features are ${x.shape[1]}x${x.shape[2]}: the features must be an integer multiple of the map`);
    }
    const scale = upsampleNearest(tf.add(this.gamma.apply(m), 1), factor);
    return tf.add(tf.mul(this.stats.normalize(x, training), scale), upsampleNearest(this.beta.apply(m), factor)) as tf.Tensor4D;
  }
}
