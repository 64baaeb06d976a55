// Training the label classifier on a dataset's real train images, and caching
// it as safetensors in the config's `.t2i-cache/`, keyed by everything that
// changes the data it learns from, so every run of the same data is scored
// by the same classifier (`t2i eval` trains it when absent, as does
// `t2i train-classifier`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { T2IConfig } from '../config/config';
import type { DatasetSplit, T2IDataset } from '../data/dataset';
import { CACHE_DIR_NAME } from '../data/openDataset';
import { Rng } from '../data/rng';
import { writeFileAtomic } from '../run/atomicWrite';
import { Adam } from '../train/adam';
import { restoreVariables } from '../train/checkpoint';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../train/safetensors';
import { bytesToTensor, LabelClassifier, type LabelClassifierSizes } from './labelClassifier';

const FORMAT = 't2i-label-classifier';
/** Bumped when the architecture or training changes, so old caches are not reused. */
const VERSION = 2;

export interface ClassifierTraining {
  steps: number;
  batchSize: number;
  lr: number;
  width: number;
  featureDim: number;
  seed: number;
}

export const DEFAULT_CLASSIFIER_TRAINING: ClassifierTraining = { steps: 600, batchSize: 32, lr: 2e-3, width: 16, featureDim: 64, seed: 0 };

export interface ClassifierInfo {
  format: typeof FORMAT;
  version: number;
  sizes: LabelClassifierSizes;
  training: ClassifierTraining;
  dataset: string;
  trainImages: number;
  /** Top-1 on the real test split, over the classes seen in training (NaN when it has none). */
  testAccuracy: number;
  trainAccuracy: number;
}

export interface CachedClassifier {
  model: LabelClassifier;
  info: ClassifierInfo;
  file: string;
  /** True when this call trained it (false: read from the cache). */
  trained: boolean;
}

/** What identifies the data a classifier learns from (not the GAN settings). */
function datasetKey(cfg: T2IConfig): string {
  const d = cfg.dataset;
  return JSON.stringify({ imageSize: cfg.imageSize, kind: d.kind, root: d.root, imagesDir: d.imagesDir, splitFile: d.splitFile, train: d.trainAnnotations, cocoLabels: d.cocoLabels, maxImages: d.maxImages, count: d.count, seed: d.seed, testFraction: d.testFraction, holdout: d.holdout, bboxCrop: d.bboxCrop });
}

/** The cache file of a config's classifier: `<config dir>/.t2i-cache/label-classifier-<hash>.safetensors`. */
export function classifierCacheFile(cfg: T2IConfig, configPath: string, training: ClassifierTraining = DEFAULT_CLASSIFIER_TRAINING): string {
  const hash = crypto.createHash('sha256').update(`${VERSION}\n${datasetKey(cfg)}\n${JSON.stringify(training)}`).digest('hex').slice(0, 12);
  return path.join(path.dirname(path.resolve(configPath)), CACHE_DIR_NAME, `label-classifier-${hash}.safetensors`);
}

/** Labelled item indices of a split, grouped by label (items without a label are left out). */
function labelledItems(split: DatasetSplit): number[] {
  const out: number[] = [];
  for (let i = 0; i < split.length; i++) {
    const l = split.label(i);
    if (l !== undefined && l >= 0) out.push(i);
  }
  return out;
}

function numClassesOf(ds: T2IDataset): number {
  let max = -1;
  for (const split of [ds.train, ds.test]) for (let i = 0; i < split.length; i++) max = Math.max(max, split.label(i) ?? -1);
  return Math.max(ds.numClasses ?? 0, max + 1);
}

/**
 * Top-1 accuracy of a classifier on the labelled items of a split (at most
 * `limit`), counting only classes in `known` when given: classes it never saw
 * in training (shapes' held-out pairs) cannot be predicted.
 */
export function classifierAccuracy(model: LabelClassifier, split: DatasetSplit, limit = 2000, known?: Set<number>): number {
  const items = labelledItems(split).filter((i) => !known || known.has(split.label(i)!)).slice(0, limit);
  if (!items.length) return NaN;
  const { probs } = model.describe(items.map((i) => split.image(i)));
  let hits = 0;
  probs.forEach((p, k) => {
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    if (best === split.label(items[k])) hits++;
  });
  return hits / items.length;
}

