// The baseline text-to-image GAN: the smallest model that learns text → image
// alignment end to end, so the whole path can be exercised before the paper
// methods arrive.
//
//   text encoder   word embedding → masked mean → linear → RMS-normalised sentence vector s
//   generator      [z; s] → 4×4 → (CBN([z;s]) → ReLU → up ×2 → conv3×3)* → BN → ReLU → conv3×3 → tanh
//   discriminator  conv3×3 → (conv4×4 stride 2 → LeakyReLU)* → mean-pool φ;
//                  logit = w·φ + ⟨φ, W s⟩   (projection discriminator, Miyato & Koyama 2018)
//   losses         hinge; D also sees real images with mismatched captions
//                  (matching-aware, as in GAN-INT-CLS / DF-GAN), which is the
//                  signal that trains the text encoder. G sees s with no gradient.
import * as tf from '@tensorflow/tfjs-core';
import type { BaselineConfig, TrainConfig } from '../config/config';
import { BatchNorm } from '../layers/batchNorm';
import { ConditionalBatchNorm } from '../layers/conditionalBatchNorm';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Embedding } from '../layers/embedding';
import { Params, type RandomSource } from '../layers/params';
import { upsampleNearest2x } from '../layers/upsample';
import { Adam } from '../train/adam';
import { CheckpointedModel } from '../train/checkpoint';
import type { Batch, T2IMethod } from '../train/method';

const LEAK = 0.2;

/** Channels at each resolution level: level 0 is the finest (the image), wider towards 4×4. */
function widthAt(base: number, level: number): number {
  return base * Math.min(4, 2 ** level);
}

class TextEncoder {
  readonly embed: Embedding;
  readonly proj: Dense;

  constructor(p: Params, vocabSize: number, embedDim: number, readonly textDim: number) {
    this.embed = new Embedding(p.scope('embed'), vocabSize, embedDim);
    this.proj = new Dense(p.scope('proj'), embedDim, textDim);
  }

  /** ids[B,T] → sentence vectors [B, textDim] (mean of the real words' embeddings, projected). */
  encode(ids: tf.Tensor2D): tf.Tensor2D {
    const mask = tf.cast(tf.notEqual(ids, 0), 'float32'); // [B,T]
    const words = this.embed.apply(ids); // [B,T,E]
    const summed = tf.sum(tf.mul(words, tf.expandDims(mask, 2)), 1);
    const count = tf.maximum(tf.sum(mask, 1, true), 1);
    // Unit-RMS sentence vectors: the conditioning signal is O(1) from the
    // first step instead of growing from the tiny U(-0.1, 0.1) embedding init.
    const s = this.proj.apply(tf.div(summed, count) as tf.Tensor2D);
    return tf.div(s, tf.sqrt(tf.add(tf.mean(tf.square(s), 1, true), 1e-6)));
  }
}

class Generator {
  readonly stem: Dense;
  readonly norms: ConditionalBatchNorm[] = [];
  readonly convs: Conv2d[] = [];
  readonly outNorm: BatchNorm;
  readonly outConv: Conv2d;
  readonly levels: number;

  constructor(p: Params, readonly imageSize: number, condDim: number, zDim: number, readonly ngf: number) {
    this.levels = Math.log2(imageSize / 4);
    this.stem = new Dense(p.scope('stem'), condDim + zDim, 16 * widthAt(ngf, this.levels));
    for (let i = 0; i < this.levels; i++) {
      const inC = widthAt(ngf, this.levels - i);
      const outC = widthAt(ngf, this.levels - i - 1);
      this.norms.push(new ConditionalBatchNorm(p.scope(`up${i}/cbn`), inC, condDim + zDim));
      this.convs.push(new Conv2d(p.scope(`up${i}/conv`), inC, outC, 3));
    }
    this.outNorm = new BatchNorm(p.scope('out/bn'), ngf);
    this.outConv = new Conv2d(p.scope('out/conv'), ngf, 3, 3);
  }

  apply(s: tf.Tensor2D, z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const cond = tf.concat([s, z], 1);
    const b = z.shape[0];
    let h = tf.reshape(this.stem.apply(cond), [b, 4, 4, widthAt(this.ngf, this.levels)]) as tf.Tensor4D;
    for (let i = 0; i < this.levels; i++) {
      h = tf.relu(this.norms[i].apply(h, cond, training));
      h = this.convs[i].apply(upsampleNearest2x(h));
    }
    h = tf.relu(this.outNorm.apply(h, training)) as tf.Tensor4D;
    return tf.tanh(this.outConv.apply(h));
  }
}

class Discriminator {
  readonly inConv: Conv2d;
  readonly downs: Conv2d[] = [];
  readonly head: Dense;
  readonly textProj: Dense;
  readonly featDim: number;

  constructor(p: Params, imageSize: number, textDim: number, ndf: number) {
    const levels = Math.log2(imageSize / 4);
    this.inConv = new Conv2d(p.scope('in'), 3, ndf, 3);
    for (let i = 0; i < levels; i++) {
      this.downs.push(new Conv2d(p.scope(`down${i}`), widthAt(ndf, i), widthAt(ndf, i + 1), 4, { stride: 2, pad: 1 }));
    }
    this.featDim = widthAt(ndf, levels);
    this.head = new Dense(p.scope('head'), this.featDim, 1);
    this.textProj = new Dense(p.scope('text_proj'), textDim, this.featDim, { bias: false });
  }

