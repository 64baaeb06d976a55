// MirrorGAN's generator: conditioning augmentation of the STEM sentence
// vector, then GLAM, the global-local attentive cascade (qiaott/MirrorGAN
// model.py G_NET / INIT_STAGE_G / NEXT_STAGE_G, GLAttention.py).
//
//   c = CA(s) = μ + σ·ε                                       (eval: c = μ)
//   F0:  [c; z] → Linear (no bias) → BN → GLU → 4×4×ngf0 → upBlock* → s0×s0×ngf
//   Fi:  h (S/2, ngf)
//        word attention     e′ = U·w (1×1, "perception layer"); β = softmax over real words of hᵀe′ per pixel; c^w = β·e′
//        sentence attention s′ = V·c (Linear), tiled; a = softmax over channels of conv1×1(h ⊙ s′); f^s = s′ ⊙ a
//        [h; c^w; f^s] (3ngf) → conv1×1 → 2ngf → R_NUM GLU ResBlocks → upBlock → S×S×ngf
//   each stage: conv3×3 (ngf → 3, no bias) → tanh
//   upBlock = nearest ×2 → conv3×3 (→ 2·out, no bias) → BN → GLU
//
// The reference's first stage is 64 px (4×4 and four upBlocks from 16·ngf);
// a smaller first stage (32 px for CPU) starts at ngf·2^ups channels so that
// every stage still hands ngf channels to the next, as at 64 px.
//
// Sentence attention, paper vs code. The paper (Eq. 5) writes the global
// attention as f^s = s′ ∘ softmax(f ∘ s′) — a softmax of the element-wise
// product with no stated axis and no extra layer. The released code inserts a
// 1×1 conv (`conv_sentence_vis`) before the softmax, and its `nn.Softmax()`
// without `dim` on a 4-D tensor normalises over dim 1, the channels: each
// pixel gets a distribution over channels. `sentenceAttention`: "code" (the
// default, as released), "paper" (the same channel softmax without the 1×1
// conv), "off" (the ablation: no sentence branch; the 1×1 fuse then sees
// [h; c^w], 2ngf, which is AttnGAN's stage plus a 1×1 conv).
import * as tf from '@tensorflow/tfjs-core';
import { wordAttention } from '../layers/attention';
import { BatchNorm } from '../layers/batchNorm';
import { ConditioningAugmentation } from '../layers/conditioningAugmentation';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { glu } from '../layers/glu';
import type { Params, RandomSource } from '../layers/params';
import { GluResBlock } from '../layers/resBlocks';
import { upsampleNearest2x } from '../layers/upsample';

export type SentenceAttentionMode = 'code' | 'paper' | 'off';

export interface GlamSizes {
  /** Finest stage side (the config's imageSize). */
  imageSize: number;
  /** Number of stages (the reference's BRANCH_NUM). */
  stages: number;
  zDim: number;
  caDim: number;
  ngf: number;
  resBlocks: number;
  /** STEM feature size (the DAMSM text encoder's 2·hidden). */
  textDim: number;
  sentenceAttention: SentenceAttentionMode;
}

/** Side of every stage, coarse to fine: imageSize / 2^(stages−1−i). */
export function stageSizes(imageSize: number, stages: number): number[] {
  return Array.from({ length: stages }, (_, i) => imageSize / 2 ** (stages - 1 - i));
}

/** Nearest ×2 → conv3×3 (no bias) to 2·out → BN → GLU. */
export class UpBlock {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;

  constructor(p: Params, inC: number, readonly outC: number) {
    this.conv = new Conv2d(p.scope('conv'), inC, outC * 2, 3, { bias: false });
    this.bn = new BatchNorm(p.scope('bn'), outC * 2);
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return glu(this.bn.apply(this.conv.apply(upsampleNearest2x(x)), training) as tf.Tensor4D);
  }
}

