// The training config (`*.t2i.json`): its type, loading, defaults and checks.
// Structural rules live in schemas/t2i-config.schema.json (shared with the
// editor); rules that need more than a schema (which sizes a method supports)
// live here.
import fs from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../../protocol/events';
import schemaJson from '../../schemas/t2i-config.schema.json';
import { datasetPathErrors } from './datasetPaths';
import { applyDefaults, validateSchema, type JsonSchema, type SchemaError } from './schemaValidator';

export const CONFIG_SCHEMA = schemaJson as unknown as JsonSchema;

export type MethodName = 'baseline' | 'damsm' | 'xmcgan' | 'mirrorgan' | 'supcon-dfgan' | 'supcon-attngan';

export type DatasetKind = 'shapes' | 'cub' | 'oxford102' | 'coco' | 'localized-narratives' | 'folder';

/**
 * The `dataset` section. Defaults fill every field whatever the kind; each
 * field's description in the schema says which kinds use it.
 */
export interface DatasetConfig {
  kind: DatasetKind;
  /** Dataset folder, relative to the config file; the other paths are relative to it. */
  root: string;
  /** '' = the kind's standard image folder. */
  imagesDir: string;
  /** '' = found in root (cub, oxford102), random testFraction split (folder), 2014 files (coco). */
  splitFile: string;
  /** '' = the kind's standard file names. */
  trainAnnotations: string | string[];
  testAnnotations: string | string[];
  /** 0 = the dataset's standard number. */
  captionsPerImage: number;
  onBadSample: 'error' | 'skip';
  augment: 'auto' | 'crop-flip' | 'crop' | 'none';
  bboxCrop: boolean;
  cocoLabels: 'none' | 'largest-instance' | 'multi-hot';
  /** 0 = all images. */
  maxImages: number;
  cache: boolean;
  count: number;
  seed: number;
  testFraction: number;
  holdout: [string, string][];
}
export type ShapesDatasetConfig = DatasetConfig & { kind: 'shapes' };

export interface BaselineConfig {
  zDim: number;
  embedDim: number;
  textDim: number;
  ngf: number;
  ndf: number;
}

export interface DamsmConfig {
  embedDim: number;
  hidden: number;
  dropout: number;
  imageWidth: number;
  gamma1: number;
  gamma2: number;
  gamma3: number;
  classMasking: boolean;
  /** How GAN methods receive the frozen text features (damsm/conditioningText.ts). */
  codeScale: 'unit-rms' | 'raw';
  batchSize: number;
  lr: number;
  gradClip: number;
  steps: number;
  maxMinutes: number;
  evalEvery: number;
  checkpointEvery: number;
  /** SupCon in pretraining (models/supcon); mode "none" is plain DAMSM pretraining. */
  supcon: SupconConfig;
  /** Pretrained encoders (checkpoint or run folder) for GAN methods. */
  encoders?: string;
}

/** XMC-GAN (`xmcgan` section); defaults are the reference code's (configs/coco_xmc.py, attention_lib.py). */
export interface XmcganConfig {
  gf: number;
  df: number;
  zDim: number;
  /** Side of the word-region grid in G and D (the code's cond_size). */
  condSize: number;
  rho0: number;
  rho1: number;
  rho2: number;
  rho3: number;
  tau: number;
  sentenceContrastive: boolean;
  wordContrastive: boolean;
  imageContrastive: boolean;
  encoderImageContrastive: boolean;
  sentenceWeight: number;
  wordWeight: number;
  imageWeight: number;
  encoderImageWeight: number;
  dStepsPerG: number;
  lrG: number;
  lrD: number;
  emaDecay: number;
}

/** MirrorGAN (`mirrorgan` section); defaults are the reference code's (qiaott/MirrorGAN cfg/train_bird.yml, cfg/config.py). */
export interface MirrorganConfig {
  /** Cascade stages (BRANCH_NUM); the finest is imageSize, each coarser one half the side. */
  stages: number;
  zDim: number;
  caDim: number;
  ngf: number;
  ndf: number;
  resBlocks: number;
  /** "code": 1×1 conv then softmax over channels (as released); "paper": no 1×1 conv; "off": ablation. */
  sentenceAttention: 'code' | 'paper' | 'off';
  /** false: the STREAM loss is measured but not trained on (the AttnGAN-style ablation). */
  redescription: boolean;
  /** λ, the redescription weight (LAMBDA1). */
  lambda: number;
  emaDecay: number;
}

