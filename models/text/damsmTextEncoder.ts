// The DAMSM text encoder (AttnGAN's RNN_ENCODER), also MirrorGAN's STEM and
// the frozen text encoder of the other methods: embedding → dropout →
// bidirectional LSTM. Word features are the two directions' outputs side by
// side; the sentence vector is the two final states (at each caption's true
// length) side by side.
import * as tf from '@tensorflow/tfjs-core';
import { Embedding } from '../layers/embedding';
import { BiLstm } from '../layers/lstm';
import type { Params, RandomSource } from '../layers/params';

export interface TextEncoderSizes {
  /** Word embedding size (paper: 300). */
  embedDim: number;
  /** LSTM units per direction (paper: 128, so features are 256-d). */
  hidden: number;
  /** Dropout on the embeddings while training (paper: 0.5). */
  dropout: number;
}

export interface EncodedText {
  /** Word features [B, T, 2H]; zero at padding. */
  words: tf.Tensor3D;
  /** Sentence vector [B, 2H]: final forward and backward states. */
  sentence: tf.Tensor2D;
  /** [B, T], 1 for real words. */
  mask: tf.Tensor2D;
}

export class DamsmTextEncoder {
  readonly embed: Embedding;
  readonly rnn: BiLstm;
  readonly dim: number;

  constructor(p: Params, vocabSize: number, readonly sizes: TextEncoderSizes, private readonly rand: RandomSource) {
    this.embed = new Embedding(p.scope('embed'), vocabSize, sizes.embedDim);
    this.rnn = new BiLstm(p.scope('rnn'), sizes.embedDim, sizes.hidden);
    this.dim = 2 * sizes.hidden;
  }

  encode(ids: tf.Tensor2D, lengths: ArrayLike<number>, training: boolean): EncodedText {
    const [b, t] = ids.shape;
    let x = this.embed.apply(ids);
    if (training && this.sizes.dropout > 0) {
      const keep = 1 - this.sizes.dropout;
      const n = x.size;
      const m = Float32Array.from({ length: n }, () => (this.rand.uniform() < keep ? 1 / keep : 0));
      x = tf.mul(x, tf.tensor3d(m, x.shape));
    }
    const { outputs, hFwd, hBwd } = this.rnn.run(x, lengths);
    const mask = tf.tensor2d(Float32Array.from({ length: b * t }, (_, k) => (k % t < lengths[Math.floor(k / t)] ? 1 : 0)), [b, t]);
    return { words: outputs, sentence: tf.concat([hFwd, hBwd], 1), mask };
  }
}

/** Masked mean of word features (XMC-GAN's sentence feature, in place of BERT's pooled output). */
export function maskedMean(words: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const summed = tf.sum(tf.mul(words, tf.expandDims(mask, 2)), 1);
  return tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1)) as tf.Tensor2D;
}