/** F0: [c; z] → s0×s0×ngf. */
export class InitStage {
  readonly fc: Dense;
  readonly bn: BatchNorm;
  readonly ups: UpBlock[] = [];
  readonly inC: number;

  constructor(p: Params, size: number, inDim: number, ngf: number) {
    const ups = Math.log2(size / 4);
    if (!Number.isInteger(ups) || ups < 1) throw new Error(`first stage must be 8 px or more and a power of two, got ${size}`);
    this.inC = ngf * 2 ** ups;
    this.fc = new Dense(p.scope('fc'), inDim, this.inC * 16 * 2, { bias: false });
    this.bn = new BatchNorm(p.scope('bn'), this.inC * 16 * 2);
    for (let i = 0; i < ups; i++) this.ups.push(new UpBlock(p.scope(`up${i}`), this.inC / 2 ** i, this.inC / 2 ** (i + 1)));
  }

  apply(c: tf.Tensor2D, z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const b = c.shape[0];
    const x = glu(this.bn.apply(this.fc.apply(tf.concat([c, z], 1)), training) as tf.Tensor2D);
    let h = tf.reshape(x, [b, 4, 4, this.inC]) as tf.Tensor4D;
    for (const up of this.ups) h = up.apply(h, training);
    return h;
  }
}

export interface AttentionOut {
  /** c^w [B, H, W, ngf]. */
  wordContext: tf.Tensor4D;
  /** f^s [B, H, W, ngf]; absent with sentence attention off. */
  sentence?: tf.Tensor4D;
  /** β [B, H·W, T]: per pixel, weights over the words (0 on padding). */
  wordWeights: tf.Tensor3D;
}

/** GLAttentionGeneral: local word attention and global sentence attention. */
export class GlobalLocalAttention {
  /** U: word features → ngf (a 1×1 conv over words in the code; a matrix here). */
  readonly wordProj: Dense;
  /** V: c (caDim) → ngf. */
  readonly sentProj?: Dense;
  /** The code's conv_sentence_vis (1×1, no bias). */
  readonly sentConv?: Conv2d;

  constructor(p: Params, readonly ngf: number, textDim: number, caDim: number, readonly mode: SentenceAttentionMode) {
    this.wordProj = new Dense(p.scope('word_proj'), textDim, ngf, { bias: false });
    if (mode !== 'off') this.sentProj = new Dense(p.scope('sent_proj'), caDim, ngf);
    if (mode === 'code') this.sentConv = new Conv2d(p.scope('sent_conv'), ngf, ngf, 1, { bias: false });
  }

  /** h [B, H, W, ngf], words [B, T, D], mask [B, T] (1 = real word), c [B, caDim]. */
  apply(h: tf.Tensor4D, words: tf.Tensor3D, mask: tf.Tensor2D, c: tf.Tensor2D): AttentionOut {
    const [b, hh, ww, ch] = h.shape;
    const t = words.shape[1];
    const e = tf.reshape(this.wordProj.apply(tf.reshape(words, [b * t, -1]) as tf.Tensor2D), [b, t, ch]) as tf.Tensor3D;
    const { context, weights } = wordAttention(tf.reshape(h, [b, hh * ww, ch]) as tf.Tensor3D, e, e, mask);
    const wordContext = tf.reshape(context, [b, hh, ww, ch]) as tf.Tensor4D;
    if (!this.sentProj) return { wordContext, wordWeights: weights };
    const s = tf.reshape(this.sentProj.apply(c), [b, 1, 1, ch]); // broadcasts over H×W (the code tiles it)
    let scores = tf.mul(h, s) as tf.Tensor4D;
    if (this.sentConv) scores = this.sentConv.apply(scores);
    const a = tf.softmax(scores); // over the last axis: the channels
    return { wordContext, sentence: tf.mul(s, a) as tf.Tensor4D, wordWeights: weights };
  }
}

