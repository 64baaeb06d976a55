import * as tf from '@tensorflow/tfjs-core';

/** Added to the scores of padded words: exp(−1e9) is exactly 0 in float32. */
export const MASK_PENALTY = -1e9;

/** [B, T] word mask (1 = real word) → additive penalty [B, 1, T] for scores [B, N, T]. */
export function maskPenalty(mask: tf.Tensor2D): tf.Tensor3D {
  return tf.expandDims(tf.mul(tf.sub(1, mask), MASK_PENALTY), 1) as tf.Tensor3D;
}

export interface AttentionResult {
  /** Context per query [B, N, Cv]. */
  context: tf.Tensor3D;
  /** Attention weights [B, N, T]; each query's weights over real words sum to 1. */
  weights: tf.Tensor3D;
}

/**
 * Word-region attention: each of N queries (image regions or pixels) attends
 * over T words. Scores are dot products (AttnGAN) or, with `cosineScale` ρ,
 * ρ·cos(q, k) (XMC-GAN's ρ0 sharpening). Padded words get −1e9 before the
 * softmax, so they receive exactly zero weight.
 *
 *   query [B, N, C], keys [B, T, C], values [B, T, Cv], mask [B, T]
 */
export function wordAttention(
  query: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  mask: tf.Tensor2D,
  opts: { cosineScale?: number } = {},
): AttentionResult {
  return tf.tidy(() => {
    let q = query;
    let k = keys;
    if (opts.cosineScale !== undefined) {
      q = l2Normalize(q, 2);
      k = l2Normalize(k, 2);
    }
    let scores = tf.matMul(q, k, false, true); // [B, N, T]
    if (opts.cosineScale !== undefined) scores = tf.mul(scores, opts.cosineScale);
    const weights = tf.softmax(tf.add(scores, maskPenalty(mask))) as tf.Tensor3D;
    return { context: tf.matMul(weights, values) as tf.Tensor3D, weights };
  });
}

/**
 * x / max(‖x‖₂, eps) along `axis`. The clamp is applied before the square
 * root, so an all-zero vector (a padded word) gets a zero gradient, not
 * 0·∞ = NaN from sqrt'(0).
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis: number, eps = 1e-8): T {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis, true), eps * eps))) as T;
}
