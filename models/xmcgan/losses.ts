// XMC-GAN's losses (libml/losses.py, libml/attention_lib.py):
//
//   hinge       L_D = mean relu(1 − D(x)) + mean relu(1 + D(x̂)),  L_G = −mean D(x̂)
//   contrastive S(a_i, b_j) = cos(a_i, b_j)/τ; cross-entropy against the matching
//               pair over the batch, a→b plus b→a, each averaged over the batch
//               (sentence: φ(x) vs W_s e_s; image: φ(x̂) vs φ(x); frozen encoder: v̄(x) vs v̄(x̂))
//   word-region for caption i and image j, with unit regions r̂ and words e:
//               α_tn = softmax_n(ρ1·cos(e_t, r_n));  c_t = Σ_n α_tn r̂_n
//               S(i, j) = ρ3 · (1/ρ2) · log Σ_{t real} exp(ρ2·cos(e_t, c_t))
//               then the same two-way cross-entropy (code: ρ1 = 5, ρ2 = 5, ρ3 = 50)
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, MASK_PENALTY } from '../layers/attention';
import { diagonalCrossEntropy } from '../damsm/damsmLoss';

export function hingeD(realLogits: tf.Tensor, fakeLogits: tf.Tensor): { real: tf.Scalar; fake: tf.Scalar } {
  return { real: tf.mean(tf.relu(tf.sub(1, realLogits))) as tf.Scalar, fake: tf.mean(tf.relu(tf.add(1, fakeLogits))) as tf.Scalar };
}

export function hingeG(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
}

/** Two-way cross-entropy of a similarity matrix sim[a, b] against its diagonal (the code's sum of both means). */
export function twoWayCrossEntropy(sim: tf.Tensor2D): tf.Scalar {
  return tf.add(diagonalCrossEntropy(sim), diagonalCrossEntropy(tf.transpose(sim))) as tf.Scalar;
}

/** attn_lib.contrastive_loss: symmetric InfoNCE between rows of a and b [B, F] at temperature τ. */
export function contrastiveLoss(a: tf.Tensor2D, b: tf.Tensor2D, tau: number): tf.Scalar {
  const sim = tf.div(tf.matMul(l2Normalize(a, 1), l2Normalize(b, 1), false, true), tau) as tf.Tensor2D;
  return twoWayCrossEntropy(sim);
}

export interface WordRegionRhos {
  rho1: number;
  rho2: number;
  rho3: number;
}

/**
 * S(i, j) of every caption i against every image j, as [image j, caption i].
 * regions [B, N, D], words [B, T, D], mask [B, T] (1 = real word).
 */
export function wordRegionSimilarity(regions: tf.Tensor3D, words: tf.Tensor3D, mask: tf.Tensor2D, r: WordRegionRhos): tf.Tensor2D {
  const [b, n, d] = regions.shape;
  const t = words.shape[1];
  const rn = l2Normalize(regions, 2);
  const wn = l2Normalize(words, 2);
  // cos[j, i, t, n] = ê_it · r̂_jn
  const flat = tf.matMul(tf.reshape(wn, [b * t, d]), tf.reshape(rn, [b * n, d]), false, true); // [(i,t), (j,n)]
  const cos = tf.transpose(tf.reshape(flat, [b, t, b, n]), [2, 0, 1, 3]);
  // Softmax over regions; a padded word's row is dropped below, so the code's
  // −1e9 on it here (a constant shift of the whole row) is left out.
  const alpha = tf.softmax(tf.mul(cos, r.rho1)); // [j, i, t, n]
  const context = tf.reshape(tf.matMul(tf.reshape(alpha, [b, b * t, n]), rn), [b, b, t, d]); // [j, i, t, d]
  const match = tf.sum(tf.mul(l2Normalize(context, 3), tf.expandDims(wn, 0)), 3); // [j, i, t]
  const penalty = tf.reshape(tf.mul(tf.sub(1, mask), MASK_PENALTY), [1, b, t]);
  const lse = tf.logSumExp(tf.add(tf.mul(match, r.rho2), penalty), 2); // [j, i]
  return tf.mul(lse, r.rho3 / r.rho2) as tf.Tensor2D;
}

/** attn_lib.word_loss: the word-region similarity, cross-entropy both ways. */
export function wordRegionLoss(regions: tf.Tensor3D, words: tf.Tensor3D, mask: tf.Tensor2D, r: WordRegionRhos): tf.Scalar {
  return twoWayCrossEntropy(wordRegionSimilarity(regions, words, mask, r));
}
