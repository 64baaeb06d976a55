// What both supcon-* hosts share: the frozen DAMSM encoders' outputs (no
// gradient ever reaches them: they are in no optimiser's list and run in eval
// mode, so their BN statistics stay put too) and the GAN-phase SupCon term.
import * as tf from '@tensorflow/tfjs-core';
import type { SupconConfig } from '../config/config';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { modeLabels, supconLoss } from './supconLoss';

/**
 * λ_sup·SupCon term of the GAN phase: the frozen image encoder's global codes
 * of the 2N generated images (rows [0, N) branch A, [N, 2N) branch B) as two
 * views per sample; positives by label ("label") or by pair ("same-image").
 * Returns the unweighted loss; the caller weights it (0 in mode "none").
 */
export function generatedSupcon(enc: FrozenEncoders, fakes: tf.Tensor4D, labels: Int32Array, cfg: SupconConfig): tf.Scalar {
  const codes = enc.model.image.encode(fakes, false).global; // [2N, D]
  const n = codes.shape[0] / 2;
  const views = tf.transpose(tf.reshape(codes, [2, n, -1]), [1, 0, 2]) as tf.Tensor3D; // [N, 2, D]
  return supconLoss(views, modeLabels(cfg.mode, labels.subarray(0, n)), { temperature: cfg.temperature });
}

/** The weight the SupCon term enters the loss with. */
export function supconWeight(cfg: SupconConfig): number {
  return cfg.mode === 'none' ? 0 : cfg.weight;
}

export const hingeReal = (logits: tf.Tensor) => tf.mean(tf.relu(tf.sub(1, logits))) as tf.Scalar;
export const hingeFake = (logits: tf.Tensor) => tf.mean(tf.relu(tf.add(1, logits))) as tf.Scalar;

/** Rolls rows by one within each branch half (mismatched captions: item k gets k+1's). */
export function rollWithinBranches<T extends tf.Tensor>(x: T): T {
  const halves = tf.split(x, 2, 0);
  const roll = (h: tf.Tensor) => {
    const n = h.shape[0];
    const rest = h.shape.slice(1);
    const at = (start: number, size: number) => tf.slice(h, [start, ...rest.map(() => 0)], [size, ...rest.map(() => -1)]);
    return n < 2 ? h : tf.concat([at(1, n - 1), at(0, 1)], 0);
  };
  return tf.concat(halves.map(roll), 0) as T;
}

/** Per-branch mean of a [2N] vector → [meanA, meanB] summed (host losses on each branch). */
export function sumOverBranches(perItem: tf.Tensor, f: (x: tf.Tensor) => tf.Scalar): tf.Scalar {
  const [a, b] = tf.split(perItem, 2, 0);
  return tf.add(f(a), f(b)) as tf.Scalar;
}
