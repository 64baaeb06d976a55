// `t2i eval <run-dir>`: scores a run's latest checkpoint. Results go to the
// run's events.jsonl (a `metrics` event, so the dashboard charts them) and to
// `eval.json`; the CLI prints them as a table.
//
// FID, KID and IS are computed with every available feature network and
// named after it (`fid_cls`, `fid_damsm`, `fid_inception`); each report lists
// what each network is, because only Inception-v3 numbers compare to papers.
// With `real: true` the real test images stand in for generated ones and are
// scored against real train images: the floor each metric can reach.
import fs from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadConfig, loadRunSnapshot, type T2IConfig } from '../config/config';
import { loadFrozenEncoders, type FrozenEncoders } from '../damsm/frozenEncoders';
import type { DatasetSplit, T2IDataset } from '../data/dataset';
import { openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { writeFileAtomic } from '../run/atomicWrite';
import { RunWriter } from '../run/runWriter';
import { loadRun, resolveRunDir, type LoadedRun } from '../train/sample';
import { loadOrTrainClassifier } from './classifierCache';
import { imageCodes, sentenceCodes } from './damsmCodes';
import { classifierFeatureNet, damsmFeatureNet, featureMetrics, inceptionFeatureNet, FEATURE_NET_IDS, type FeatureNet, type FeatureNetId } from './featureNets';
import { INCEPTION_HOWTO, loadInception } from './inceptionGraph';
import { rPrecision, rPrecisionCaptions } from './rPrecision';
import { generateForCaptions, oracleCaptions, oracleMetrics, scoreOracleItems } from './shapesOracleEval';

export const EVAL_METRICS = ['oracle', 'fid', 'kid', 'is', 'rprec'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

export interface EvaluateOptions {
  /** A run folder, or a config (its latest run; with `real`, the config itself). */
  target: string;
  metrics: EvalMetric[];
  /** Images scored (default 500, capped by the test split). */
  n?: number;
  /** Feature networks for FID/KID/IS; default: cls, damsm when the config has encoders, inception when a path is given. */
  features?: FeatureNetId[];
  /** Converted Inception folder (overrides the config's eval.inceptionPath). */
  inception?: string;
  /** Score real test images (against real train images) instead of a generator. */
  real?: boolean;
  /** Retrain the label classifier even when one is cached. */
  retrainClassifier?: boolean;
  backend?: BackendChoice;
  log?: (line: string) => void;
}

export interface FeatureNetReport {
  description: string;
  source: string;
}

export interface EvaluationReport {
  /** The run folder (absent when real images of a config were scored). */
  runDir?: string;
  /** Where eval.json was written. */
  file: string;
  step: number;
  checkpoint?: string;
  /** "generated" or "real test images vs real train images". */
  subject: string;
  images: number;
  metrics: Record<string, number>;
  featureNets: Partial<Record<FeatureNetId, FeatureNetReport>>;
  notes: string[];
}

/** The images scored and what they are compared with. */
interface Subject {
  captions: string[];
  heldOut: boolean[];
  images: Uint8Array[];
  reference: Uint8Array[];
}

/** Evenly spaced items of a split (every class represented). */
function spaced(split: DatasetSplit, n: number): number[] {
  return Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
}

function captionsFor(ds: T2IDataset, split: DatasetSplit, n: number, rng: Rng): { picks: number[]; captions: string[]; heldOut: boolean[] } {
  if (ds.kind === 'shapes') return oracleCaptions(ds, n, rng);
  const picks = spaced(split, n);
  return { picks, captions: picks.map((i) => rng.choice(split.captions(i))), heldOut: picks.map(() => false) };
}

function generatedSubject(run: LoadedRun, ds: T2IDataset, n: number): Subject {
  const split = ds.test.length ? ds.test : ds.train;
  const rng = new Rng(11);
  const { picks, captions, heldOut } = captionsFor(ds, split, n, rng);
  const images: Uint8Array[] = [];
  for (let start = 0; start < captions.length; start += 32) images.push(...generateForCaptions(run.method, run.vocab, run.cfg.text.maxWords, captions.slice(start, start + 32), rng));
  return { captions, heldOut, images, reference: picks.map((i) => split.image(i)) };
}

function realSubject(ds: T2IDataset, n: number): Subject {
  const split = ds.test.length ? ds.test : ds.train;
  const { picks, captions, heldOut } = captionsFor(ds, split, n, new Rng(11));
  const ref = spaced(ds.train, Math.min(n, ds.train.length));
  return { captions, heldOut, images: picks.map((i) => split.image(i)), reference: ref.map((i) => ds.train.image(i)) };
}

/** The config file behind a target, and its resolved config (a run's snapshot, or the file itself). */
function configOf(target: string, real: boolean): { cfg: T2IConfig; source: string; runDir?: string } {
  const abs = path.resolve(target);
  if (real && fs.existsSync(abs) && fs.statSync(abs).isFile()) return { cfg: loadConfig(abs), source: abs };
  const runDir = resolveRunDir(target);
  const { cfg, source } = loadRunSnapshot(runDir);
  return { cfg, source, runDir };
}

export async function evaluateRun(opts: EvaluateOptions): Promise<EvaluationReport> {
  const log = opts.log ?? console.log;
  const real = !!opts.real;
  const { cfg, source, runDir } = configOf(opts.target, real);
  await initBackend({ choice: opts.backend ?? 'auto', log });
  const run = real ? undefined : await loadRun(runDir!, log);
  const notes: string[] = [];
  const metrics: Record<string, number> = {};
  const featureNets: EvaluationReport['featureNets'] = {};
  const owned: FeatureNet[] = [];
  let encoders: FrozenEncoders | undefined;
  const ds = openDataset(cfg, { configPath: source, log });
  let images = 0;
  try {
    const split = ds.test.length ? ds.test : ds.train;
    const n = Math.min(opts.n ?? 500, split.length);
    const subject = run ? generatedSubject(run, ds, n) : realSubject(ds, n);
    images = subject.images.length;

    if (opts.metrics.includes('oracle')) {
      if (ds.kind === 'shapes') Object.assign(metrics, oracleMetrics(scoreOracleItems(subject.images, ds.size, subject.captions, subject.heldOut)));
      else notes.push(`oracle: only defined for the shapes dataset, not "${ds.kind}"`);
    }

    const featureMetricsWanted = opts.metrics.some((m) => m === 'fid' || m === 'kid' || m === 'is');
    const needsEncoders = opts.metrics.includes('rprec') || (featureMetricsWanted && (opts.features ?? ['damsm']).includes('damsm'));
    if (needsEncoders) {
      try {
        encoders = await loadFrozenEncoders(cfg, source, { log, mustExist: true });
      } catch (e) {
        notes.push(`damsm: no DAMSM encoders, so no *_damsm metrics and no R-precision (${(e as Error).message})`);
      }
    }

    const wanted = { fid: opts.metrics.includes('fid'), kid: opts.metrics.includes('kid'), is: opts.metrics.includes('is') };
    if (wanted.fid || wanted.kid || wanted.is) {
      const nets = featureNetsFor(opts, cfg, source, ds, encoders, notes, log);
      for (const net of nets) {
        if (net.dispose) owned.push(net);
        log(`describing ${subject.reference.length} reference and ${subject.images.length} scored images with ${net.id}`);
        const ref = net.describe(subject.reference, ds.size).features;
        Object.assign(metrics, featureMetrics(net, ref, net.describe(subject.images, ds.size), wanted));
        featureNets[net.id] = { description: net.description, source: net.source };
      }
      if (wanted.is && !nets.some((n) => n.id !== 'damsm')) notes.push('is: needs a feature net with classes (cls or inception)');
    }

    if (opts.metrics.includes('rprec') && encoders) {
      const rng = new Rng(31);
      const picks = spaced(split, subject.captions.length);
      const cands = subject.captions.map((c, k) => {
        const set = rPrecisionCaptions(split, picks[k], rng);
        set[0] = c; // the caption the image was generated from
        return set;
      });
      const sent = sentenceCodes(encoders, cands.flat(), cfg.text.maxWords);
      const r = rPrecision(imageCodes(encoders, subject.images, ds.size), cands.map((set) => set.map((c) => sent.get(c)!)), 10);
      metrics.rprec = r.mean;
      metrics.rprec_std = r.std;
      notes.push(`rprec: AttnGAN's R-precision (true caption + 99 from other classes, cosine of the DAMSM global codes from ${encoders.checkpoint}, top-1, 10 folds): our small DAMSM encoders, not AttnGAN's, so not comparable to papers`);
    }
  } finally {
    for (const net of owned) net.dispose?.();
    encoders?.model.dispose();
    run?.method.dispose();
    ds.close?.();
  }
  for (const f of Object.values(featureNets)) notes.push(f!.description);

  const step = run?.step ?? 0;
  const subject = real ? 'real test images vs real train images' : 'generated from test captions vs real test images';
  const file = runDir && !real ? path.join(runDir, 'eval.json') : path.join(path.dirname(source), `${path.basename(source).replace(/\.t2i\.json$/i, '')}.eval-real.json`);
  const report: EvaluationReport = { runDir: real ? undefined : runDir, file, step, checkpoint: run ? path.relative(runDir!, run.checkpoint) : undefined, subject, images, metrics, featureNets, notes };
  if (run) {
    const writer = new RunWriter(runDir!);
    writer.event({ type: 'metrics', step, metrics });
    writer.file('eval.json', JSON.stringify(report, null, 2) + '\n');
    writer.close();
  } else {
    writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

/** The feature nets to use: asked for, or every available one; absent ones become notes (or errors, when asked for). */
function featureNetsFor(opts: EvaluateOptions, cfg: T2IConfig, source: string, ds: T2IDataset, encoders: FrozenEncoders | undefined, notes: string[], log: (line: string) => void): FeatureNet[] {
  const asked = opts.features;
  const want = (id: FeatureNetId) => !asked || asked.includes(id);
  const nets: FeatureNet[] = [];
  if (want('cls')) {
    try {
      nets.push(classifierFeatureNet(loadOrTrainClassifier(cfg, source, ds, { training: { steps: cfg.eval.classifierSteps }, retrain: opts.retrainClassifier, log })));
    } catch (e) {
      if (asked) throw e;
      notes.push(`cls: ${(e as Error).message}`);
    }
  }
  if (want('damsm')) {
    if (encoders) nets.push(damsmFeatureNet(encoders));
    else if (asked) throw new Error('--features damsm: this config has no pretrained DAMSM encoders (t2i pretrain)');
  }
  const inceptionDir = opts.inception ?? (cfg.eval.inceptionPath ? path.resolve(path.dirname(source), cfg.eval.inceptionPath) : undefined);
  if (want('inception')) {
    if (inceptionDir) {
      log(`loading Inception-v3 from ${inceptionDir}`);
      nets.push(inceptionFeatureNet(loadInception(inceptionDir, cfg.eval.inceptionInputRange)));
    } else if (asked) {
      throw new Error(`--features inception: no Inception model; ${INCEPTION_HOWTO}`);
    } else {
      notes.push(`*_inception: not computed (the only numbers comparable to papers); ${INCEPTION_HOWTO}`);
    }
  }
  return nets;
}

export { FEATURE_NET_IDS };
