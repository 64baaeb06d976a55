// STREAM, MirrorGAN's redescription module: an image captioner (Show-and-Tell,
// the yunjey pytorch-tutorial recipe the MirrorGAN authors point to), trained
// on real images with the DAMSM vocabulary, then frozen while G trains
// (qiaott/MirrorGAN model.py CAPTION_CNN / CAPTION_RNN, miscc/losses.py caption_loss).
//
//   CNN:  the reference uses a frozen ImageNet ResNet-152 (avg-pooled) → Linear(2048 → 256) → BN1d
//         (momentum 0.01). We cannot download ResNet; a small CNN trained from scratch takes its
//         place: conv3×3 → LeakyReLU, then conv4×4 s2 (no bias) → BN → LeakyReLU down to 4×4
//         (widths ×2, capped at 8×), flattened (not pooled: captions name positions)
//         → Linear → BN1d (momentum 0.01).
//   RNN:  Embedding(V, E) → LSTM(E → H) → Linear(H → V); the input sequence is
//         [image feature, emb(w1) … emb(w_{T})] and the targets w1 … w_T (teacher forcing);
//         greedy decoding starts from the image feature and feeds back its argmax.
//   Loss: token cross-entropy, averaged over the real tokens of the batch (the code's
//         nn.CrossEntropyLoss over the packed targets; the paper writes the sum −Σ_t log p_t).
//
// `endToken` (ours): the AttnGAN vocabulary has no <start>/<end> tokens in its
// captions, so the reference's captioner never learns to stop and decodes a
// fixed 20 tokens. With endToken the captioner also learns to emit <end>
// (id 0) after the last word, so greedy decoding stops and the logged
// re-descriptions are readable. The redescription loss on G still counts the
// real words only, as the code does.
import * as tf from '@tensorflow/tfjs-core';
import type { StreamConfig } from '../config/config';
import { BatchNormStats, BatchNorm } from '../layers/batchNorm';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Embedding } from '../layers/embedding';
import { LstmDirection } from '../layers/lstm';
import { ones, Params, zeros, type RandomSource } from '../layers/params';
import { Adam } from '../train/adam';
import { restoreVariables } from '../train/checkpoint';
import type { Batch, Checkpointable } from '../train/method';

export const STREAM_LOSS_NAMES = ['caption_ce'];

/** BatchNorm1d with its own momentum (the reference's features BN uses 0.01). */
class FeatureNorm {
  readonly stats: BatchNormStats;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(p: Params, channels: number, momentum: number) {
    this.stats = new BatchNormStats(p, channels, momentum);
    this.gamma = p.add('gamma', [channels], ones);
    this.beta = p.add('beta', [channels], zeros);
  }

  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.add(tf.mul(this.stats.normalize(x, training), this.gamma), this.beta) as tf.Tensor2D;
  }
}

/** The captioner's CNN: image [B, S, S, 3] in [-1, 1] → feature [B, E]. */
export class StreamEncoder {
  readonly stem: Conv2d;
  readonly downs: { conv: Conv2d; bn: BatchNorm }[] = [];
  readonly fc: Dense;
  readonly bn: FeatureNorm;

  constructor(p: Params, readonly imageSize: number, width: number, embedDim: number) {
    const k = Math.log2(imageSize / 4);
    if (!Number.isInteger(k) || k < 1) throw new Error(`STREAM needs a power-of-two image size of 8 px or more, got ${imageSize}`);
    const widthAt = (i: number) => width * Math.min(8, 2 ** i);
    this.stem = new Conv2d(p.scope('stem'), 3, width, 3);
    for (let i = 0; i < k; i++) {
      const s = p.scope(`down${i}`);
      this.downs.push({ conv: new Conv2d(s.scope('conv'), widthAt(i), widthAt(i + 1), 4, { stride: 2, pad: 1, bias: false }), bn: new BatchNorm(s.scope('bn'), widthAt(i + 1)) });
    }
    this.fc = new Dense(p.scope('fc'), 16 * widthAt(k), embedDim);
    this.bn = new FeatureNorm(p.scope('bn'), embedDim, 0.01);
  }

  apply(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    if (images.shape[1] !== this.imageSize) throw new Error(`STREAM built for ${this.imageSize}px, got ${images.shape[1]}px`);
    let h = tf.leakyRelu(this.stem.apply(images), 0.2) as tf.Tensor4D;
    for (const { conv, bn } of this.downs) h = tf.leakyRelu(bn.apply(conv.apply(h), training), 0.2) as tf.Tensor4D;
    return this.bn.apply(this.fc.apply(tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D), training);
  }
}

/**
 * Mean token cross-entropy: −Σ mask·log softmax(logits)[target] / Σ mask.
 * logits [B, L, V], targets [B, L] (int32), mask [B, L] (1 = counted).
 */
export function captionCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const v = logits.shape[2];
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(targets, 'int32'), v)), 2); // [B, L]
  return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** [B, L] mask with the first n_b positions of row b set. */
export function prefixMask(counts: ArrayLike<number>, width: number): tf.Tensor2D {
  const b = counts.length;
  return tf.tensor2d(Float32Array.from({ length: b * width }, (_, k) => (k % width < counts[Math.floor(k / width)] ? 1 : 0)), [b, width]);
}


export class StreamCaptioner implements Checkpointable {
  readonly name = 'stream';
  readonly params: Params;
  readonly cnn: StreamEncoder;
  readonly embed: Embedding;
  readonly lstm: LstmDirection;
  readonly out: Dense;
  private opt?: Adam;

