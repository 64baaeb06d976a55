// Supervised contrastive loss (Khosla et al., NeurIPS 2020; SupContrast
// losses.py, contrast_mode "all"), as design/models.md §1.5 states it:
//
//   features z [N, V, d], L2-normalised; the N·V anchors are the views
//   stacked view-major (view 0 of every sample, then view 1, …).
//   P(a) = every other anchor with a's label; a itself is in neither the
//   numerator nor the denominator.
//   L = (τ/τ_base) · mean_a [ −1/|P(a)| · Σ_{p∈P(a)} log( exp(z_a·z_p/τ) / Σ_{k≠a} exp(z_a·z_k/τ) ) ]
//
// The denominator is a log-sum-exp with the anchor itself at −1e9 (tf's
// logSumExp subtracts the row max, so exp never overflows at τ = 0.07). An
// anchor with no positive has |P| clamped to 1 and a zero sum: it contributes
// 0 but still counts in the mean, as in the reference code. Without labels
// the positives are the other views of the same sample (identity mask over
// samples), which is SimCLR's NT-Xent; a label < 0 means "unlabelled" and
// behaves the same way for that sample.
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, MASK_PENALTY } from '../layers/attention';

export interface SupConOptions {
  /** τ. */
  temperature: number;
  /** τ_base; the loss is scaled by τ/τ_base (default τ, i.e. no scaling). */
  baseTemperature?: number;
}

/**
 * Positive mask [A, A] (A = N·V, view-major) from per-sample labels: 1 where
 * the two anchors are different anchors of the same class, or two views of
 * the same sample. Labels < 0 (or no labels) mean each sample is its own class.
 */
export function supconPositives(labels: ArrayLike<number> | undefined, n: number, views: number): Float32Array {
  if (labels && labels.length !== n) throw new Error(`supcon: ${labels.length} labels for ${n} samples`);
  const a = n * views;
  const m = new Float32Array(a * a);
  for (let i = 0; i < a; i++) {
    const si = i % n;
    for (let j = 0; j < a; j++) {
      if (i === j) continue;
      const sj = j % n;
      const same = si === sj || (labels !== undefined && labels[si] >= 0 && labels[si] === labels[sj]);
      if (same) m[i * a + j] = 1;
    }
  }
  return m;
}

/** SupCon over features [N, V, d] with per-sample labels [N] (see the file header). */
export function supconLoss(features: tf.Tensor3D, labels: ArrayLike<number> | undefined, opts: SupConOptions): tf.Scalar {
  const [n, v, d] = features.shape;
  const a = n * v;
  const tau = opts.temperature;
  const scale = tau / (opts.baseTemperature ?? tau);
  return tf.tidy(() => {
    const z = l2Normalize(tf.reshape(tf.transpose(features, [1, 0, 2]), [a, d]) as tf.Tensor2D, 1); // view-major
    const logits = tf.div(tf.matMul(z, z, false, true), tau); // [A, A]
    const self = tf.mul(tf.eye(a), MASK_PENALTY);
    const logDenom = tf.logSumExp(tf.add(logits, self), 1, true); // Σ_{k≠a}
    const logProb = tf.sub(logits, logDenom);
    const pos = supconPositives(labels, n, v);
    const count = new Float32Array(a);
    for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) count[i] += pos[i * a + j];
    const mask = tf.tensor2d(pos, [a, a]);
    const meanLogProbPos = tf.div(tf.sum(tf.mul(mask, logProb), 1), tf.tensor1d(count.map((c) => Math.max(c, 1))));
    return tf.mul(tf.mean(meanLogProbPos), -scale) as tf.Scalar;
  });
}

export type SupconMode = 'none' | 'same-image' | 'label';

/**
 * Per-sample labels for a two-branch batch under an ablation mode: "label"
 * uses the class labels (positives = same class), "same-image" none (each
 * sample's positive is only its other branch: NT-Xent, the T2I_CL variant).
 */
export function modeLabels(mode: SupconMode, labels: ArrayLike<number>): ArrayLike<number> | undefined {
  return mode === 'label' ? labels : undefined;
}
