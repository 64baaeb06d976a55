import * as tf from '@tensorflow/tfjs-core';
import { Dense } from './dense';
import { glu } from './glu';
import type { Params, RandomSource } from './params';

/**
 * Conditioning augmentation (StackGAN/AttnGAN): a linear layer and GLU give
 * μ and log σ² of a Gaussian around the sentence vector; the condition is a
 * sample c = μ + σ·ε, and KL(N(μ, σ²) ‖ N(0, I)) keeps the manifold smooth.
 */
export class ConditioningAugmentation {
  readonly fc: Dense;

  constructor(p: Params, readonly inDim: number, readonly caDim: number, private readonly rand: RandomSource) {
    this.fc = new Dense(p.scope('fc'), inDim, caDim * 4);
  }

  /** s[B, inDim] → { c, mu, logvar } each [B, caDim]; eval mode returns c = μ. */
  apply(s: tf.Tensor2D, training: boolean): { c: tf.Tensor2D; mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const h = glu(this.fc.apply(s));
    const [mu, logvar] = tf.split(h, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    if (!training) return { c: mu, mu, logvar };
    const [b] = s.shape;
    const eps = tf.tensor2d(Float32Array.from({ length: b * this.caDim }, () => this.rand.normal()), [b, this.caDim]);
    const c = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
    return { c, mu, logvar };
  }
}

/** KL loss as AttnGAN computes it: −½ · mean(1 + log σ² − μ² − σ²) over every element. */
export function klLoss(mu: tf.Tensor, logvar: tf.Tensor): tf.Scalar {
  return tf.mul(tf.mean(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar)))), -0.5) as tf.Scalar;
}
