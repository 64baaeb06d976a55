import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform, zeros, type Params } from './params';

/** Fully connected layer: x[B, in] → [B, out]. */
export class Dense {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;

  constructor(p: Params, readonly inDim: number, readonly outDim: number, opts: { bias?: boolean; init?: 'glorot' | 'zeros' } = {}) {
    this.w = p.add('w', [inDim, outDim], opts.init === 'zeros' ? zeros : glorotUniform(inDim, outDim));
    if (opts.bias !== false) this.b = p.add('b', [outDim], zeros);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y: tf.Tensor2D = tf.matMul(x, this.w as tf.Tensor2D);
    return this.b ? (tf.add(y, this.b) as tf.Tensor2D) : y;
  }
}