/** MirrorGAN's STREAM captioner (`stream` section), pretrained by `t2i pretrain-stream`. */
export interface StreamConfig {
  embedDim: number;
  hidden: number;
  imageWidth: number;
  endToken: boolean;
  batchSize: number;
  lr: number;
  steps: number;
  maxMinutes: number;
  evalEvery: number;
  checkpointEvery: number;
  /** Pretrained captioner (checkpoint or run folder). */
  captioner?: string;
}

/** The supervised-contrastive term (`supcon`, and `damsm.supcon` in pretraining); defaults and their sources in the schema. */
export interface SupconConfig {
  mode: 'none' | 'same-image' | 'label';
  weight: number;
  temperature: number;
}

/** The DF-GAN-lite host of `supcon-dfgan` (design §1.4). */
export interface DfganLiteConfig {
  nf: number;
  zDim: number;
  affineHidden: number;
  gpWeight: number;
  gpPower: number;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
}

/** The AttnGAN-lite host of `supcon-attngan` (design §1.3). */
export interface AttnganLiteConfig {
  ngf: number;
  ndf: number;
  zDim: number;
  caDim: number;
  stages: number;
  resBlocks: number;
  damsmWeight: number;
  klWeight: number;
  /** Moving average of G's weights for samples and evaluation; 0 = none (the reference). */
  emaDecay: number;
}

export interface TrainConfig {
  batchSize: number;
  steps: number;
  maxMinutes: number;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
  seed: number;
  logEvery: number;
  sampleEvery: number;
  checkpointEvery: number;
  evalEvery: number;
  evalCount: number;
  /** Largest share of wall time evaluations during training may take (they run in slices between steps). */
  evalShare: number;
  /** status.json's `heartbeatAt` is rewritten at least this often while the trainer works. */
  heartbeatSeconds: number;
  nanGuard: NanGuardConfig;
}

/** What to do on a non-finite loss (`train.nanGuard`). */
export interface NanGuardConfig {
  action: 'stop' | 'rollback';
  /** Learning rates are multiplied by this on each rollback. */
  lrFactor: number;
  maxRollbacks: number;
}

/** The `eval` section: feature networks of FID/KID/IS, and what is scored during training. */
export interface EvalConfig {
  /** Converted FID Inception-v3 (tfjs graph model folder), relative to the config; '' = none. */
  inceptionPath: string;
  inceptionInputRange: '-1,1' | '0,255';
  classifierSteps: number;
  duringTraining: ('oracle' | 'fid' | 'kid' | 'is')[];
}

export interface T2IConfig {
  name?: string;
  method: MethodName;
  imageSize: 32 | 64 | 128 | 256;
  dataset: DatasetConfig;
  text: { maxWords: number };
  baseline: BaselineConfig;
  damsm: DamsmConfig;
  xmcgan: XmcganConfig;
  supcon: SupconConfig;
  dfganLite: DfganLiteConfig;
  attnganLite: AttnganLiteConfig;
  mirrorgan: MirrorganConfig;
  stream: StreamConfig;
  train: TrainConfig;
  eval: EvalConfig;
  preview: { count: number; captions?: string[]; seed: number };
  backend: BackendChoice;
  threads: number;
}

/** Image sizes each method's architecture can produce. */
export const METHOD_IMAGE_SIZES: Record<MethodName, number[]> = {
  baseline: [32, 64, 128],
  damsm: [32, 64, 128, 256],
  xmcgan: [32, 64, 128, 256],
  'supcon-dfgan': [32, 64, 128, 256],
  'supcon-attngan': [32, 64, 128, 256],
  mirrorgan: [32, 64, 128, 256],
};

