// XMC-GAN's generator: attentional self-modulation (xmc_net.py `Generator`).
//
//   g  = [Dense_z(e_s); z]                                  global condition, 2·zDim
//   x  = Dense(z) → 4×4×(gf·r0)                             noise alone feeds the stem
//   GenBlock (CBN(g) → ReLU → up → conv3 → CBN(g) → ReLU → conv3, + up → conv1) up to condSize
//   r_j = conv1×1(x)_j                                      region queries in word space
//   α_ji = softmax_i(ρ0·cos(r_j, e_i)), padded words −1e9;  c_j = Σ_i α_ji ê_i
//   m  = [c; tile(g)] at condSize, nearest-upsampled for every later block (attention once;
//        SpatialBatchNorm upsamples γ(m), β(m) instead of m: the same values, see there)
//   GenSpatialBlock (same layout, γ/β = conv1×1 of m per pixel) up to the image size
//   head: spatial CBN(m) → ReLU → conv3×3 → 3 → tanh         (the code's (x+1)/2 is left out: we use [-1, 1])
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, wordAttention } from '../layers/attention';
import { ConditionalBatchNorm } from '../layers/conditionalBatchNorm';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import type { Params } from '../layers/params';
import { ResBlockUp } from '../layers/resBlocks';
import { SpatialBatchNorm } from '../layers/spatialBatchNorm';

/**
 * Width of each generator block's output, as multiples of gf, from 4×4 up.
 * 128 and 256 are the code's `channel_dims`; 32 and 64 [infer] keep gf as the
 * width at the image resolution and double it per halving, as the 128 list
 * does (the 128 list with its coarsest levels dropped).
 */
export const G_CHANNEL_RATIOS: Record<number, number[]> = {
  32: [4, 2, 1],
  64: [8, 4, 2, 1],
  128: [16, 8, 4, 2, 1],
  256: [16, 8, 8, 4, 2, 1],
};

export interface GeneratorSizes {
  imageSize: number;
  gf: number;
  zDim: number;
  /** Side of the word-region attention grid (the code's cond_size, 16). */
  condSize: number;
  /** Word feature size (the frozen text encoder's). */
  wordDim: number;
  /** ρ0, the attention sharpening (`gamma_for_g`, 15). */
  rho0: number;
}

export interface TextCondition {
  /** Word features [B, T, D] (zero at padding). */
  words: tf.Tensor3D;
  /** [B, T], 1 for real words. */
  mask: tf.Tensor2D;
  /** Sentence feature e_s [B, D]: masked mean of the words. */
  sentence: tf.Tensor2D;
}

export interface GeneratorOutput {
  images: tf.Tensor4D;
  /** Word-region attention α [B, condSize², T]. */
  attention: tf.Tensor3D;
}

export class XmcGenerator {
  readonly condProj: Dense;
  readonly stem: Dense;
  readonly globalBlocks: { block: ResBlockUp; norms: [ConditionalBatchNorm, ConditionalBatchNorm] }[] = [];
  readonly regionQuery: Conv2d;
  readonly spatialBlocks: { block: ResBlockUp; norms: [SpatialBatchNorm, SpatialBatchNorm] }[] = [];
  readonly headNorm: SpatialBatchNorm;
  readonly headConv: Conv2d;
  readonly stemChannels: number;

  constructor(p: Params, readonly sizes: GeneratorSizes) {
    const { imageSize, gf, zDim, condSize, wordDim } = sizes;
    const ratios = G_CHANNEL_RATIOS[imageSize];
    if (!ratios) throw new Error(`XMC-GAN has no generator for ${imageSize}px (use ${Object.keys(G_CHANNEL_RATIOS).join(', ')})`);
    if (!(condSize >= 8 && condSize < imageSize && Number.isInteger(Math.log2(condSize)))) {
      throw new Error(`XMC-GAN's attention grid ${condSize} must be a power of two from 8 to ${imageSize / 2}`);
    }
    const gDim = 2 * zDim;
    const mDim = wordDim + gDim;
    this.condProj = new Dense(p.scope('cond_proj'), wordDim, zDim);
    this.stemChannels = gf * ratios[0];
    this.stem = new Dense(p.scope('stem'), zDim, 16 * this.stemChannels);
    let inC = this.stemChannels;
    let res = 4;
    let query: Conv2d | undefined;
    for (let i = 0; i < ratios.length; i++) {
      const outC = gf * ratios[i];
      const s = p.scope(`block${i}`);
      res *= 2;
      if (res <= condSize) {
        const norms: [ConditionalBatchNorm, ConditionalBatchNorm] = [
          new ConditionalBatchNorm(s.scope('cbn0'), inC, gDim, { init: 'glorot' }),
          new ConditionalBatchNorm(s.scope('cbn1'), outC, gDim, { init: 'glorot' }),
        ];
        this.globalBlocks.push({ block: new ResBlockUp(s, inC, outC), norms });
      } else {
        const norms: [SpatialBatchNorm, SpatialBatchNorm] = [new SpatialBatchNorm(s.scope('sbn0'), inC, mDim), new SpatialBatchNorm(s.scope('sbn1'), outC, mDim)];
        this.spatialBlocks.push({ block: new ResBlockUp(s, inC, outC), norms });
      }
      if (res === condSize) query = new Conv2d(p.scope('region_query'), outC, wordDim, 1);
      inC = outC;
    }
    this.regionQuery = query!;
    this.headNorm = new SpatialBatchNorm(p.scope('head/sbn'), inC, mDim);
    this.headConv = new Conv2d(p.scope('head/conv'), inC, 3, 3);
  }

  /** Images in [-1, 1] and the attention for text `t` and noise z[B, zDim]. */
  apply(t: TextCondition, z: tf.Tensor2D, training: boolean): GeneratorOutput {
    const { condSize, rho0, wordDim } = this.sizes;
    const b = z.shape[0];
    const g = tf.concat([this.condProj.apply(t.sentence), z], 1) as tf.Tensor2D;
    let x = tf.reshape(this.stem.apply(z), [b, 4, 4, this.stemChannels]) as tf.Tensor4D;
    for (const { block, norms } of this.globalBlocks) x = block.apply(x, (h, k) => norms[k].apply(h, g, training));

    const regions = tf.reshape(this.regionQuery.apply(x), [b, condSize * condSize, wordDim]) as tf.Tensor3D;
    const { context, weights } = wordAttention(regions, t.words, l2Normalize(t.words, 2), t.mask, { cosineScale: rho0 });
    const tiled = tf.tile(tf.reshape(g, [b, 1, 1, g.shape[1]]), [1, condSize, condSize, 1]);
    const m = tf.concat([tf.reshape(context, [b, condSize, condSize, wordDim]), tiled], 3) as tf.Tensor4D;
    for (const { block, norms } of this.spatialBlocks) x = block.apply(x, (h, k) => norms[k].apply(h, m, training));
    const h = tf.relu(this.headNorm.apply(x, m, training));
    return { images: tf.tanh(this.headConv.apply(h)), attention: weights };
  }
}
