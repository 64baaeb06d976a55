// A small CNN trained to predict the dataset's class labels (shapes:
// shape×colour, CUB: species, COCO: the category `cocoLabels` gives). It is
// the offline stand-in for Inception: its penultimate layer gives the
// features of FID/KID (`fid_cls`, `kid_cls`) and its softmax the class
// probabilities of IS (`is_cls`). Numbers from it are only comparable
// between runs scored with the same classifier, never to papers.
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { ones, Params, zeros, type RandomSource } from '../layers/params';

export interface LabelClassifierSizes {
  imageSize: number;
  numClasses: number;
  /** Channels of the first conv; each halving doubles them, up to 8×. */
  width: number;
  /** Size of the penultimate (feature) layer. */
  featureDim: number;
}

/** Halvings from the image size down to a 4×4 grid, at most 5 (a 256-px image ends at 8×8). */
export function classifierDownsamplings(imageSize: number): number {
  return Math.min(5, Math.max(1, Math.log2(imageSize / 4)));
}

export class LabelClassifier {
  readonly params: Params;
  private readonly stem: Conv2d;
  private readonly downs: Conv2d[] = [];
  private readonly hidden: Dense;
  private readonly head: Dense;

  constructor(readonly sizes: LabelClassifierSizes, rand: RandomSource) {
    this.params = Params.root(rand);
    const p = this.params;
    const w = sizes.width;
    const widthAt = (i: number) => w * Math.min(8, 2 ** i);
    this.stem = new Conv2d(p.scope('stem'), 3, w, 3);
    const n = classifierDownsamplings(sizes.imageSize);
    for (let i = 0; i < n; i++) this.downs.push(new Conv2d(p.scope(`down${i}`), widthAt(i), widthAt(i + 1), 4, { stride: 2, pad: 1 }));
    this.hidden = new Dense(p.scope('hidden'), widthAt(n), sizes.featureDim);
    this.head = new Dense(p.scope('head'), sizes.featureDim, sizes.numClasses);
    this.featureMean = p.add('feature_mean', [sizes.featureDim], zeros, false);
    this.featureStd = p.add('feature_std', [sizes.featureDim], ones, false);
  }

  /**
   * Per-feature mean and std over real train images, set after training: the
   * features FID/KID see are standardised with them, so their scale is the
   * same for every dataset (KID's cubic kernel assumes features of order 1).
   */
  readonly featureMean: tf.Variable;
  readonly featureStd: tf.Variable;

  setFeatureStatistics(features: Float64Array[]): void {
    const d = this.sizes.featureDim;
    const mean = new Float32Array(d);
    const std = new Float32Array(d);
    for (const f of features) for (let i = 0; i < d; i++) mean[i] += f[i] / features.length;
    for (const f of features) for (let i = 0; i < d; i++) std[i] += (f[i] - mean[i]) ** 2 / features.length;
    // A dead unit keeps std 1 rather than dividing by zero.
    for (let i = 0; i < d; i++) std[i] = std[i] > 1e-12 ? Math.sqrt(std[i]) : 1;
    tf.tidy(() => {
      this.featureMean.assign(tf.tensor1d(mean));
      this.featureStd.assign(tf.tensor1d(std));
    });
  }

  /** images [B, S, S, 3] in [-1, 1] → penultimate features [B, featureDim] and logits [B, classes]. */
  forward(images: tf.Tensor4D): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    let h = tf.leakyRelu(this.stem.apply(images), 0.2) as tf.Tensor4D;
    for (const d of this.downs) h = tf.leakyRelu(d.apply(h), 0.2) as tf.Tensor4D;
    const features = tf.leakyRelu(this.hidden.apply(tf.mean(h, [1, 2]) as tf.Tensor2D), 0.2) as tf.Tensor2D;
    return { features, logits: this.head.apply(features) };
  }

  /** Standardised features and softmax probabilities of RGB byte images (S·S·3 each), in float64 rows. */
  describe(images: Uint8Array[], batch = 64): { features: Float64Array[]; probs: Float64Array[] } {
    const S = this.sizes.imageSize;
    const features: Float64Array[] = [];
    const probs: Float64Array[] = [];
    for (let start = 0; start < images.length; start += batch) {
      const chunk = images.slice(start, start + batch);
      const [f, p] = tf.tidy(() => {
        const out = this.forward(bytesToTensor(chunk, S));
        return [tf.div(tf.sub(out.features, this.featureMean), this.featureStd), tf.softmax(out.logits)];
      });
      features.push(...rows(f));
      probs.push(...rows(p));
      tf.dispose([f, p]);
    }
    return { features, probs };
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** RGB byte images → [B, S, S, 3] in [-1, 1], as the generators output. */
export function bytesToTensor(images: Uint8Array[], S: number): tf.Tensor4D {
  const px = new Float32Array(images.length * S * S * 3);
  images.forEach((im, k) => {
    if (im.length !== S * S * 3) throw new Error(`image ${k} has ${im.length} bytes, expected ${S}×${S}×3`);
    for (let o = 0; o < im.length; o++) px[k * S * S * 3 + o] = im[o] / 127.5 - 1;
  });
  return tf.tensor4d(px, [images.length, S, S, 3]);
}

/** The rows of a [B, D] tensor as float64 arrays. */
export function rows(t: tf.Tensor): Float64Array[] {
  const [b, d] = t.shape;
  const data = t.dataSync();
  return Array.from({ length: b }, (_, i) => Float64Array.from(data.subarray(i * d!, (i + 1) * d!)));
}
