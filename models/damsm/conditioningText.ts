// The frozen DAMSM text features as the GAN methods consume them.
import * as tf from '@tensorflow/tfjs-core';
import type { EncodedText } from '../text/damsmTextEncoder';
import type { FrozenEncoders } from './frozenEncoders';

/** Each vector along the last axis divided by its root-mean-square; zero vectors (padding) stay zero. */
function unitRms<T extends tf.Tensor>(x: T): T {
  return tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-12))) as T;
}

/**
 * The frozen text features a GAN is conditioned on (eval mode: no dropout).
 * The DAMSM losses compare codes by cosine only, so nothing fixes their scale;
 * on shapes it settles near 0.03 RMS, which the N(0, 1) noise concatenated
 * beside it drowns, and text conditioning then takes thousands of steps to
 * emerge. "unit-rms" rescales each sentence and word vector (directions, and
 * so every cosine, unchanged); "raw" passes them on as the reference does.
 */
export function conditioningText(enc: FrozenEncoders, ids: tf.Tensor2D, lengths: ArrayLike<number>): EncodedText {
  const [words, sentence, mask] = tf.tidy(() => {
    const t = enc.model.text.encode(ids, lengths, false);
    return enc.codeScale === 'unit-rms' ? [unitRms(t.words), unitRms(t.sentence), t.mask] : [t.words, t.sentence, t.mask];
  });
  return { words: words as tf.Tensor3D, sentence: sentence as tf.Tensor2D, mask: mask as tf.Tensor2D };
}
