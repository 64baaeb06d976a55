import * as tf from '@tensorflow/tfjs-core';
import { uniformInit, type Params } from './params';

/** Word embedding table [vocab, dim], initialised U(-0.1, 0.1) as in AttnGAN. */
export class Embedding {
  readonly table: tf.Variable;

  constructor(p: Params, readonly vocabSize: number, readonly dim: number) {
    this.table = p.add('table', [vocabSize, dim], uniformInit(0.1));
  }

  /** ids[B, T] (int32) → [B, T, dim]. */
  apply(ids: tf.Tensor2D): tf.Tensor3D {
    const [b, t] = ids.shape;
    return tf.reshape(tf.gather(this.table, tf.reshape(ids, [b * t])), [b, t, this.dim]);
  }
}
