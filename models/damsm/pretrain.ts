// `t2i pretrain <config>`: trains the DAMSM encoders on the config's dataset
// and writes an ordinary run folder (method "damsm") beside the config's GAN
// runs, so the same dashboard shows its losses and retrieval accuracy. GAN
// methods load the encoders from the latest completed pretraining run.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, BackendInfo, DoneReason, RunStatus } from '../../protocol/events';
import { EVENTS_VERSION } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadConfig } from '../config/config';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { checkpointPath, RUN_FILES } from '../run/layout';
import { listRuns, readAllEvents, readStatus } from '../run/runReader';
import { RunWriter, freshRunDir } from '../run/runWriter';
import { Vocabulary } from '../text/vocabulary';
import { Batcher, disposeBatch } from '../train/batcher';
import { saveCheckpoint } from '../train/checkpoint';
import { DAMSM_LOSS_NAMES, DamsmModel } from './damsmModel';
import { imageToTextRetrieval } from './retrieval';

export interface PretrainOptions {
  configPath: string;
  runDir?: string;
  steps?: number;
  maxMinutes?: number;
  backend?: BackendChoice;
  threads?: number;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
}

export interface PretrainResult {
  runDir: string;
  step: number;
  reason: DoneReason;
  backend: BackendInfo;
  top1: number;
  checkpoint: string;
  meanStepMs: number;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export async function pretrainDamsm(opts: PretrainOptions): Promise<PretrainResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const configPath = path.resolve(opts.configPath);
  const cfg = loadConfig(configPath);
  const dc = cfg.damsm;
  if (opts.steps !== undefined) dc.steps = opts.steps;
  if (opts.maxMinutes !== undefined) dc.maxMinutes = opts.maxMinutes;
  if (opts.backend) cfg.backend = opts.backend;
  if (opts.threads !== undefined) cfg.threads = opts.threads;

  const runDir = path.resolve(opts.runDir ?? freshRunDir(configPath));
  if (fs.existsSync(path.join(runDir, RUN_FILES.events))) throw new Error(`${runDir} already holds a run; choose another --run-dir`);
  const run = new RunWriter(runDir);
  const runId = path.basename(runDir);
  let step = 0;
  let lastCheckpoint: string | undefined;
  const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}) =>
    run.status({ state, runId, pid: process.pid, step, totalSteps: dc.steps, updated: Date.now(), lastCheckpoint, ...extra });
  const info = (message: string) => {
    log(message);
    run.event({ type: 'log', level: 'info', message });
  };
  let model: DamsmModel | undefined;
  try {
    log(`run folder: ${runDir}`);
    run.file(RUN_FILES.config, JSON.stringify({ source: configPath, ...cfg }, null, 2) + '\n');
    const backend = await initBackend({ choice: cfg.backend, threads: cfg.threads || undefined, log: info });
    const ds = openDataset(cfg, { configPath, log: info, warn: info });
    const vocab = Vocabulary.fromCaptions(allCaptions(ds));
    run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    info(`DAMSM pretraining on ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, vocabulary ${vocab.size} words`);
    const rng = new Rng(cfg.train.seed);
    model = new DamsmModel(dc, vocab.size, cfg.imageSize, rng.fork());
    info(`encoders: text ${model.params.scope('text').count()} parameters, image ${model.params.scope('image').count()} parameters`);
    const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, rng.fork());
    run.event({
      type: 'run_started', version: EVENTS_VERSION, runId, method: 'damsm', configPath, backend, pid: process.pid,
      startStep: 0, totalSteps: dc.steps, imageSize: cfg.imageSize, lossNames: DAMSM_LOSS_NAMES,
    });
    status('running');

    const evalSplit = ds.test.length ? ds.test : ds.train;
    let top1 = 0;
    const evaluate = () => {
      const r = imageToTextRetrieval(model!, evalSplit, vocab, cfg.text.maxWords);
      top1 = r.top1;
      run.event({ type: 'metrics', step, metrics: { retrieval_top1: r.top1 } });
      info(`step ${step}: image→text top-1 ${(100 * r.top1).toFixed(1)}% (1 in ${r.candidates}, ${r.images} test images)`);
    };
    const writeCheckpoint = () => {
      const rel = checkpointPath(step);
      saveCheckpoint(run.resolve(rel), model!, { step, rng: { batcher: batcher.state().rng } });
      lastCheckpoint = rel;
      run.event({ type: 'checkpoint', step, path: rel });
      status('running');
    };

    const deadline = dc.maxMinutes > 0 ? Date.now() + dc.maxMinutes * 60_000 : Infinity;
    let reason: DoneReason = 'completed';
    let lastStatus = Date.now();
    let stepMsTotal = 0;
    while (step < dc.steps) {
      if (opts.shouldStop?.()) {
        reason = 'stopped';
        break;
      }
      if (Date.now() >= deadline) {
        reason = 'time-limit';
        break;
      }
      const ts = performance.now();
      const batch = batcher.next(dc.batchSize);
      let losses: Record<string, number>;
      try {
        losses = model.trainStep(batch);
      } finally {
        disposeBatch(batch);
      }
      step++;
      stepMsTotal += performance.now() - ts;
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) throw new Error(`loss ${bad[0]} became ${bad[1]} at step ${step}; the last checkpoint is ${lastCheckpoint ?? 'none'}`);
      run.event({ type: 'step', step, losses, stepMs: Math.round((performance.now() - ts) * 10) / 10 });
      if (step % dc.evalEvery === 0) evaluate();
      if (step % dc.checkpointEvery === 0) writeCheckpoint();
      if (Date.now() - lastStatus > 2000) {
        status('running');
        lastStatus = Date.now();
      }
      await nextTurn();
    }
    if (step % dc.evalEvery !== 0 || step === 0) evaluate();
    if (lastCheckpoint !== checkpointPath(step)) writeCheckpoint();
    info(`finished at step ${step} (${reason}); tensors alive ${tf.memory().numTensors}`);
    run.event({ type: 'done', step, reason });
    status(reason === 'completed' ? 'completed' : 'stopped');
    return { runDir, step, reason, backend, top1, checkpoint: path.join(runDir, lastCheckpoint!), meanStepMs: step ? stepMsTotal / step : 0 };
  } catch (e) {
    const message = (e as Error).message;
    run.event({ type: 'error', message });
    run.event({ type: 'done', step, reason: 'failed' });
    status('failed', { message });
    throw e;
  } finally {
    model?.dispose();
    run.close();
  }
}

/** The final checkpoint of the latest finished DAMSM pretraining run of a config, if any. */
export function latestDamsmCheckpoint(configPath: string): string | undefined {
  for (const dir of listRuns(configPath).reverse()) {
    const started = readAllEvents(dir).find((e) => e.type === 'run_started');
    const st = readStatus(dir);
    if (started?.type === 'run_started' && started.method === 'damsm' && st?.lastCheckpoint && st.state !== 'failed') {
      return path.join(dir, st.lastCheckpoint);
    }
  }
  return undefined;
}
