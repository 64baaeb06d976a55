// supcon-attngan: the supervised-contrastive framework (design §4, our
// reading) on a multi-stage AttnGAN-lite host (design §1.3).
//
//   text        frozen DAMSM words e [B, T, D], sentence ē [B, D]
//   CA          ē → Linear → GLU → (μ, log σ²); c = μ + σ⊙ε; KL weight 1
//   F0          [c; z] → Linear (no bias) → BN1d → GLU → 4×4 → upBlocks to the first stage's size
//               upBlock = up×2 → conv3×3 (to 2·out, no bias) → BN → GLU
//   F_i         e' = U·e (D → ngf); per pixel β = softmax over real words of h·e'; c = Σ β e'
//               [h; c] → R GLU-ResBlocks → upBlock(2ngf → ngf)  (each stage doubles the size)
//   images      per stage conv3×3(ngf → 3) + tanh; the last stage is imageSize
//   D_i         AttnGAN's D_NET (shared with MirrorGAN: mirrorgan/discriminators.ts),
//               unconditional and conditional (sentence) logits
//   losses      BCE (AttnGAN code), on each branch, summed over stages:
//               D_i: (real_u + real_c)/2 + (fake_u + fake_c + mismatch_c)/3
//               Real and fake images of each branch go through D in separate calls, so
//               BatchNorm never mixes real with fake statistics (as the reference's
//               separate netD(real) / netD(fake) calls).
//               G:   Σ_i (fake_u + fake_c) + λ·DAMSM(finest fakes, frozen encoders) + KL
//               plus λ_sup·SupCon over the frozen image encoder's codes of the 2N finest fakes.
// Not kept from AttnGAN: orthogonal init. The averaged copy of G is optional (`emaDecay`, 0 = none).
import * as tf from '@tensorflow/tfjs-core';
import type { AttnganLiteConfig, SupconConfig, TrainConfig } from '../config/config';
import { sentenceLoss, wordsLoss } from '../damsm/damsmLoss';
import { conditioningText } from '../damsm/conditioningText';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { wordAttention } from '../layers/attention';
import { BatchNorm } from '../layers/batchNorm';
import { ConditioningAugmentation, klLoss } from '../layers/conditioningAugmentation';
import { Ema } from '../layers/ema';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { glu } from '../layers/glu';
import { Params, type RandomSource } from '../layers/params';
import { GluResBlock } from '../layers/resBlocks';
import type { EncodedText } from '../text/damsmTextEncoder';
import { Adam } from '../train/adam';
import { CheckpointedModel } from '../train/checkpoint';
import type { Batch, T2IMethod } from '../train/method';
import { discriminatorLoss, generatorAdversarialLoss, StageDiscriminator } from '../mirrorgan/discriminators';
import { UpBlock } from '../mirrorgan/glam';
import { generatedSupcon, supconWeight } from './common';
import { lengthsOf } from '../text/lengths';

interface Stage {
  /** Refinement stages only: word projection, residual blocks, upsampling. */
  wordProj?: Dense;
  res: GluResBlock[];
  up?: UpBlock;
  toImage: Conv2d;
  size: number;
}

export class AttnGenerator {
  readonly ca: ConditioningAugmentation;
  readonly fc: Dense;
  readonly fcBn: BatchNorm;
  readonly ups0: UpBlock[] = [];
  readonly stages: Stage[] = [];
  readonly c0: number;

  constructor(p: Params, imageSize: number, readonly s: AttnganLiteConfig, readonly textDim: number, rand: RandomSource) {
    const ngf = s.ngf;
    const first = imageSize / 2 ** (s.stages - 1);
    if (!Number.isInteger(first) || first < 8) throw new Error(`attnganLite: ${s.stages} stages at ${imageSize}px make a first stage below 8 px`);
    const nUp = Math.log2(first / 4);
    const ch = (k: number) => ngf * Math.min(16, 2 ** (nUp - k)); // k-th level from 4×4
    this.c0 = ch(0);
    this.ca = new ConditioningAugmentation(p.scope('ca'), textDim, s.caDim, rand);
    this.fc = new Dense(p.scope('f0/fc'), s.caDim + s.zDim, this.c0 * 16 * 2, { bias: false });
    this.fcBn = new BatchNorm(p.scope('f0/bn'), this.c0 * 16 * 2);
    for (let k = 0; k < nUp; k++) this.ups0.push(new UpBlock(p.scope(`f0/up${k}`), ch(k), ch(k + 1)));
    for (let i = 0; i < s.stages; i++) {
      const sp = p.scope(`stage${i}`);
      const stage: Stage = { res: [], toImage: new Conv2d(sp.scope('to_image'), ngf, 3, 3), size: first * 2 ** i };
      if (i > 0) {
        stage.wordProj = new Dense(sp.scope('word_proj'), textDim, ngf, { bias: false });
        for (let r = 0; r < s.resBlocks; r++) stage.res.push(new GluResBlock(sp.scope(`res${r}`), ngf * 2));
        stage.up = new UpBlock(sp.scope('up'), ngf * 2, ngf);
      }
      this.stages.push(stage);
    }
  }

