import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform, zeros, type Params } from './params';
import { SpectralNorm } from './spectralNorm';

/** 2-D convolution, NHWC, filter [k, k, in, out]; optionally spectrally normalised. */
export class Conv2d {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;
  readonly sn?: SpectralNorm;

  constructor(
    p: Params,
    readonly inC: number,
    readonly outC: number,
    readonly k: number,
    readonly opts: { stride?: number; pad?: 'same' | 'valid' | number; bias?: boolean; spectralNorm?: boolean } = {},
  ) {
    this.w = p.add('w', [k, k, inC, outC], glorotUniform(k * k * inC, k * k * outC));
    if (opts.bias !== false) this.b = p.add('b', [outC], zeros);
    if (opts.spectralNorm) this.sn = new SpectralNorm(p, this.w);
  }

  /** `training` only matters with spectral norm: it advances the power iteration. */
  apply(x: tf.Tensor4D, training = true): tf.Tensor4D {
    const stride = this.opts.stride ?? 1;
    const pad = this.opts.pad ?? 'same';
    const w = (this.sn ? this.sn.apply(training) : this.w) as tf.Tensor4D;
    const y = tf.conv2d(x, w, stride, pad);
    return this.b ? tf.add(y, this.b) : y;
  }
}
