// MirrorGAN (Qiao et al., CVPR 2019): text → image → text.
//
//   STEM    the frozen DAMSM text encoder: words w [B, T, D], sentence s [B, D]; CA(s) → c, KL
//   GLAM    the cascade of glam.ts: one image per stage, coarse to fine
//   D_i     per stage (discriminators.ts): unconditional and conditional logits on the raw s,
//           plus real image k with sentence k+1 as a mismatched pair
//   STREAM  the frozen captioner (stream.ts) re-describes the finest image; its token
//           cross-entropy against the input caption is the redescription loss
//
//   L_D_i = (BCE_real,u + BCE_real,c)/2 + (BCE_fake,u + BCE_fake,c + BCE_mis,c)/3      (each D its own Adam)
//   L_G   = Σ_i (BCE_fake,u→1 + BCE_fake,c→1) + λ·CE_STREAM(finest image, caption) + KL
//
// One step follows the reference trainer: the fakes of this step's noise train
// every D first (no gradient into G), then G is updated against the updated
// Ds, and the EMA copy of G (decay 0.999) moves; samples use the EMA copy.
// tfjs records gradients only inside one closure, so G's forward runs twice
// (once for the Ds, once under G's tape) with the same z and CA noise; the
// first pass's BatchNorm running-statistics update is undone so the running
// statistics advance once per step, as in the reference.
import * as tf from '@tensorflow/tfjs-core';
import type { MirrorganConfig, TrainConfig } from '../config/config';
import { conditioningText } from '../damsm/conditioningText';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { klLoss } from '../layers/conditioningAugmentation';
import { Ema } from '../layers/ema';
import { Params, type RandomSource } from '../layers/params';
import { Adam } from '../train/adam';
import { CheckpointedModel } from '../train/checkpoint';
import type { Batch, T2IMethod } from '../train/method';
import { discriminatorLoss, generatorAdversarialLoss, StageDiscriminator } from './discriminators';
import { GlamGenerator, type GlamOutput } from './glam';
import { lengthsOf } from '../text/lengths';
import type { FrozenStream } from './streamPretrain';

export interface MirrorganOptions {
  mirrorgan: MirrorganConfig;
  train: TrainConfig;
  imageSize: number;
  vocabSize: number;
  /** Longest greedy re-description (the config's text.maxWords). */
  maxWords: number;
}

export class MirrorGAN extends CheckpointedModel implements T2IMethod {
  readonly name = 'mirrorgan';
  readonly lossNames: string[];
  readonly noiseDim: number;
  readonly params: Params;
  readonly g: GlamGenerator;
  readonly ds: StageDiscriminator[];
  readonly optG: Adam;
  readonly optDs: Adam[];
  readonly ema: Ema;
  readonly sizes: number[];
  private readonly rand: RandomSource;

  constructor(
    readonly opts: MirrorganOptions,
    readonly encoders: FrozenEncoders,
    /** The frozen captioner: training needs it; sampling (generate, attention) does not. */
    readonly stream: FrozenStream | undefined,
    rand: RandomSource,
  ) {
    super();
    const m = opts.mirrorgan;
    const text = encoders.model.text;
    if (text.embed.vocabSize !== opts.vocabSize) throw new Error(`the STEM has ${text.embed.vocabSize} words, the run's vocabulary ${opts.vocabSize}`);
    if (stream && stream.model.vocabSize !== opts.vocabSize) throw new Error(`the STREAM captioner has ${stream.model.vocabSize} words, the run's vocabulary ${opts.vocabSize}`);
    if (stream && stream.model.imageSize !== opts.imageSize) throw new Error(`the STREAM captioner reads ${stream.model.imageSize}px images, the finest stage is ${opts.imageSize}px`);
    this.rand = rand;
    this.noiseDim = m.zDim;
    this.params = Params.root(rand);
    this.g = new GlamGenerator(this.params.scope('g'), {
      imageSize: opts.imageSize, stages: m.stages, zDim: m.zDim, caDim: m.caDim, ngf: m.ngf,
      resBlocks: m.resBlocks, textDim: text.dim, sentenceAttention: m.sentenceAttention,
    }, rand);
    this.sizes = this.g.sizes;
    this.ds = this.sizes.map((s, i) => new StageDiscriminator(this.params.scope(`d${i}`), s, m.ndf, text.dim));
    const trainable = (prefix: string) => this.params.entries().filter(([n, v]) => v.trainable && n.startsWith(prefix));
    const { lrG, lrD, beta1, beta2 } = opts.train;
    this.optG = new Adam('opt_g', trainable('g/'), { lr: lrG, beta1, beta2 });
    this.optDs = this.ds.map((_, i) => new Adam(`opt_d${i}`, trainable(`d${i}/`), { lr: lrD, beta1, beta2 }));
    this.ema = new Ema(trainable('g/'), m.emaDecay);
    this.lossNames = [...this.sizes.map((s) => `d${s}`), ...this.sizes.map((s) => `g${s}`), 'kl', 'redesc', 'g_total'];
  }