  /** Images per stage (coarse → fine), attention per refinement stage [B, HW, T], CA statistics. */
  apply(z: tf.Tensor2D, text: { words: tf.Tensor3D; sentence: tf.Tensor2D; mask: tf.Tensor2D }, training: boolean) {
    const b = z.shape[0];
    const { c, mu, logvar } = this.ca.apply(text.sentence, training);
    const h0 = glu(this.fcBn.apply(this.fc.apply(tf.concat([c, z], 1)), training) as tf.Tensor2D);
    let h = tf.reshape(h0, [b, 4, 4, this.c0]) as tf.Tensor4D;
    for (const up of this.ups0) h = up.apply(h, training);
    const images: tf.Tensor4D[] = [];
    const attention: tf.Tensor3D[] = [];
    const [, t, d] = text.words.shape;
    for (const st of this.stages) {
      if (st.wordProj) {
        const [, hh, ww, cc] = h.shape as number[];
        const keys = tf.reshape(st.wordProj.apply(tf.reshape(text.words, [b * t, d]) as tf.Tensor2D), [b, t, this.s.ngf]) as tf.Tensor3D;
        const att = wordAttention(tf.reshape(h, [b, hh * ww, cc]) as tf.Tensor3D, keys, keys, text.mask);
        attention.push(att.weights);
        let x = tf.concat([h, tf.reshape(att.context, [b, hh, ww, this.s.ngf])], 3) as tf.Tensor4D;
        for (const r of st.res) x = r.apply(x, training);
        h = st.up!.apply(x, training);
      }
      images.push(tf.tanh(st.toImage.apply(h)));
    }
    return { images, attention, mu, logvar };
  }
}

/** Rows [0, N) and [N, 2N): branch A and branch B. */
const halves = <T extends tf.Tensor>(x: T) => tf.split(x, 2, 0) as [T, T];

/** Real images at a stage's size (2×2 average pooling). */
function downTo(images: tf.Tensor4D, size: number): tf.Tensor4D {
  let x = images;
  while (x.shape[1] > size) x = tf.avgPool(x, 2, 2, 'valid');
  return x;
}

/**
 * The DAMSM loss (four terms) of generated images against their captions with
 * the frozen encoders, on each branch separately (negatives within a branch,
 * as in pretraining), summed. `labels` (class masking) may be undefined.
 */
export function damsmOnBranches(enc: FrozenEncoders, images: tf.Tensor4D, text: EncodedText, labels: Int32Array | undefined): tf.Scalar {
  const m = enc.model;
  const img = m.image.encode(images, false);
  const n = images.shape[0] / 2;
  const [r, w, mk, gl, s] = [halves(img.regions), halves(text.words), halves(text.mask), halves(img.global), halves(text.sentence)];
  const terms = [0, 1].map((k) => {
    const lab = labels?.subarray(k * n, (k + 1) * n);
    const wl = wordsLoss(r[k], w[k], mk[k], lab, m.cfg);
    const sl = sentenceLoss(gl[k], s[k], lab, m.cfg.gamma3);
    return tf.addN([wl.imageToText, wl.textToImage, sl.imageToText, sl.textToImage]);
  });
  return tf.add(terms[0], terms[1]) as tf.Scalar;
}

export class SupconAttngan extends CheckpointedModel implements T2IMethod {
  readonly name = 'supcon-attngan';
  readonly lossNames: string[];
  readonly noiseDim: number;
  readonly params: Params;
  readonly g: AttnGenerator;
  readonly ds: StageDiscriminator[];
  readonly optG: Adam;
  readonly optD: Adam;
  /** The averaged generator for samples and evaluation (`emaDecay` > 0), else undefined. */
  readonly ema?: Ema;

