// XMC-GAN (Zhang, Koh, Baldridge, Lee, Yang: "Cross-Modal Contrastive Learning
// for Text-to-Image Generation", CVPR 2021), after the reference code
// google-research/xmcgan_image_generation (xmc_gan.py, train_utils.py).
//
//   text       the frozen, pretrained DAMSM text encoder in place of BERT: word
//              features e_w [B, T, D] and their masked mean e_s (the code's
//              sentence feature is BERT's masked mean too, not its pooled output)
//   generator  generator.ts: self-modulation from [W e_s; z], word-region
//              attention once at condSize, per-pixel modulation from [c_j; g]
//   D          discriminator.ts: SN residual trunk, sum-pooled φ, projection
//              head, region features at condSize
//   losses     losses.ts. With φ real/fake halves of one D pass over [x; x̂]:
//     L_D = hinge_D + λs·L_sent(φ(x), W_s e_s) + λw·L_word(regions(x), e_w)
//           (the contrastive heads learn from real images only)
//     L_G = −mean D(x̂) + λs·L_sent(φ(x̂), W_s e_s) + λw·L_word(regions(x̂), e_w)
//           + λi·L_img(φ(x̂), φ(x)) + λe·L_img(v̄(x), v̄(x̂))
//     v̄ is the frozen DAMSM image encoder's global code, standing in for the
//     code's ImageNet ResNet-50 logits (logged as g_img_damsm).
//   schedule   each step's batch is split into dStepsPerG equal parts: D-only
//              updates on the first parts (G runs in training mode there, but
//              its batch-norm statistics are discarded, as train_d discards
//              them), then one joint update on the last part: G's and D's
//              gradients both at the same weights, from the same fakes and the
//              same spectral-norm estimate (train_g_d's single forward pass and
//              vjp; here a pass over x for φ(x) and the power iteration, then
//              two tapes, since tfjs differentiates one scalar per tape: G's
//              over x̂ alone, D's over [x; x̂]). Adam for both (lrD = 4·lrG),
//              EMA of G's weights after each G update; samples and evaluation
//              use the EMA generator with the live running statistics, as the
//              code does.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig, XmcganConfig } from '../config/config';
import { conditioningText } from '../damsm/conditioningText';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { Ema } from '../layers/ema';
import { lengthsOf } from '../text/lengths';
import { Params, type RandomSource } from '../layers/params';
import { maskedMean } from '../text/damsmTextEncoder';
import { Adam } from '../train/adam';
import { CheckpointedModel } from '../train/checkpoint';
import type { Batch, T2IMethod } from '../train/method';
import { XmcDiscriminator } from './discriminator';
import { XmcGenerator, type TextCondition } from './generator';
import { contrastiveLoss, hingeD, hingeG, wordRegionLoss } from './losses';

type Term = [name: string, value: tf.Scalar, weight: number];

/** Rows [start, start + size) of a batch. */
function sliceBatch(b: Batch, start: number, size: number): Batch {
  return {
    images: tf.slice(b.images, [start, 0, 0, 0], [size, -1, -1, -1]),
    ids: tf.slice(b.ids, [start, 0], [size, -1]),
    lengths: b.lengths.subarray(start, start + size),
    labels: b.labels.subarray(start, start + size),
  };
}


const firstHalf = <T extends tf.Tensor>(x: T, h: number): T => tf.slice(x, 0, h) as T;
const secondHalf = <T extends tf.Tensor>(x: T, h: number): T => tf.slice(x, h, h) as T;

export class XmcGan extends CheckpointedModel implements T2IMethod {
  readonly name = 'xmcgan';
  readonly sizes: XmcganConfig;
  readonly lossNames: string[];
  readonly noiseDim: number;
  readonly params: Params;
  readonly g: XmcGenerator;
  readonly d: XmcDiscriminator;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly ema: Ema;
  private readonly gStats: tf.Variable[];
  private readonly noiseRand: RandomSource;

