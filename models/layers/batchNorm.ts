import * as tf from '@tensorflow/tfjs-core';
import { ones, zeros, type Params } from './params';

/**
 * Batch normalisation without affine parameters (the conditional variants add
 * their own). Training uses batch statistics and updates running statistics
 * (PyTorch convention: running = (1 - m)·running + m·batch, m = 0.1); eval
 * uses the running statistics, so a single sample is rendered consistently.
 */
export class BatchNormStats {
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(p: Params, readonly channels: number, readonly momentum = 0.1, readonly eps = 1e-5) {
    this.runningMean = p.add('running_mean', [channels], zeros, false);
    this.runningVar = p.add('running_var', [channels], ones, false);
  }

  /** Normalises x[B,H,W,C] (or x[B,C]) over every axis but the last. */
  normalize(x: tf.Tensor, training: boolean): tf.Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (!training) {
      return tf.div(tf.sub(x, this.runningMean), tf.sqrt(tf.add(this.runningVar, this.eps)));
    }
    const { mean, variance } = tf.moments(x, axes);
    // assign() is not recorded on the gradient tape, so this update is invisible to backprop.
    tf.tidy(() => {
      const n = x.size / this.channels;
      const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
    });
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps)));
  }
}

/** Plain BatchNorm with learned scale and shift. */
export class BatchNorm {
  readonly stats: BatchNormStats;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(p: Params, channels: number) {
    this.stats = new BatchNormStats(p, channels);
    this.gamma = p.add('gamma', [channels], ones);
    this.beta = p.add('beta', [channels], zeros);
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.add(tf.mul(this.stats.normalize(x, training), this.gamma), this.beta);
  }
}