/** Trains a classifier on the real train images (softmax cross-entropy, Adam). */
export function trainLabelClassifier(ds: T2IDataset, training: ClassifierTraining, log: (line: string) => void = () => {}): { model: LabelClassifier; trainAccuracy: number; testAccuracy: number } {
  const items = labelledItems(ds.train);
  const numClasses = numClassesOf(ds);
  if (numClasses < 2 || items.length < 2) {
    throw new Error(`dataset "${ds.kind}" has no class labels on its train split, so no label classifier can be trained (COCO: set dataset.cocoLabels to "largest-instance")`);
  }
  const rng = new Rng(training.seed);
  const model = new LabelClassifier({ imageSize: ds.size, numClasses, width: training.width, featureDim: training.featureDim }, rng);
  const opt = new Adam('cls', model.params.entries().filter(([, v]) => v.trainable), { lr: training.lr, beta1: 0.9, beta2: 0.999 });
  const t0 = Date.now();
  try {
    for (let step = 1; step <= training.steps; step++) {
      const picks = Array.from({ length: training.batchSize }, () => items[rng.int(items.length)]);
      const x = bytesToTensor(picks.map((i) => ds.train.image(i, rng)), ds.size);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(picks.map((i) => ds.train.label(i)!), 'int32'), numClasses));
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x).logits) as tf.Scalar);
      tf.dispose([x, y]);
      if (!Number.isFinite(loss)) throw new Error(`label classifier: loss became ${loss} at step ${step}`);
      if (step % 100 === 0 || step === training.steps) log(`label classifier step ${step}/${training.steps}: loss ${loss.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    opt.dispose();
  }
  // Statistics of the raw features (the standardisation is still the identity here).
  const sample = Array.from({ length: Math.min(2000, items.length) }, (_, k) => ds.train.image(items[Math.floor((k * items.length) / Math.min(2000, items.length))]));
  model.setFeatureStatistics(model.describe(sample).features);
  const seen = new Set(items.map((i) => ds.train.label(i)!));
  return { model, trainAccuracy: classifierAccuracy(model, ds.train), testAccuracy: classifierAccuracy(model, ds.test, 2000, seen) };
}

export function saveClassifier(file: string, model: LabelClassifier, info: ClassifierInfo): void {
  const tensors: [string, SafeTensor][] = model.params.entries().map(([name, v]) => [name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array }]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, encodeSafetensors(tensors, { [FORMAT]: JSON.stringify(info) }));
}

export function loadClassifier(file: string): { model: LabelClassifier; info: ClassifierInfo } {
  let info: ClassifierInfo;
  let tensors: Map<string, SafeTensor>;
  try {
    const parsed = decodeSafetensors(fs.readFileSync(file));
    info = JSON.parse(parsed.metadata[FORMAT] ?? 'null');
    tensors = parsed.tensors;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (info?.format !== FORMAT) throw new Error(`${file}: not a T2I Lab label classifier (no "${FORMAT}" metadata)`);
  const model = new LabelClassifier(info.sizes, new Rng(0));
  const made: tf.Tensor[] = [];
  try {
    restoreVariables(model.params.entries(), (name) => {
      const t = tensors.get(name);
      if (!t) return undefined;
      const tensor = tf.tensor(t.data, t.shape);
      made.push(tensor);
      return tensor;
    });
  } catch (e) {
    model.dispose();
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    tf.dispose(made);
  }
  return { model, info };
}

/** The config's cached classifier, trained and cached first when absent (or `retrain`). */
export function loadOrTrainClassifier(
  cfg: T2IConfig,
  configPath: string,
  ds: T2IDataset,
  opts: { training?: Partial<ClassifierTraining>; retrain?: boolean; mustExist?: boolean; log?: (line: string) => void } = {},
): CachedClassifier {
  const log = opts.log ?? (() => {});
  const training = { ...DEFAULT_CLASSIFIER_TRAINING, ...opts.training };
  const file = classifierCacheFile(cfg, configPath, training);
  if (!opts.retrain && fs.existsSync(file)) return { ...loadClassifier(file), file, trained: false };
  if (opts.mustExist) throw new Error(`no label classifier for this dataset yet (${file}); make one with t2i train-classifier ${configPath}`);
  log(`training the label classifier on ${ds.train.length} real ${ds.kind} train images (${training.steps} steps); cached in ${file}`);
  const { model, trainAccuracy, testAccuracy } = trainLabelClassifier(ds, training, log);
  const info: ClassifierInfo = { format: FORMAT, version: VERSION, sizes: model.sizes, training, dataset: datasetKey(cfg), trainImages: ds.train.length, trainAccuracy, testAccuracy };
  saveClassifier(file, model, info);
  log(`label classifier: top-1 ${(100 * trainAccuracy).toFixed(1)}% train, ${(100 * testAccuracy).toFixed(1)}% test`);
  return { model, info, file, trained: true };
}