  private normal(rows: number, cols: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => this.rand.normal()), [rows, cols]);
  }

  /** Real images at every stage's size: 2^k×2^k average pooling of the finest (AttnGAN resizes with PIL). */
  private realPyramid(images: tf.Tensor4D): tf.Tensor4D[] {
    const S = this.opts.imageSize;
    return this.sizes.map((s) => (s === S ? images.clone() : tf.avgPool(images, S / s, S / s, 'valid')));
  }

  /** BatchNorm running statistics of G (non-trainable g/ variables). */
  private gRunningStats(): tf.Variable[] {
    return this.params.entries().filter(([n, v]) => !v.trainable && n.startsWith('g/')).map(([, v]) => v);
  }

  trainStep(batch: Batch): Record<string, number> {
    if (!this.stream) throw new Error('MirrorGAN training needs the frozen STREAM captioner (t2i pretrain-stream)');
    const b = batch.images.shape[0];
    const m = this.opts.mirrorgan;
    const losses: Record<string, number> = {};
    // Words up to the batch's longest caption only, as the reference's packed
    // sequences give (its mask is cut to words_embs' width): the padding
    // columns carry zero attention and no loss, and the LSTMs skip them.
    const width = Math.max(1, ...batch.lengths);
    const ids = width < batch.ids.shape[1] ? tf.slice(batch.ids, [0, 0], [-1, width]) : batch.ids;
    // The frozen STEM in eval mode (no dropout), outside every tape.
    const text = conditioningText(this.encoders, ids, batch.lengths);
    const z = this.normal(b, m.zDim);
    const eps = this.normal(b, m.caDim);
    const reals = tf.tidy(() => this.realPyramid(batch.images));
    try {
      // (1) This step's fakes for the Ds, made outside any tape.
      const stats = this.gRunningStats();
      const saved = stats.map((v) => v.clone());
      const fakes = tf.tidy(() => this.g.forward(text.sentence, text.words, text.mask, z, eps, true).images);
      stats.forEach((v, i) => v.assign(saved[i]));
      tf.dispose(saved);
      // (2) Each stage's D, its own optimiser.
      this.ds.forEach((d, i) => {
        losses[`d${this.sizes[i]}`] = this.optDs[i].minimize(() => discriminatorLoss(d, reals[i], fakes[i], text.sentence).total);
      });
      tf.dispose(fakes);
      // (3) G against the updated Ds, plus λ·redescription and KL.
      const parts: Record<string, tf.Scalar> = {};
      losses.g_total = this.optG.minimize(() => {
        const out = this.g.forward(text.sentence, text.words, text.mask, z, eps, true);
        const adv = this.ds.map((d, i) => generatorAdversarialLoss(d, out.images[i], text.sentence));
        const kl = klLoss(out.mu, out.logvar);
        const redesc = this.redescriptionLoss(out, ids, batch.lengths);
        adv.forEach((l, i) => (parts[`g${this.sizes[i]}`] = tf.keep(l.clone())));
        parts.kl = tf.keep(kl.clone());
        parts.redesc = tf.keep(redesc.clone());
        const terms = [...adv, kl];
        // Redescription off (the AttnGAN-style ablation): still measured, never trained on.
        if (m.redescription) terms.push(tf.mul(redesc, m.lambda) as tf.Scalar);
        return tf.addN(terms) as tf.Scalar;
      });
      for (const [k, t] of Object.entries(parts)) {
        losses[k] = t.dataSync()[0];
        t.dispose();
      }
      this.ema.update(this.optG.step);
    } finally {
      tf.dispose([text.words, text.sentence, text.mask, z, eps, ...reals]);
      if (ids !== batch.ids) ids.dispose();
    }
    return losses;
  }

  /**
   * The STREAM's token cross-entropy on the finest image against the caption
   * (real words only, as the code). The captioner is frozen and in eval mode:
   * its variables are in no optimiser and its BatchNorm uses running statistics.
   */
  redescriptionLoss(out: GlamOutput, ids: tf.Tensor2D, lengths: ArrayLike<number>): tf.Scalar {
    if (!this.stream) throw new Error('the redescription loss needs the frozen STREAM captioner');
    const finest = out.images[out.images.length - 1];
    return this.stream.model.loss(finest, ids, lengths, { training: false, includeEnd: false });
  }

  /** Eval-mode cascade with the EMA weights (c = μ). */
  private evalForward<T extends tf.TensorContainer>(ids: tf.Tensor2D, noise: tf.Tensor2D, pick: (out: GlamOutput) => T): T {
    return this.ema.withAveraged(() =>
      tf.tidy(() => {
        const t = conditioningText(this.encoders, ids, lengthsOf(ids));
        return pick(this.g.forward(t.sentence, t.words, t.mask, noise, undefined, false));
      }),
    );
  }

  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D {
    return this.evalForward(ids, noise, (out) => out.images[out.images.length - 1]);
  }

  /** Word attention of each refinement stage as [N, T, H, W] (H = the previous stage's side). */
  attention(ids: tf.Tensor2D, noise: tf.Tensor2D): { name: string; weights: tf.Tensor4D }[] {
    const maps = this.evalForward(ids, noise, (out) =>
      out.attention.map((w) => {
        const [n, hw, t] = w.shape;
        const side = Math.round(Math.sqrt(hw));
        return tf.reshape(tf.transpose(w, [0, 2, 1]), [n, t, side, side]) as tf.Tensor4D;
      }),
    );
    return maps.map((weights, i) => ({ name: `stage${i + 1}`, weights }));
  }

  /** The frozen captioner's greedy re-description of each generated image (token ids, 0 = <end>). */
  redescribe(ids: tf.Tensor2D, noise: tf.Tensor2D): number[][] | undefined {
    if (!this.stream) return undefined;
    const stream = this.stream;
    const images = this.generate(ids, noise);
    try {
      return stream.model.greedy(images, this.opts.maxWords);
    } finally {
      images.dispose();
    }
  }

  protected checkpointTensors(): [string, tf.Tensor][] {
    return [...this.params.entries(), ...this.ema.state()];
  }

  protected optimizers(): readonly Adam[] {
    return [this.optG, ...this.optDs];
  }

  protected owned() {
    return [this.ema, this.params, this.encoders.model, this.stream?.model];
  }
}
