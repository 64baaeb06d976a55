import * as tf from '@tensorflow/tfjs-core';
import { BatchNormStats } from './batchNorm';
import { Dense } from './dense';
import type { Params } from './params';

/**
 * Conditional BatchNorm: BN(x)·(1 + γ(c)) + β(c), with γ and β linear in the
 * condition vector c (the self-modulation form of XMC-GAN and BigGAN). γ and
 * β start at zero by default, so the layer starts as plain BN.
 */
export class ConditionalBatchNorm {
  readonly stats: BatchNormStats;
  readonly gamma: Dense;
  readonly beta: Dense;

  /** `init: 'glorot'` starts γ and β random, as XMC-GAN's code does (its dense layers are glorot-normal). */
  constructor(p: Params, readonly channels: number, condDim: number, opts: { init?: 'zeros' | 'glorot' } = {}) {
    const init = opts.init ?? 'zeros';
    this.stats = new BatchNormStats(p.scope('bn'), channels);
    this.gamma = new Dense(p.scope('gamma'), condDim, channels, { init });
    this.beta = new Dense(p.scope('beta'), condDim, channels, { init });
  }

  apply(x: tf.Tensor4D, cond: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const [b] = x.shape;
    const g = tf.reshape(tf.add(this.gamma.apply(cond), 1), [b, 1, 1, this.channels]);
    const bt = tf.reshape(this.beta.apply(cond), [b, 1, 1, this.channels]);
    return tf.add(tf.mul(this.stats.normalize(x, training), g), bt) as tf.Tensor4D;
  }
}
