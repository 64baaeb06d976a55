// The feature networks FID, KID and IS can use, behind one shape. Every
// metric is suffixed with the network it used (`fid_cls`, `fid_damsm`,
// `fid_inception`), and every report carries the network's description,
// because only Inception-v3 numbers are comparable to papers.
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { Rng } from '../data/rng';
import { frechetDistanceOfFeatures, inceptionScore, kernelInceptionDistance } from './fid';
import type { CachedClassifier } from './classifierCache';
import { inceptionDescribe, type InceptionModel } from './inceptionGraph';
import { imageCodes } from './damsmCodes';

export const FEATURE_NET_IDS = ['cls', 'damsm', 'inception'] as const;
export type FeatureNetId = (typeof FEATURE_NET_IDS)[number];

export interface FeatureNet {
  id: FeatureNetId;
  /** One line for reports: what the network is and whether its numbers compare to papers. */
  description: string;
  /** Where its weights came from. */
  source: string;
  /** Features (and class probabilities, when the network classifies) of RGB byte images at S px. */
  describe(images: Uint8Array[], S: number): { features: Float64Array[]; probs?: Float64Array[] };
  /** Frees the network when this feature net owns it (the DAMSM encoders belong to the run). */
  dispose?(): void;
}

export function classifierFeatureNet(c: CachedClassifier): FeatureNet {
  const acc = Number.isFinite(c.info.testAccuracy) ? `, ${(100 * c.info.testAccuracy).toFixed(1)}% top-1 on real test images of the classes it was trained on` : '';
  return {
    id: 'cls',
    description: `*_cls: a small label classifier trained on this dataset's train labels (${c.info.sizes.numClasses} classes${acc}): penultimate ${c.info.sizes.featureDim}-d features for FID/KID, softmax for IS. Not Inception: not comparable to papers' numbers`,
    source: c.file,
    describe: (images) => c.model.describe(images),
    dispose: () => c.model.dispose(),
  };
}

export function damsmFeatureNet(enc: FrozenEncoders): FeatureNet {
  return {
    id: 'damsm',
    description: `*_damsm: the run's DAMSM image encoder, global ${enc.model.text.dim}-d code (no classes, so no IS). Not Inception: not comparable to papers' numbers`,
    source: enc.checkpoint,
    describe: (images, S) => ({ features: imageCodes(enc, images, S) }),
  };
}

export function inceptionFeatureNet(inc: InceptionModel): FeatureNet {
  return {
    id: 'inception',
    description: `*_inception: Inception-v3 from ${inc.dir} (pool3 2048-d for FID/KID${inc.classOutput ? ', class output for IS' : ''}), images resized to ${inc.inputSize} px. Comparable to papers only with the standard FID weights and the papers' sample counts`,
    source: inc.dir,
    describe: (images, S) => inceptionDescribe(inc, images, S),
    dispose: () => inc.model.dispose(),
  };
}

/** FID, KID and IS of generated against real images with one feature net; IS only when the net classifies. */
export function featureMetrics(
  net: FeatureNet,
  real: Float64Array[],
  fake: { features: Float64Array[]; probs?: Float64Array[] },
  wanted: { fid?: boolean; kid?: boolean; is?: boolean },
  seed = 23,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (wanted.fid) out[`fid_${net.id}`] = frechetDistanceOfFeatures(real, fake.features);
  if (wanted.kid) {
    const rng = new Rng(seed);
    out[`kid_${net.id}`] = kernelInceptionDistance(real, fake.features, { subsets: 10, subsetSize: Math.min(100, real.length, fake.features.length), random: () => rng.uniform() });
  }
  if (wanted.is && fake.probs && fake.probs.length >= 10) {
    const s = inceptionScore(fake.probs, 10);
    out[`is_${net.id}`] = s.mean;
    out[`is_${net.id}_std`] = s.std;
  }
  return out;
}