  constructor(
    cfg: { sizes: XmcganConfig; train: TrainConfig; imageSize: number; vocabSize: number },
    readonly encoders: FrozenEncoders,
    rand: RandomSource,
  ) {
    super();
    const x = (this.sizes = cfg.sizes);
    if (encoders.vocab.size !== cfg.vocabSize) throw new Error(`the encoders' vocabulary has ${encoders.vocab.size} words, the run's ${cfg.vocabSize}`);
    const wordDim = encoders.model.text.dim;
    this.noiseDim = x.zDim;
    this.noiseRand = rand;
    this.params = Params.root(rand);
    this.g = new XmcGenerator(this.params.scope('g'), { imageSize: cfg.imageSize, gf: x.gf, zDim: x.zDim, condSize: x.condSize, wordDim, rho0: x.rho0 });
    this.d = new XmcDiscriminator(this.params.scope('d'), { imageSize: cfg.imageSize, df: x.df, condSize: x.condSize, wordDim });
    const trainable = (prefix: string) => this.params.entries().filter(([n, v]) => v.trainable && n.startsWith(prefix));
    // Region features feed only the word term; without it they get no gradient and are left out.
    const dVars = trainable('d/').filter(([n]) => x.wordContrastive || !n.startsWith('d/region_proj/'));
    this.optG = new Adam('opt_g', trainable('g/'), { lr: x.lrG, beta1: cfg.train.beta1, beta2: cfg.train.beta2 });
    this.optD = new Adam('opt_d', dVars, { lr: x.lrD, beta1: cfg.train.beta1, beta2: cfg.train.beta2 });
    this.ema = new Ema(trainable('g/'), x.emaDecay);
    this.gStats = this.params.entries().filter(([n]) => n.startsWith('g/') && /\/running_(mean|var)$/.test(n)).map(([, v]) => v);
    this.lossNames = [
      'd_real', 'd_fake',
      ...(x.sentenceContrastive ? ['d_sent_real'] : []),
      ...(x.wordContrastive ? ['d_word_real'] : []),
      'd_total',
      'g_adv',
      ...(x.sentenceContrastive ? ['g_sent_fake'] : []),
      ...(x.wordContrastive ? ['g_word_fake'] : []),
      ...(x.imageContrastive ? ['g_img'] : []),
      ...(x.encoderImageContrastive ? ['g_img_damsm'] : []),
      'g_total',
    ];
  }

