import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform, zeros, type Params } from './params';
import { SpectralNorm } from './spectralNorm';

/** Fully connected layer: x[B, in] → [B, out]; optionally spectrally normalised. */
export class Dense {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;
  readonly sn?: SpectralNorm;

  constructor(
    p: Params,
    readonly inDim: number,
    readonly outDim: number,
    opts: { bias?: boolean; init?: 'glorot' | 'zeros'; spectralNorm?: boolean } = {},
  ) {
    this.w = p.add('w', [inDim, outDim], opts.init === 'zeros' ? zeros : glorotUniform(inDim, outDim));
    if (opts.bias !== false) this.b = p.add('b', [outDim], zeros);
    if (opts.spectralNorm) this.sn = new SpectralNorm(p, this.w);
  }

  /** `training` only matters with spectral norm: it advances the power iteration. */
  apply(x: tf.Tensor2D, training = true): tf.Tensor2D {
    const w = (this.sn ? this.sn.apply(training) : this.w) as tf.Tensor2D;
    const y: tf.Tensor2D = tf.matMul(x, w);
    return this.b ? (tf.add(y, this.b) as tf.Tensor2D) : y;
  }
}
