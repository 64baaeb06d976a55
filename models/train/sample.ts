// `t2i sample`: one PNG per caption from a run's latest checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadRunSnapshot, type T2IConfig } from '../config/config';
import { encodePng } from '../data/png';
import { Rng } from '../data/rng';
import { RUN_FILES } from '../run/layout';
import { latestCheckpointFile, latestRun } from '../run/runReader';
import { Vocabulary } from '../text/vocabulary';
import { loadCheckpoint } from './checkpoint';
import { loadFrozenEncoders } from '../damsm/frozenEncoders';
import { createMethod, METHODS_WITH_ENCODERS } from './createMethod';
import type { T2IMethod } from './method';
import { toRgbBytes } from './sampleGrid';

export interface LoadedRun {
  runDir: string;
  cfg: T2IConfig;
  vocab: Vocabulary;
  method: T2IMethod;
  checkpoint: string;
  step: number;
}

/** A run folder given directly, or the latest run of a `*.t2i.json` config. */
export function resolveRunDir(target: string): string {
  const abs = path.resolve(target);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    if (!fs.existsSync(path.join(abs, RUN_FILES.config))) throw new Error(`${abs} is not a run folder (no ${RUN_FILES.config})`);
    return abs;
  }
  if (!fs.existsSync(abs)) throw new Error(`${abs} does not exist`);
  const run = latestRun(abs);
  if (!run) throw new Error(`${abs} has no runs yet; train it first (t2i train ${target})`);
  return run;
}

export function latestCheckpoint(runDir: string): string {
  const file = latestCheckpointFile(runDir);
  if (!file) throw new Error(`${runDir} has no checkpoint in ${RUN_FILES.checkpointsDir}/`);
  return file;
}

/**
 * Loads a run's config, vocabulary and latest checkpoint (the backend must be
 * initialised). Encoder-based methods get the exact encoders the run trained
 * with (the snapshot records their checkpoint); they are never pretrained here.
 */
export async function loadRun(runDir: string, log: (line: string) => void = () => {}): Promise<LoadedRun> {
  const { cfg, source } = loadRunSnapshot(runDir);
  const vocabFile = path.join(runDir, RUN_FILES.vocab);
  const vocab = Vocabulary.fromJSON(JSON.parse(fs.readFileSync(vocabFile, 'utf8')), vocabFile);
  const encoders = METHODS_WITH_ENCODERS.has(cfg.method) ? await loadFrozenEncoders(cfg, source, { log, mustExist: true }) : undefined;
  const method = createMethod(cfg, vocab.size, new Rng(0), encoders);
  const checkpoint = latestCheckpoint(runDir);
  try {
    const meta = loadCheckpoint(checkpoint, method);
    return { runDir, cfg, vocab, method, checkpoint, step: meta.step };
  } catch (e) {
    method.dispose();
    throw e;
  }
}

export interface SampleOptions {
  target: string;
  captionsFile: string;
  outDir: string;
  seed?: number;
  backend?: BackendChoice;
  log?: (line: string) => void;
}

export async function sample(opts: SampleOptions): Promise<{ files: string[]; step: number }> {
  const log = opts.log ?? console.log;
  const text = fs.readFileSync(opts.captionsFile, 'utf8');
  const captions = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() })).filter((c) => c.text);
  if (!captions.length) throw new Error(`${opts.captionsFile}: no captions (one per line)`);
  const runDir = resolveRunDir(opts.target);
  await initBackend({ choice: opts.backend ?? 'auto', log });
  const run = await loadRun(runDir, log);
  log(`sampling ${captions.length} captions from ${path.relative(process.cwd(), run.checkpoint) || run.checkpoint} (step ${run.step})`);
  const maxWords = run.cfg.text.maxWords;
  const ids = new Int32Array(captions.length * maxWords);
  captions.forEach((c, i) => {
    const enc = run.vocab.encode(c.text, maxWords);
    if (enc.unknown.length) log(`warning: ${opts.captionsFile}:${c.line}: unknown words left out: ${enc.unknown.join(', ')}`);
    ids.set(enc.ids, i * maxWords);
  });
  const rng = new Rng(opts.seed ?? 0);
  const noise = Float32Array.from({ length: captions.length * run.method.noiseDim }, () => rng.normal());
  fs.mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  const S = run.cfg.imageSize;
  const chunk = 32;
  try {
    for (let start = 0; start < captions.length; start += chunk) {
      const n = Math.min(chunk, captions.length - start);
      const images = tf.tidy(() =>
        run.method.generate(
          tf.tensor2d(ids.subarray(start * maxWords, (start + n) * maxWords), [n, maxWords], 'int32'),
          tf.tensor2d(noise.subarray(start * run.method.noiseDim, (start + n) * run.method.noiseDim), [n, run.method.noiseDim]),
        ),
      );
      toRgbBytes(images).forEach((px, k) => {
        const file = path.join(opts.outDir, `${String(start + k).padStart(4, '0')}.png`);
        fs.writeFileSync(file, encodePng(px, S, S, 3));
        files.push(file);
      });
      images.dispose();
    }
  } finally {
    run.method.dispose();
  }
  return { files, step: run.step };
}
