import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour upsampling by an integer factor f: each pixel tiled into an f x f block.
 * The gradient sums each block of dy, written as f^2 * avgPool so it runs as one pooling
 * kernel; summing the reshaped [b, h, f, w, f, c] over axes 2 and 4 made wasm transpose first
 * (10 ms a step at 64 px). Both are plain ops, correct on every backend (tfjs-cpu's
 * ResizeNearestNeighborGrad is wrong for batch > 1) and differentiable again.
 */
export function upsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upsampling factor must be a positive integer, got ${factor}`);
  if (factor === 1) return x;
  const up = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const [b, h, w, c] = input.shape as [number, number, number, number];
    const tiled = tf.tile(tf.reshape(input, [b, h, 1, w, 1, c]), [1, 1, factor, 1, factor, 1]);
    return {
      value: tf.reshape(tiled, [b, factor * h, factor * w, c]),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, factor, factor, 'valid'), factor * factor),
    };
  });
  return up(x) as tf.Tensor4D;
}

/** Nearest-neighbour x2 upsampling (see upsampleNearest). */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  return upsampleNearest(x, 2);
}
