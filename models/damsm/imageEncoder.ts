// The DAMSM image encoder. AttnGAN uses a frozen ImageNet Inception-v3
// (Mixed_6e regions, Mixed_7c global code) with two trainable projections; we
// cannot download Inception, so this small CNN is trained from scratch with
// the same DAMSM objective, on the user's dataset. It gives region features on
// a grid (AttnGAN: 17×17) and a global vector, both in the text feature space.
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batchNorm';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import type { Params } from '../layers/params';

export interface ImageEncoderSizes {
  /** Channels of the first conv; each downsampling doubles them (capped at 8×). */
  width: number;
  /** Output feature size (= the text encoder's 2·hidden). */
  dim: number;
}

/** Region grid side for an image size: S/4 up to 16 (8×8 at 32 px, 16×16 from 64 px). */
export function regionGrid(imageSize: number): number {
  return Math.min(16, imageSize / 4);
}

export class DamsmImageEncoder {
  readonly stem: Conv2d;
  readonly regionConvs: { conv: Conv2d; bn: BatchNorm }[] = [];
  readonly globalConv: { conv: Conv2d; bn: BatchNorm };
  readonly regionProj: Conv2d;
  readonly globalProj: Dense;
  readonly grid: number;

  constructor(p: Params, readonly imageSize: number, readonly sizes: ImageEncoderSizes) {
    this.grid = regionGrid(imageSize);
    const downs = Math.log2(imageSize / this.grid);
    const w = sizes.width;
    const widthAt = (i: number) => w * Math.min(8, 2 ** i);
    this.stem = new Conv2d(p.scope('stem'), 3, w, 3);
    for (let i = 0; i < downs; i++) {
      const s = p.scope(`down${i}`);
      this.regionConvs.push({ conv: new Conv2d(s.scope('conv'), widthAt(i), widthAt(i + 1), 4, { stride: 2, pad: 1, bias: false }), bn: new BatchNorm(s.scope('bn'), widthAt(i + 1)) });
    }
    const rc = widthAt(downs);
    const g = p.scope('global');
    this.globalConv = { conv: new Conv2d(g.scope('conv'), rc, rc * 2, 4, { stride: 2, pad: 1, bias: false }), bn: new BatchNorm(g.scope('bn'), rc * 2) };
    this.regionProj = new Conv2d(p.scope('region_proj'), rc, sizes.dim, 1, { bias: false });
    this.globalProj = new Dense(p.scope('global_proj'), rc * 2, sizes.dim);
  }

  /** images [B, S, S, 3] in [-1, 1] → regions [B, G·G, dim] and global [B, dim]. */
  encode(images: tf.Tensor4D, training: boolean): { regions: tf.Tensor3D; global: tf.Tensor2D } {
    if (images.shape[1] !== this.imageSize) throw new Error(`image encoder built for ${this.imageSize}px, got ${images.shape[1]}px`);
    let h = tf.leakyRelu(this.stem.apply(images), 0.2);
    for (const { conv, bn } of this.regionConvs) h = tf.leakyRelu(bn.apply(conv.apply(h), training), 0.2) as tf.Tensor4D;
    const [b] = images.shape;
    const regions = tf.reshape(this.regionProj.apply(h), [b, this.grid * this.grid, this.sizes.dim]) as tf.Tensor3D;
    const g = tf.leakyRelu(this.globalConv.bn.apply(this.globalConv.conv.apply(h), training), 0.2) as tf.Tensor4D;
    const global = this.globalProj.apply(tf.mean(g, [1, 2]) as tf.Tensor2D);
    return { regions, global };
  }
}