  private noise(b: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from({ length: b * this.noiseDim }, () => this.noiseRand.normal()), [b, this.noiseDim]);
  }

  /** Frozen text features: words, mask and their masked mean (no dropout, no gradient to the encoder). */
  encodeText(ids: tf.Tensor2D, lengths: ArrayLike<number>): TextCondition {
    const { words, mask, sentence } = conditioningText(this.encoders, ids, lengths);
    sentence.dispose();
    return { words, mask, sentence: maskedMean(words, mask) };
  }

  /** Sums weighted terms into `out` (kept copies, for logging) and returns the total. */
  private total(terms: Term[], totalName: string, out: Record<string, tf.Tensor>): tf.Scalar {
    for (const [name, v] of terms) out[name] = tf.keep(v.clone());
    const sum = tf.addN(terms.map(([, v, w]) => (w === 1 ? v : tf.mul(v, w)))) as tf.Scalar;
    out[totalName] = tf.keep(sum.clone());
    return sum;
  }

  /** D's loss on real images and (constant) fakes of the same captions: hinge plus the contrastive heads on real images. */
  dLoss(real: tf.Tensor4D, fake: tf.Tensor4D, text: TextCondition, training: boolean, out: Record<string, tf.Tensor>): tf.Scalar {
    const x = this.sizes;
    const h = real.shape[0];
    const o = this.d.apply(tf.concat([real, fake], 0), text.sentence, training, { regions: x.wordContrastive });
    const hinge = hingeD(firstHalf(o.logits, h), secondHalf(o.logits, h));
    const terms: Term[] = [['d_real', hinge.real, 1], ['d_fake', hinge.fake, 1]];
    if (x.sentenceContrastive) terms.push(['d_sent_real', contrastiveLoss(firstHalf(o.phi, h), o.sentence, x.tau), x.sentenceWeight]);
    if (x.wordContrastive) terms.push(['d_word_real', wordRegionLoss(firstHalf(o.regions!, h), text.words, text.mask, x), x.wordWeight]);
    return this.total(terms, 'd_total', out);
  }

  /**
   * φ(x) of the real images, a constant in G's loss. This pass is the joint
   * update's one power iteration of D's spectral norms; G's and D's passes
   * after it reuse that estimate.
   */
  realFeatures(real: tf.Tensor4D, text: TextCondition): tf.Tensor2D {
    return this.d.apply(real, text.sentence, true).phi;
  }

  /**
   * G's loss: fool D, and the contrastive terms on its own images (D's weights
   * are constants here). D sees only the fakes: the code's pass over [x; x̂]
   * gives the same values, but backpropagating through the real half too
   * would cost a second D backward for rows that reach no G weight.
   */
  gLoss(phiReal: tf.Tensor2D, fake: tf.Tensor4D, text: TextCondition, encReal: tf.Tensor2D | undefined, out: Record<string, tf.Tensor>): tf.Scalar {
    const x = this.sizes;
    const o = this.d.apply(fake, text.sentence, false, { regions: x.wordContrastive });
    const terms: Term[] = [['g_adv', hingeG(o.logits), 1]];
    if (x.sentenceContrastive) terms.push(['g_sent_fake', contrastiveLoss(o.phi, o.sentence, x.tau), x.sentenceWeight]);
    if (x.wordContrastive) terms.push(['g_word_fake', wordRegionLoss(o.regions!, text.words, text.mask, x), x.wordWeight]);
    if (x.imageContrastive) terms.push(['g_img', contrastiveLoss(o.phi, phiReal, x.tau), x.imageWeight]);
    if (encReal) {
      const encFake = this.encoders.model.image.encode(fake, false).global;
      terms.push(['g_img_damsm', contrastiveLoss(encReal, encFake, x.tau), x.encoderImageWeight]);
    }
    return this.total(terms, 'g_total', out);
  }

  /** Runs G with its batch-norm running statistics left as they were (the code's train_d drops G's new state). */
  private withoutGStatUpdates<T extends tf.Tensor>(fn: () => T): T {
    const saved = this.gStats.map((v) => v.clone());
    try {
      return fn();
    } finally {
      this.gStats.forEach((v, i) => v.assign(saved[i]));
      tf.dispose(saved);
    }
  }

  private static read(out: Record<string, tf.Tensor>): Record<string, number> {
    const names = Object.keys(out);
    const values = tf.tidy(() => tf.stack(names.map((n) => out[n])).dataSync());
    tf.dispose(Object.values(out));
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  }

  private applyGrads(opt: Adam, grads: tf.NamedTensorMap): void {
    opt.apply(opt.vars.map(([n, w]) => [n, w, grads[w.name]]));
  }

  /** A D-only update on one part of the batch (the code's train_d); `text` is the part's encoded captions. */
  dStep(part: Batch, text: TextCondition): Record<string, number> {
    const out: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      const z = this.noise(part.images.shape[0]);
      const fake = this.withoutGStatUpdates(() => this.g.apply(text, z, true).images);
      const { grads } = tf.variableGrads(() => this.dLoss(part.images, fake, text, true, out), this.optD.vars.map(([, v]) => v));
      this.applyGrads(this.optD, grads);
    });
    return XmcGan.read(out);
  }

  /** The joint update of G and D on one part of the batch (the code's train_g_d), then the EMA. */
  jointStep(part: Batch, text: TextCondition): Record<string, number> {
    const out: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      const real = part.images;
      const z = this.noise(real.shape[0]);
      const encReal = this.sizes.encoderImageContrastive ? this.encoders.model.image.encode(real, false).global : undefined;
      const phiReal = this.realFeatures(real, text);
      let fake: tf.Tensor4D | undefined;
      // Tape 1: G's gradients.
      const gRes = tf.variableGrads(() => {
        const images = this.g.apply(text, z, true).images;
        fake = tf.keep(images);
        return this.gLoss(phiReal, images, text, encReal, out);
      }, this.optG.vars.map(([, v]) => v));
      // Tape 2: D's gradients at the same weights, on the same fakes and spectral-norm estimate.
      const dRes = tf.variableGrads(() => this.dLoss(real, fake!, text, false, out), this.optD.vars.map(([, v]) => v));
      tf.dispose(fake);
      this.applyGrads(this.optG, gRes.grads);
      this.applyGrads(this.optD, dRes.grads);
      this.ema.update(this.optG.step);
    });
    return XmcGan.read(out);
  }

  trainStep(batch: Batch): Record<string, number> {
    const k = this.sizes.dStepsPerG;
    const b = batch.images.shape[0];
    if (b % k !== 0 || b / k < 2) throw new Error(`XMC-GAN splits each batch into ${k} parts of at least 2; batch ${b} does not split`);
    const h = b / k;
    const losses: Record<string, number> = {};
    // The frozen encoder is deterministic: one pass over the whole batch, sliced per part.
    const all = tf.tidy(() => ({ ...this.encodeText(batch.ids, batch.lengths) }));
    try {
      for (let i = 0; i < k; i++) {
        const part = sliceBatch(batch, i * h, h);
        const text = tf.tidy(() => ({ words: tf.slice(all.words, i * h, h), mask: tf.slice(all.mask, i * h, h), sentence: tf.slice(all.sentence, i * h, h) }));
        try {
          const l = i < k - 1 ? this.dStep(part, text) : this.jointStep(part, text);
          // D's terms: the mean over this step's k D updates; G's: from the joint update.
          for (const [n, v] of Object.entries(l)) losses[n] = n.startsWith('d_') ? (losses[n] ?? 0) + v / k : v;
        } finally {
          tf.dispose([part.images, part.ids, text.words, text.mask, text.sentence]);
        }
      }
    } finally {
      tf.dispose([all.words, all.mask, all.sentence]);
    }
    return Object.fromEntries(this.lossNames.map((n) => [n, losses[n]]));
  }

  /** Runs the EMA generator in eval mode. */
  private sampleG(ids: tf.Tensor2D, noise: tf.Tensor2D) {
    const text = this.encodeText(ids, lengthsOf(ids));
    return this.ema.withAveraged(() => this.g.apply(text, noise, false));
  }

  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.sampleG(ids, noise).images);
  }

  /** The EMA generator's word-region attention, one condSize×condSize map per word: [N, T, s, s]. */
  attention(ids: tf.Tensor2D, noise: tf.Tensor2D): { name: string; weights: tf.Tensor4D }[] {
    const s = this.sizes.condSize;
    const weights = tf.tidy(() => {
      const a = this.sampleG(ids, noise).attention; // [N, s², T]
      const [n, , t] = a.shape;
      return tf.reshape(tf.transpose(a, [0, 2, 1]), [n, t, s, s]) as tf.Tensor4D;
    });
    return [{ name: `g${s}`, weights }];
  }

  protected checkpointTensors(): [string, tf.Tensor][] {
    return [...this.params.entries(), ...this.ema.state('ema')];
  }

  protected optimizers(): readonly Adam[] {
    return [this.optG, this.optD];
  }

  protected owned() {
    return [this.ema, this.params, this.encoders.model];
  }
}