  constructor(readonly cfg: StreamConfig, readonly vocabSize: number, readonly imageSize: number, rand: RandomSource) {
    this.params = Params.root(rand);
    this.cnn = new StreamEncoder(this.params.scope('cnn'), imageSize, cfg.imageWidth, cfg.embedDim);
    const r = this.params.scope('rnn');
    this.embed = new Embedding(r.scope('embed'), vocabSize, cfg.embedDim);
    this.lstm = new LstmDirection(r.scope('lstm'), cfg.embedDim, cfg.hidden);
    this.out = new Dense(r.scope('out'), cfg.hidden, vocabSize);
  }

  /**
   * Teacher forcing: logits [B, T+1, V] for the inputs [feature, emb(w1) … emb(wT)];
   * position t predicts w_{t+1} (position T, and the one after each caption's last word, predict <end>).
   */
  logits(images: tf.Tensor4D, ids: tf.Tensor2D, lengths: ArrayLike<number>, training: boolean): tf.Tensor3D {
    const [b, t] = ids.shape;
    const feat = this.cnn.apply(images, training);
    const x = tf.concat([tf.expandDims(feat, 1), this.embed.apply(ids)], 1) as tf.Tensor3D; // [B, T+1, E]
    const seen = Int32Array.from(lengths, (l) => Math.min(t + 1, l + 1));
    const { outputs } = this.lstm.run(x, prefixMask(seen, t + 1));
    const h = this.cfg.hidden;
    return tf.reshape(this.out.apply(tf.reshape(outputs, [b * (t + 1), h]) as tf.Tensor2D), [b, t + 1, this.vocabSize]) as tf.Tensor3D;
  }

  /**
   * Token cross-entropy of the captions `ids` given `images`: over the real
   * words, plus the <end> after them when `includeEnd` (pretraining with endToken).
   */
  loss(images: tf.Tensor4D, ids: tf.Tensor2D, lengths: ArrayLike<number>, opts: { training: boolean; includeEnd: boolean }): tf.Scalar {
    const [b, t] = ids.shape;
    const logits = this.logits(images, ids, lengths, opts.training);
    const targets = tf.concat([ids, tf.zeros([b, 1], 'int32')], 1) as tf.Tensor2D; // w1 … wT, <end>
    const counted = Int32Array.from(lengths, (l) => Math.min(t + 1, l + (opts.includeEnd ? 1 : 0)));
    return captionCrossEntropy(logits, targets, prefixMask(counted, t + 1));
  }

  /** One LSTM step with the decoder's weights (the same cell as LstmDirection.run). */
  private step(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
    const gates = tf.add(tf.add(tf.matMul(x, this.lstm.wx as tf.Tensor2D), tf.matMul(h, this.lstm.wh as tf.Tensor2D)), this.lstm.b);
    const [gi, gf, gg, go] = tf.split(gates, 4, 1);
    const cNew = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg))) as tf.Tensor2D;
    return { h: tf.mul(tf.sigmoid(go), tf.tanh(cNew)) as tf.Tensor2D, c: cNew };
  }

  /** Greedy decoding in eval mode: maxLen token ids per image (0 = <end>; the vocabulary's decode stops there). */
  greedy(images: tf.Tensor4D, maxLen: number): number[][] {
    return tf.tidy(() => {
      const b = images.shape[0];
      let x = this.cnn.apply(images, false);
      let h: tf.Tensor2D = tf.zeros([b, this.cfg.hidden]);
      let c: tf.Tensor2D = tf.zeros([b, this.cfg.hidden]);
      const tokens: tf.Tensor1D[] = [];
      for (let i = 0; i < maxLen; i++) {
        ({ h, c } = this.step(x, h, c));
        const tok = tf.argMax(this.out.apply(h), 1) as tf.Tensor1D;
        tokens.push(tok);
        x = tf.reshape(this.embed.apply(tf.reshape(tok, [b, 1]) as tf.Tensor2D), [b, -1]) as tf.Tensor2D;
      }
      return tf.stack(tokens, 1).arraySync() as number[][];
    });
  }

  /** Only pretraining makes an optimiser; the frozen captioner never does. */
  private optimizer(): Adam {
    // yunjey's recipe: torch.optim.Adam defaults, β = (0.9, 0.999).
    this.opt ??= new Adam('opt', this.params.entries().filter(([, v]) => v.trainable), { lr: this.cfg.lr, beta1: 0.9, beta2: 0.999 });
    return this.opt;
  }

  /** One pretraining step on real images. */
  trainStep(batch: Batch): Record<string, number> {
    const ce = this.optimizer().minimize(() => this.loss(batch.images, batch.ids, batch.lengths, { training: true, includeEnd: this.cfg.endToken }));
    return { caption_ce: ce };
  }

  state(): [string, tf.Tensor][] {
    return [...this.params.entries(), ...(this.opt?.state() ?? [])];
  }

  loadState(get: (name: string) => tf.Tensor | undefined): void {
    restoreVariables(this.params.entries(), get);
    if (this.opt) restoreVariables(this.opt.state(), get);
  }

  counters(): Record<string, number> {
    return { opt_step: this.opt?.step ?? 0 };
  }

  loadCounters(c: Record<string, number>): void {
    if (this.opt) this.opt.step = c.opt_step ?? 0;
  }

  dispose(): void {
    this.opt?.dispose();
    this.params.dispose();
  }
}
