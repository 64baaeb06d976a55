import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform, zeros, type Params } from './params';

/** 2-D convolution, NHWC, filter [k, k, in, out]. */
export class Conv2d {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;

  constructor(
    p: Params,
    readonly inC: number,
    readonly outC: number,
    readonly k: number,
    readonly opts: { stride?: number; pad?: 'same' | 'valid' | number; bias?: boolean } = {},
  ) {
    this.w = p.add('w', [k, k, inC, outC], glorotUniform(k * k * inC, k * k * outC));
    if (opts.bias !== false) this.b = p.add('b', [outC], zeros);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const stride = this.opts.stride ?? 1;
    const pad = this.opts.pad ?? 'same';
    const y = tf.conv2d(x, this.w as tf.Tensor4D, stride, pad);
    return this.b ? tf.add(y, this.b) : y;
  }
}
