// The DAMSM loss (AttnGAN `words_loss` and `sent_loss`), vectorised over all
// (image, caption) pairs of a batch.
//
// Word level, for caption i and image j:
//   s = e_iᵀ v_j                      word × region dot products
//   s̄ = softmax over caption i's real words, per region
//   α = softmax over regions of γ1·s̄, per word;  c_t = Σ_n α_tn v_n
//   R(i, j) = log Σ_t exp(γ2 · cos(e_it, c_t))   (real words only; the
//            paper's 1/γ2 power is omitted, as in the code)
// Sentence level: R(i, j) = cos(ē_i, v̄_j).
// Both: P(caption | image) = softmax over captions of γ3·R, cross-entropy
// against the true pair in both directions; negatives of the same class are
// masked out when labels exist.
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, MASK_PENALTY } from '../layers/attention';

export interface DamsmGammas {
  gamma1: number;
  gamma2: number;
  gamma3: number;
}

export interface PairLosses {
  /** Image → text cross-entropy. */
  imageToText: tf.Scalar;
  /** Text → image cross-entropy. */
  textToImage: tf.Scalar;
}

/**
 * Additive mask [B, B]: −1e9 where j ≠ i and label_j = label_i (a same-class
 * pair is not a negative), 0 elsewhere. Labels < 0 mean "no label" (each item
 * its own class), as on COCO.
 */
export function classMaskPenalty(labels: ArrayLike<number> | undefined, b: number): tf.Tensor2D {
  const m = new Float32Array(b * b);
  if (labels) {
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < b; j++) {
        if (i !== j && labels[i] >= 0 && labels[i] === labels[j]) m[i * b + j] = MASK_PENALTY;
      }
    }
  }
  return tf.tensor2d(m, [b, b]);
}

/** Cross-entropy of rows of `logits` [B, B] against the diagonal, averaged. */
export function diagonalCrossEntropy(logits: tf.Tensor2D): tf.Scalar {
  const b = logits.shape[0];
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.div(tf.sum(tf.mul(logp, tf.eye(b))), b)) as tf.Scalar;
}

/** Image-caption similarity matrix sim[j (image), i (caption)] → both directions' losses. */
export function symmetricLosses(simImageByCaption: tf.Tensor2D, labels: ArrayLike<number> | undefined): PairLosses {
  const b = simImageByCaption.shape[0];
  const masked = tf.add(simImageByCaption, classMaskPenalty(labels, b)) as tf.Tensor2D;
  return { imageToText: diagonalCrossEntropy(masked), textToImage: diagonalCrossEntropy(tf.transpose(masked)) };
}

/** Sentence-level similarities γ3·cos(v̄_j, ē_i) as [image, caption]. */
export function sentenceSimilarity(imageCodes: tf.Tensor2D, sentCodes: tf.Tensor2D, gamma3: number): tf.Tensor2D {
  return tf.mul(tf.matMul(l2Normalize(imageCodes, 1), l2Normalize(sentCodes, 1), false, true), gamma3) as tf.Tensor2D;
}

export function sentenceLoss(imageCodes: tf.Tensor2D, sentCodes: tf.Tensor2D, labels: ArrayLike<number> | undefined, gamma3: number): PairLosses {
  return symmetricLosses(sentenceSimilarity(imageCodes, sentCodes, gamma3), labels);
}

export interface WordMatch {
  /** γ3·R(Q_i, D_j) as [image j, caption i]. */
  similarity: tf.Tensor2D;
  /** α for matched pairs (image i, caption i): [B, T, N] word → region weights. */
  attention: tf.Tensor3D;
}

/**
 * Word-level similarities of every caption i with every image j.
 * regions [B, N, D], words [B, T, D], mask [B, T] (1 = real word).
 */
export function wordSimilarity(regions: tf.Tensor3D, words: tf.Tensor3D, mask: tf.Tensor2D, g: DamsmGammas): WordMatch {
  const [b, n, d] = regions.shape;
  const t = words.shape[1];
  // s[j, i, t, n] = e_it · v_jn
  const flat = tf.matMul(tf.reshape(words, [b * t, d]), tf.reshape(regions, [b * n, d]), false, true); // [(i,t), (j,n)]
  const s = tf.transpose(tf.reshape(flat, [b, t, b, n]), [2, 0, 1, 3]); // [j, i, t, n]
  const wordPenalty = tf.reshape(tf.mul(tf.sub(1, mask), MASK_PENALTY), [1, b, t, 1]);
  const sBar = tf.softmax(tf.transpose(tf.add(s, wordPenalty), [0, 1, 3, 2])); // softmax over words: [j, i, n, t]
  const alpha = tf.softmax(tf.mul(tf.transpose(sBar, [0, 1, 3, 2]), g.gamma1)); // over regions: [j, i, t, n]
  const context = tf.reshape(tf.matMul(tf.reshape(alpha, [b, b * t, n]), regions), [b, b, t, d]); // [j, i, t, d]
  const cos = tf.sum(tf.mul(l2Normalize(context, 3), tf.expandDims(l2Normalize(words, 2), 0)), 3); // [j, i, t]
  const valid = tf.add(tf.mul(cos, g.gamma2), tf.reshape(tf.mul(tf.sub(1, mask), MASK_PENALTY), [1, b, t]));
  const r = tf.logSumExp(valid, 2); // [j, i]
  // Matched pairs' attention, for visualisation: alpha[i, i], gathered from the flattened pairs
  // (unstacking alpha copied all B*B maps: 1.8 s a step at 64 px, batch 48, on wasm).
  const diagonal = tf.tensor1d(Array.from({ length: b }, (_, i) => i * b + i), 'int32');
  const diag = tf.gather(tf.reshape(alpha, [b * b, t, n]), diagonal) as tf.Tensor3D; // [B, t, n]
  return { similarity: tf.mul(r, g.gamma3) as tf.Tensor2D, attention: diag };
}

export function wordsLoss(
  regions: tf.Tensor3D,
  words: tf.Tensor3D,
  mask: tf.Tensor2D,
  labels: ArrayLike<number> | undefined,
  g: DamsmGammas,
): PairLosses & { attention: tf.Tensor3D } {
  const { similarity, attention } = wordSimilarity(regions, words, mask, g);
  return { ...symmetricLosses(similarity, labels), attention };
}
