import * as tf from '@tensorflow/tfjs-core';

/** Spatial sum-pool (XMC-GAN's discriminator): [B, H, W, C] → [B, C]. */
export function sumPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.sum(x, [1, 2]);
}

/** 2×2 average pool, stride 2. */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}