export class ConfigError extends Error {
  constructor(readonly file: string, readonly errors: SchemaError[]) {
    super(`${file}: invalid config\n` + errors.map((e) => `  ${e.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Parses JSON, turning a syntax error into a message with line and column. */
export function parseJsonWithPosition(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? lineCol(text, Number(m[1])) : undefined;
    // No position (e.g. "Unexpected end of JSON input"): the input ended too soon.
    const offset = m ? Number(m[1]) : text.length;
    throw new ConfigError(file, [{ pointer: '', message: `JSON syntax error${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${msg}`, code: 'syntax', offset }]);
  }
}

/** Checks that need more than the schema. */
export function semanticErrors(cfg: T2IConfig): SchemaError[] {
  const errors: SchemaError[] = [];
  const sizes = METHOD_IMAGE_SIZES[cfg.method];
  if (sizes && !sizes.includes(cfg.imageSize)) {
    errors.push({ pointer: '/imageSize', message: `/imageSize ${cfg.imageSize} is not supported by method "${cfg.method}"; use one of ${sizes.join(', ')}`, code: 'semantic', allowed: [...sizes] });
  }
  if (cfg.dataset.kind === 'shapes') {
    const seen = new Set<string>();
    cfg.dataset.holdout.forEach(([c, s], i) => {
      const key = `${c}/${s}`;
      if (seen.has(key)) errors.push({ pointer: `/dataset/holdout/${i}`, message: `/dataset/holdout/${i} repeats [${c}, ${s}]`, code: 'semantic' });
      seen.add(key);
    });
    if (cfg.dataset.augment === 'crop' || cfg.dataset.augment === 'crop-flip') {
      errors.push({ pointer: '/dataset/augment', message: `/dataset/augment "${cfg.dataset.augment}" cannot be used with shapes: their captions name positions, so crops and flips would contradict them`, code: 'semantic' });
    }
  } else if (cfg.dataset.holdout.length) {
    errors.push({ pointer: '/dataset/holdout', message: `/dataset/holdout applies only to the shapes dataset, not "${cfg.dataset.kind}"`, code: 'semantic' });
  }
  if (cfg.train.batchSize > 4096) errors.push({ pointer: '/train/batchSize', message: '/train/batchSize is too large', code: 'semantic' });
  if (cfg.method === 'mirrorgan') {
    const first = cfg.imageSize / 2 ** (cfg.mirrorgan.stages - 1);
    if (first < 16) {
      errors.push({ pointer: '/mirrorgan/stages', message: `/mirrorgan/stages ${cfg.mirrorgan.stages} at /imageSize ${cfg.imageSize} makes a ${first}px first stage; it must be 16 px or more (the reference: 3 stages from 64 to 256 px)`, code: 'semantic' });
    }
  }
  if (cfg.method === 'xmcgan') {
    const x = cfg.xmcgan;
    if (cfg.train.batchSize % x.dStepsPerG !== 0 || cfg.train.batchSize / x.dStepsPerG < 2) {
      errors.push({ pointer: '/train/batchSize', message: `/train/batchSize ${cfg.train.batchSize} must split into /xmcgan/dStepsPerG = ${x.dStepsPerG} equal parts of at least 2 (one per D step; contrastive terms need negatives)`, code: 'semantic' });
    }
    if (x.condSize >= cfg.imageSize) {
      errors.push({ pointer: '/xmcgan/condSize', message: `/xmcgan/condSize ${x.condSize} must be smaller than /imageSize ${cfg.imageSize}`, code: 'semantic' });
    }
  }
  return errors;
}

/** Validates a parsed config object and fills defaults; throws ConfigError naming every bad field. */
export function resolveConfig(raw: unknown, file = '<config>'): T2IConfig {
  const errors = validateSchema(raw, CONFIG_SCHEMA);
  if (errors.length) throw new ConfigError(file, errors);
  const cfg = applyDefaults(raw, CONFIG_SCHEMA) as T2IConfig;
  const semantic = semanticErrors(cfg);
  if (semantic.length) throw new ConfigError(file, semantic);
  return cfg;
}

export interface LoadConfigOptions {
  /** Also check that the dataset folders and files the config names exist (training does; viewing a run does not). */
  checkPaths?: boolean;
}

export function loadConfig(file: string, opts: LoadConfigOptions = {}): T2IConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ pointer: '', message: `cannot read config: ${(e as Error).message}`, code: 'io' }]);
  }
  const cfg = resolveConfig(parseJsonWithPosition(text, file), file);
  if (opts.checkPaths) {
    const missing = datasetPathErrors(cfg, file);
    if (missing.length) throw new ConfigError(file, missing);
  }
  return cfg;
}

/** The resolved config snapshot a run folder holds, and the config file it came from. */
export function loadRunSnapshot(runDir: string): { cfg: T2IConfig; source: string } {
  const file = path.join(runDir, 'config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, [{ pointer: '', message: `cannot read the run's config snapshot: ${(e as Error).message}` }]);
  }
  const source = typeof raw.source === 'string' ? raw.source : file;
  delete raw.source; // provenance, not part of the schema
  // Snapshots from before damsm.codeScale existed were trained on the raw codes: keep them so.
  const damsm = raw.damsm;
  if (damsm && typeof damsm === 'object' && !('codeScale' in damsm)) (damsm as Record<string, unknown>).codeScale = 'raw';
  return { cfg: resolveConfig(raw, file), source };
}

/** Display name of a config: its `name` field or its file stem. */
export function configDisplayName(cfg: T2IConfig, file: string): string {
  return cfg.name ?? path.basename(file).replace(/\.t2i\.json$/i, '');
}