/** F_i: attention, 1×1 fuse, residual blocks, upBlock. */
export class NextStage {
  readonly att: GlobalLocalAttention;
  readonly fuse: Conv2d;
  readonly res: GluResBlock[] = [];
  readonly up: UpBlock;

  constructor(p: Params, ngf: number, textDim: number, caDim: number, resBlocks: number, mode: SentenceAttentionMode) {
    this.att = new GlobalLocalAttention(p.scope('att'), ngf, textDim, caDim, mode);
    this.fuse = new Conv2d(p.scope('fuse'), (mode === 'off' ? 2 : 3) * ngf, 2 * ngf, 1, { bias: false });
    for (let i = 0; i < resBlocks; i++) this.res.push(new GluResBlock(p.scope(`res${i}`), 2 * ngf));
    this.up = new UpBlock(p.scope('up'), 2 * ngf, ngf);
  }

  apply(h: tf.Tensor4D, words: tf.Tensor3D, mask: tf.Tensor2D, c: tf.Tensor2D, training: boolean): { h: tf.Tensor4D; wordWeights: tf.Tensor3D } {
    const a = this.att.apply(h, words, mask, c);
    let x = this.fuse.apply(tf.concat(a.sentence ? [h, a.wordContext, a.sentence] : [h, a.wordContext], 3));
    for (const r of this.res) x = r.apply(x, training);
    return { h: this.up.apply(x, training), wordWeights: a.wordWeights };
  }
}

export interface GlamOutput {
  /** One image per stage, coarse to fine, [B, s, s, 3] in [-1, 1]. */
  images: tf.Tensor4D[];
  /** Word attention of each refinement stage, [B, H·W, T] at the previous stage's resolution. */
  attention: tf.Tensor3D[];
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
}

export class GlamGenerator {
  readonly ca: ConditioningAugmentation;
  readonly init: InitStage;
  readonly next: NextStage[] = [];
  readonly heads: Conv2d[] = [];
  readonly sizes: number[];

  constructor(p: Params, readonly cfg: GlamSizes, rand: RandomSource) {
    if (cfg.stages < 1) throw new Error(`GLAM needs at least one stage, got ${cfg.stages}`);
    this.sizes = stageSizes(cfg.imageSize, cfg.stages);
    this.ca = new ConditioningAugmentation(p.scope('ca'), cfg.textDim, cfg.caDim, rand);
    this.init = new InitStage(p.scope('stage0'), this.sizes[0], cfg.caDim + cfg.zDim, cfg.ngf);
    for (let i = 1; i < cfg.stages; i++) this.next.push(new NextStage(p.scope(`stage${i}`), cfg.ngf, cfg.textDim, cfg.caDim, cfg.resBlocks, cfg.sentenceAttention));
    for (let i = 0; i < cfg.stages; i++) this.heads.push(new Conv2d(p.scope(`img${i}`), cfg.ngf, 3, 3, { bias: false }));
  }

  /**
   * sentence [B, D] and words [B, T, D] from the frozen STEM, mask [B, T],
   * z [B, zDim]; eps [B, caDim] is the CA noise (training), absent for c = μ.
   */
  forward(sentence: tf.Tensor2D, words: tf.Tensor3D, mask: tf.Tensor2D, z: tf.Tensor2D, eps: tf.Tensor2D | undefined, training: boolean): GlamOutput {
    const { mu, logvar } = this.ca.apply(sentence, false); // μ and log σ² only; the sample is drawn here
    const c = eps ? (tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D) : mu;
    let h = this.init.apply(c, z, training);
    const images = [tf.tanh(this.heads[0].apply(h))];
    const attention: tf.Tensor3D[] = [];
    this.next.forEach((stage, i) => {
      const out = stage.apply(h, words, mask, c, training);
      h = out.h;
      attention.push(out.wordWeights);
      images.push(tf.tanh(this.heads[i + 1].apply(h)));
    });
    return { images, attention, mu, logvar };
  }
}
