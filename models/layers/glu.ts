import * as tf from '@tensorflow/tfjs-core';

/** Gated linear unit over the last axis: x[..., :C/2] · sigmoid(x[..., C/2:]). */
export function glu<T extends tf.Tensor>(x: T): T {
  const c = x.shape[x.rank - 1];
  if (c % 2 !== 0) throw new Error(`glu needs an even channel count, got ${c}`);
  const [a, b] = tf.split(x, 2, x.rank - 1);
  return tf.mul(a, tf.sigmoid(b)) as T;
}
