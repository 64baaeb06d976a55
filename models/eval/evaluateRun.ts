// `t2i eval <run-dir>`: scores a run's latest checkpoint. Results go to the
// run's events.jsonl (a `metrics` event, so the dashboard charts them) and to
// `eval.json`; the CLI prints them as a table.
//
// Feature-based metrics use the DAMSM image encoder's global code as the
// feature network and are named `*_damsm`: they are not Inception features,
// and their numbers are not comparable to papers.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadFrozenEncoders, type FrozenEncoders } from '../damsm/frozenEncoders';
import type { DatasetSplit } from '../data/dataset';
import { openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES } from '../run/layout';
import { RunWriter } from '../run/runWriter';
import { loadRun, resolveRunDir } from '../train/sample';
import { toRgbBytes } from '../train/sampleGrid';
import type { T2IMethod } from '../train/method';
import type { Vocabulary } from '../text/vocabulary';
import { fitGaussian, frechetDistance, kernelInceptionDistance } from './fid';
import { evaluateShapesOracle, oracleMetrics } from './shapesOracleEval';

export const EVAL_METRICS = ['oracle', 'fid', 'kid'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

export interface EvaluateOptions {
  target: string;
  metrics: EvalMetric[];
  n?: number;
  backend?: BackendChoice;
  log?: (line: string) => void;
}

/** DAMSM global codes of RGB byte images, in float64 rows. */
function damsmFeatures(enc: FrozenEncoders, images: Uint8Array[], S: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let start = 0; start < images.length; start += 64) {
    const chunk = images.slice(start, start + 64);
    const codes = tf.tidy(() => {
      const px = new Float32Array(chunk.length * S * S * 3);
      chunk.forEach((im, k) => im.forEach((v, o) => (px[k * S * S * 3 + o] = v / 127.5 - 1)));
      return enc.model.image.encode(tf.tensor4d(px, [chunk.length, S, S, 3]), false).global;
    });
    const [b, d] = codes.shape;
    const data = codes.dataSync();
    for (let i = 0; i < b; i++) out.push(Float64Array.from(data.subarray(i * d, (i + 1) * d)));
    codes.dispose();
  }
  return out;
}

/** Real test images and images generated from one of their captions each, same seed every time. */
function realAndGenerated(method: T2IMethod, split: DatasetSplit, vocab: Vocabulary, maxWords: number, n: number, S: number) {
  const rng = new Rng(17);
  const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
  const real = picks.map((i) => split.image(i));
  const fake: Uint8Array[] = [];
  for (let start = 0; start < n; start += 32) {
    const chunk = picks.slice(start, start + 32);
    const ids = new Int32Array(chunk.length * maxWords);
    chunk.forEach((i, k) => ids.set(vocab.encode(rng.choice(split.captions(i)), maxWords).ids, k * maxWords));
    const noise = Float32Array.from({ length: chunk.length * method.noiseDim }, () => rng.normal());
    const images = tf.tidy(() => method.generate(tf.tensor2d(ids, [chunk.length, maxWords], 'int32'), tf.tensor2d(noise, [chunk.length, method.noiseDim])));
    fake.push(...toRgbBytes(images));
    images.dispose();
  }
  return { real, fake };
}

export async function evaluateRun(opts: EvaluateOptions): Promise<{ runDir: string; step: number; metrics: Record<string, number>; notes: string[] }> {
  const log = opts.log ?? console.log;
  const runDir = resolveRunDir(opts.target);
  await initBackend({ choice: opts.backend ?? 'auto', log });
  const run = await loadRun(runDir, log);
  const notes: string[] = [];
  const metrics: Record<string, number> = {};
  let encoders: FrozenEncoders | undefined;
  try {
    const source = configSourceOf(runDir);
    const ds = openDataset(run.cfg, { configPath: source, log });
    const split = ds.test.length ? ds.test : ds.train;
    const n = Math.min(opts.n ?? 500, split.length);
    if (opts.metrics.includes('oracle')) {
      if (ds.kind === 'shapes') Object.assign(metrics, oracleMetrics(evaluateShapesOracle(run.method, ds, run.vocab, run.cfg.text.maxWords, { count: n })));
      else notes.push(`oracle: only defined for the shapes dataset, not "${ds.kind}"`);
    }
    if (opts.metrics.includes('fid') || opts.metrics.includes('kid')) {
      try {
        encoders = await loadFrozenEncoders(run.cfg, source, { log, mustExist: true });
      } catch (e) {
        notes.push(`fid/kid: need a feature network; ${(e as Error).message}. (Inception-v3 from a local file is not supported yet.)`);
      }
      if (encoders) {
        const { real, fake } = realAndGenerated(run.method, split, run.vocab, run.cfg.text.maxWords, n, ds.size);
        const fr = damsmFeatures(encoders, real, ds.size);
        const ff = damsmFeatures(encoders, fake, ds.size);
        if (opts.metrics.includes('fid')) metrics.fid_damsm = frechetDistance(fitGaussian(fr), fitGaussian(ff));
        if (opts.metrics.includes('kid')) {
          const rng = new Rng(23);
          metrics.kid_damsm = kernelInceptionDistance(fr, ff, { subsets: 10, subsetSize: Math.min(100, n), random: () => rng.uniform() });
        }
        notes.push('*_damsm: features of the run\'s DAMSM image encoder, not Inception; not comparable to published FID/KID');
      }
    }
    ds.close?.();
  } finally {
    encoders?.model.dispose();
    run.method.dispose();
  }
  const writer = new RunWriter(runDir);
  writer.event({ type: 'metrics', step: run.step, metrics });
  writer.file('eval.json', JSON.stringify({ step: run.step, checkpoint: path.relative(runDir, run.checkpoint), metrics, notes }, null, 2) + '\n');
  writer.close();
  return { runDir, step: run.step, metrics, notes };
}

/** The config file a run was trained from (recorded in its snapshot), for encoder lookup. */
function configSourceOf(runDir: string): string {
  try {
    const snap = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8')) as { source?: string };
    return snap.source ?? path.join(runDir, RUN_FILES.config);
  } catch {
    return path.join(runDir, RUN_FILES.config);
  }
}
