import type * as tf from '@tensorflow/tfjs-core';

/** Real word count of each row of 0-padded ids [B, T] (words first, padding after). */
export function lengthsOf(ids: tf.Tensor2D): Int32Array {
  const [b, t] = ids.shape;
  const data = ids.dataSync();
  return Int32Array.from({ length: b }, (_, i) => {
    let n = 0;
    while (n < t && data[i * t + n] !== 0) n++;
    return n;
  });
}
