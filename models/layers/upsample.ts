import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour ×2 upsampling by reshape and broadcast. Its gradient is a
 * plain sum, correct on every backend (tfjs-cpu's ResizeNearestNeighborGrad is
 * wrong for batch > 1).
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const expanded = tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1]));
  return tf.reshape(expanded, [b, 2 * h, 2 * w, c]);
}
