// XMC-GAN's contrastive discriminator (xmc_net.py `Discriminator`). Spectral
// norm on every conv and dense layer (one power iteration per training call,
// persistent u), ReLU, no normalisation layers.
//
//   OptimizedBlock(df) → DiscBlock(df·r)* (avg-pool 2 in each but the last)
//   x_reg = the block output whose side is condSize (16 in the code)
//   φ = sum over space of ReLU(last output)                         [B, df·r_last]
//   logit = Dense_1(φ) + ⟨φ, W_s e_s⟩                                projection head
//   W_s e_s also serves the sentence contrastive term; regions = conv1×1(x_reg) → word space
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import type { Params } from '../layers/params';
import { sumPool } from '../layers/pooling';
import { ResBlockDown } from '../layers/resBlocks';

/**
 * DiscBlock widths after the optimized block (width df), as multiples of df;
 * every block downsamples except the last. 128 and 256 are the code's
 * `channel_dims`; 32 and 64 [infer] keep df at half the image size and double
 * per halving down to 4×4, then repeat the last width, as the 128 list does.
 */
export const D_CHANNEL_RATIOS: Record<number, number[]> = {
  32: [2, 4, 4],
  64: [2, 4, 8, 8],
  128: [2, 4, 8, 16, 16],
  256: [2, 4, 8, 8, 16, 16],
};

export interface DiscriminatorSizes {
  imageSize: number;
  df: number;
  condSize: number;
  /** Word (and sentence) feature size of the frozen text encoder. */
  wordDim: number;
}

export interface DiscriminatorOutput {
  /** Adversarial logits [B]. */
  logits: tf.Tensor1D;
  /** φ(x): sum-pooled features [B, F]. */
  phi: tf.Tensor2D;
  /** W_s e_s [B, F]: the projected sentence (one row per caption). */
  sentence: tf.Tensor2D;
  /** Region features in word space [B, condSize², D] (when asked for). */
  regions?: tf.Tensor3D;
}

export class XmcDiscriminator {
  readonly blocks: ResBlockDown[] = [];
  /** Index of the block whose output is x_reg. */
  readonly regionBlock: number;
  readonly head: Dense;
  readonly sentenceProj: Dense;
  readonly regionProj: Conv2d;
  readonly featDim: number;

  constructor(p: Params, readonly sizes: DiscriminatorSizes) {
    const { imageSize, df, condSize, wordDim } = sizes;
    const ratios = D_CHANNEL_RATIOS[imageSize];
    if (!ratios) throw new Error(`XMC-GAN has no discriminator for ${imageSize}px (use ${Object.keys(D_CHANNEL_RATIOS).join(', ')})`);
    const sn = true;
    this.blocks.push(new ResBlockDown(p.scope('block0'), 3, df, { downsample: true, optimized: true, spectralNorm: sn }));
    let inC = df;
    let res = imageSize / 2;
    let regionBlock = res === condSize ? 0 : -1;
    let regionC = df;
    ratios.forEach((r, i) => {
      const downsample = i < ratios.length - 1;
      this.blocks.push(new ResBlockDown(p.scope(`block${i + 1}`), inC, df * r, { downsample, spectralNorm: sn }));
      inC = df * r;
      if (downsample) res /= 2;
      // The code keeps the last block output of side condSize.
      if (res === condSize) {
        regionBlock = i + 1;
        regionC = inC;
      }
    });
    if (regionBlock < 0) throw new Error(`the ${imageSize}px discriminator has no ${condSize}×${condSize} feature map`);
    this.regionBlock = regionBlock;
    this.featDim = inC;
    this.head = new Dense(p.scope('head'), inC, 1, { spectralNorm: sn });
    this.sentenceProj = new Dense(p.scope('sentence_proj'), wordDim, inC, { spectralNorm: sn });
    this.regionProj = new Conv2d(p.scope('region_proj'), regionC, wordDim, 1, { spectralNorm: sn });
  }

  /**
   * x[B, S, S, 3] with sentences e_s[B', D]; B = k·B' (real and fake images of
   * the same captions, concatenated as the code does). `training` advances the
   * spectral-norm power iterations. Region features are computed only when
   * `regions` is set (the word contrastive term is the only user).
   */
  apply(x: tf.Tensor4D, sentence: tf.Tensor2D, training: boolean, opts: { regions?: boolean } = {}): DiscriminatorOutput {
    let h = x;
    let xReg: tf.Tensor4D | undefined;
    this.blocks.forEach((block, i) => {
      h = block.apply(h, training);
      if (i === this.regionBlock) xReg = h;
    });
    const phi = sumPool(tf.relu(h));
    const b = x.shape[0];
    const sent = this.sentenceProj.apply(sentence, training);
    const tiled = b === sent.shape[0] ? sent : tf.tile(sent, [b / sent.shape[0], 1]);
    const logits = tf.add(tf.reshape(this.head.apply(phi, training), [b]), tf.sum(tf.mul(phi, tiled), 1)) as tf.Tensor1D;
    const { condSize, wordDim } = this.sizes;
    const regions = opts.regions ? (tf.reshape(this.regionProj.apply(xReg!, training), [b, condSize * condSize, wordDim]) as tf.Tensor3D) : undefined;
    return { logits, phi, sentence: sent, regions };
  }
}