  /** x[B,S,S,3], s[B,textDim] → logits [B]. */
  apply(x: tf.Tensor4D, s: tf.Tensor2D): tf.Tensor1D {
    let h = tf.leakyRelu(this.inConv.apply(x), LEAK);
    for (const conv of this.downs) h = tf.leakyRelu(conv.apply(h), LEAK);
    const phi = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const uncond = tf.reshape(this.head.apply(phi), [-1]);
    const proj = tf.sum(tf.mul(phi, this.textProj.apply(s)), 1);
    return tf.add(uncond, proj) as tf.Tensor1D;
  }
}

const hingeReal = (logits: tf.Tensor) => tf.mean(tf.relu(tf.sub(1, logits)));
const hingeFake = (logits: tf.Tensor) => tf.mean(tf.relu(tf.add(1, logits)));

export class BaselineGAN extends CheckpointedModel implements T2IMethod {
  readonly name = 'baseline';
  readonly lossNames = ['d_real', 'd_fake', 'd_mismatch', 'd_total', 'g_adv'];
  readonly noiseDim: number;
  readonly params: Params;
  readonly text: TextEncoder;
  readonly g: Generator;
  readonly d: Discriminator;
  readonly optG: Adam;
  readonly optD: Adam;
  private readonly noiseRand: RandomSource;

  constructor(cfg: { sizes: BaselineConfig; train: TrainConfig; imageSize: number; vocabSize: number }, rand: RandomSource) {
    super();
    const { sizes, train } = cfg;
    this.noiseDim = sizes.zDim;
    this.noiseRand = rand;
    this.params = Params.root(rand);
    this.text = new TextEncoder(this.params.scope('text'), cfg.vocabSize, sizes.embedDim, sizes.textDim);
    this.g = new Generator(this.params.scope('g'), cfg.imageSize, sizes.textDim, sizes.zDim, sizes.ngf);
    this.d = new Discriminator(this.params.scope('d'), cfg.imageSize, sizes.textDim, sizes.ndf);
    const trainable = (prefix: string) => this.params.entries().filter(([n, v]) => v.trainable && n.startsWith(prefix));
    this.optG = new Adam('opt_g', trainable('g/'), { lr: train.lrG, beta1: train.beta1, beta2: train.beta2 });
    // The text encoder learns from D's matching-aware loss.
    this.optD = new Adam('opt_d', [...trainable('d/'), ...trainable('text/')], { lr: train.lrD, beta1: train.beta1, beta2: train.beta2 });
  }

  private noise(b: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from({ length: b * this.noiseDim }, () => this.noiseRand.normal()), [b, this.noiseDim]);
  }

  trainStep(batch: Batch): Record<string, number> {
    const b = batch.images.shape[0];
    const losses: Record<string, number> = {};

    // D step: real/matching vs fake and real/mismatching, one forward pass.
    // The fakes are made outside the loss closure: no gradient flows into G.
    const fake = tf.tidy(() => this.g.apply(this.text.encode(batch.ids), this.noise(b), true));
    const parts = tf.tidy(() => {
      let out: tf.Tensor[] = [];
      losses.d_total = this.optD.minimize(() => {
        const s = this.text.encode(batch.ids);
        const sMis = tf.concat([tf.slice(s, [1, 0], [b - 1, -1]), tf.slice(s, [0, 0], [1, -1])], 0);
        const logits = this.d.apply(tf.concat([batch.images, fake, batch.images], 0), tf.concat([s, s, sMis], 0));
        const [lr, lf, lm] = tf.split(logits, 3);
        const real = hingeReal(lr);
        const fk = hingeFake(lf);
        const mis = hingeFake(lm);
        out = [tf.keep(real.clone()), tf.keep(fk.clone()), tf.keep(mis.clone())];
        return tf.add(real, tf.mul(tf.add(fk, mis), 0.5)) as tf.Scalar;
      });
      return out;
    });
    fake.dispose();
    [losses.d_real, losses.d_fake, losses.d_mismatch] = parts.map((t) => t.dataSync()[0]);
    tf.dispose(parts);

    // G step: fool D on fresh fakes. s and z are made outside the loss
    // closure, so no gradient reaches the text encoder from G's loss.
    tf.tidy(() => {
      const s = this.text.encode(batch.ids);
      const z = this.noise(b);
      losses.g_adv = this.optG.minimize(() => tf.neg(tf.mean(this.d.apply(this.g.apply(s, z, true), s))) as tf.Scalar);
    });
    return losses;
  }

  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.g.apply(this.text.encode(ids), noise, false));
  }

  protected checkpointTensors(): [string, tf.Tensor][] {
    return this.params.entries();
  }

  protected optimizers(): readonly Adam[] {
    return [this.optG, this.optD];
  }

  protected owned() {
    return [this.params];
  }
}