  constructor(
    readonly cfg: { sizes: AttnganLiteConfig; supcon: SupconConfig; train: TrainConfig; imageSize: number },
    readonly encoders: FrozenEncoders,
    private readonly rand: RandomSource,
  ) {
    super();
    const { sizes, train } = cfg;
    const textDim = encoders.model.text.dim;
    this.noiseDim = sizes.zDim;
    this.params = Params.root(rand);
    this.g = new AttnGenerator(this.params.scope('g'), cfg.imageSize, sizes, textDim, rand);
    this.ds = this.g.stages.map((st, i) => new StageDiscriminator(this.params.scope(`d${i}`), st.size, sizes.ndf, textDim));
    const stageNames = this.g.stages.map((_, i) => `d${i}`);
    this.lossNames = [...stageNames, 'd_total', 'g_adv', 'g_damsm', 'g_kl', 'g_supcon', 'g_total'];
    const trainable = (test: (n: string) => boolean) => this.params.entries().filter(([n, v]) => v.trainable && test(n));
    const adam = { beta1: train.beta1, beta2: train.beta2 };
    this.optG = new Adam('opt_g', trainable((n) => n.startsWith('g/')), { lr: train.lrG, ...adam });
    this.optD = new Adam('opt_d', trainable((n) => /^d\d+\//.test(n)), { lr: train.lrD, ...adam });
    if (sizes.emaDecay > 0) this.ema = new Ema(trainable((n) => n.startsWith('g/')), sizes.emaDecay);
  }

  private noise(b: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from({ length: b * this.noiseDim }, () => this.rand.normal()), [b, this.noiseDim]);
  }

  /** `batch` is a two-branch batch (TwoBranchSampler): rows [0, N) branch A, [N, 2N) branch B. */
  trainStep(batch: Batch): Record<string, number> {
    const b = batch.images.shape[0];
    if (b % 2 !== 0) throw new Error(`supcon-attngan needs a two-branch batch (even row count), got ${b}`);
    const out: Record<string, number> = {};
    const parts: Record<string, tf.Scalar> = {};
    const text = conditioningText(this.encoders, batch.ids, batch.lengths);
    const fakes = tf.tidy(() => this.g.apply(this.noise(b), text, true).images);
    const sent = halves(text.sentence);

    out.d_total = this.optD.minimize(() => {
      const per = this.ds.map((d, i) => {
        const reals = halves(downTo(batch.images, fakes[i].shape[1]));
        const fk = halves(fakes[i]);
        const loss = tf.addN([0, 1].map((k) => discriminatorLoss(d, reals[k], fk[k], sent[k]).total)) as tf.Scalar;
        parts[`d${i}`] = tf.keep(loss.clone());
        return loss;
      });
      return tf.addN(per) as tf.Scalar;
    });
    tf.dispose(fakes);

    const w = supconWeight(this.cfg.supcon);
    const { damsmWeight, klWeight } = this.cfg.sizes;
    const labels = this.encoders.model.cfg.classMasking ? batch.labels : undefined;
    out.g_total = this.optG.minimize(() => {
      const g = this.g.apply(this.noise(b), text, true);
      const adv = tf.addN(
        this.ds.flatMap((d, i) => {
          const fk = halves(g.images[i]);
          return [0, 1].map((k) => generatorAdversarialLoss(d, fk[k], sent[k]));
        }),
      ) as tf.Scalar;
      const finest = g.images[g.images.length - 1];
      const damsm = damsmOnBranches(this.encoders, finest, text, labels);
      const kl = klLoss(g.mu, g.logvar);
      const sc = generatedSupcon(this.encoders, finest, batch.labels, this.cfg.supcon);
      parts.g_adv = tf.keep(adv.clone());
      parts.g_damsm = tf.keep(damsm.clone());
      parts.g_kl = tf.keep(kl.clone());
      parts.g_supcon = tf.keep(sc.clone());
      return tf.addN([adv, tf.mul(damsm, damsmWeight), tf.mul(kl, klWeight), tf.mul(sc, w)]) as tf.Scalar;
    });
    this.ema?.update(this.optG.step);
    tf.dispose([text.words, text.sentence, text.mask, ...sent]);
    for (const [k, t] of Object.entries(parts)) {
      out[k] = t.dataSync()[0];
      t.dispose();
    }
    return out;
  }

  /** Runs `fn` with the averaged generator in place when there is one. */
  private averaged<T>(fn: () => T): T {
    return this.ema ? this.ema.withAveraged(fn) : fn();
  }

  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D {
    return this.averaged(() => tf.tidy(() => {
      const imgs = this.g.apply(noise, conditioningText(this.encoders, ids, lengthsOf(ids)), false).images;
      return imgs[imgs.length - 1];
    }));
  }

  /** Word attention of each refinement stage, [N, T, H, W]. */
  attention(ids: tf.Tensor2D, noise: tf.Tensor2D): { name: string; weights: tf.Tensor4D }[] {
    return this.averaged(() => tf.tidy(() => {
      const { attention } = this.g.apply(noise, conditioningText(this.encoders, ids, lengthsOf(ids)), false);
      return attention.map((a, k) => {
        const [n, hw, t] = a.shape;
        const side = Math.round(Math.sqrt(hw));
        return { name: `stage${k + 1} (${side}×${side})`, weights: tf.reshape(tf.transpose(a, [0, 2, 1]), [n, t, side, side]) as tf.Tensor4D };
      });
    }));
  }

  protected checkpointTensors(): [string, tf.Tensor][] {
    return [...this.params.entries(), ...(this.ema?.state() ?? [])];
  }

  protected optimizers(): readonly Adam[] {
    return [this.optG, this.optD];
  }

  protected owned() {
    return [this.ema, this.params, this.encoders.model];
  }
}
