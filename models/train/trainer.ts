// The training loop shared by every method: it owns the run folder, the
// schedule (log, sample, checkpoint, stop), and nothing method-specific.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, BackendInfo, DoneReason, RunStatus } from '../../protocol/events';
import { EVENTS_VERSION } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadConfig, type T2IConfig } from '../config/config';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES, checkpointPath, sampleMetaPath, samplePath } from '../run/layout';
import { RunWriter, freshRunDir } from '../run/runWriter';
import { pretrainDamsm } from '../damsm/pretrain';
import { Vocabulary } from '../text/vocabulary';
import { Batcher, disposeBatch } from './batcher';
import { saveCheckpoint } from './checkpoint';
import { createMethod } from './createMethod';
import type { T2IMethod } from './method';
import { makePreviewSet, type PreviewSet } from './preview';
import { gridLayout, tileGridPng, toRgbBytes } from './sampleGrid';

export interface TrainOptions {
  configPath: string;
  /** Run folder; default `<config dir>/runs/<config stem>/<run id>`. */
  runDir?: string;
  steps?: number;
  maxMinutes?: number;
  backend?: BackendChoice;
  threads?: number;
  /** Polled between steps; true stops the run cleanly (checkpoint, `done`). */
  shouldStop?: () => boolean;
  log?: (line: string) => void;
}

export interface TrainResult {
  runDir: string;
  step: number;
  reason: DoneReason;
  backend: BackendInfo;
  meanStepMs: number;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const configPath = path.resolve(opts.configPath);
  const cfg: T2IConfig = loadConfig(configPath); // throws ConfigError before anything is written
  if (cfg.method === 'damsm') {
    // A DAMSM config trains the encoders: same run folder, same dashboard.
    const r = await pretrainDamsm(opts);
    return { runDir: r.runDir, step: r.step, reason: r.reason, backend: r.backend, meanStepMs: r.meanStepMs };
  }
  if (opts.steps !== undefined) cfg.train.steps = opts.steps;
  if (opts.maxMinutes !== undefined) cfg.train.maxMinutes = opts.maxMinutes;
  if (opts.backend) cfg.backend = opts.backend;
  if (opts.threads !== undefined) cfg.threads = opts.threads;

  const runDir = path.resolve(opts.runDir ?? freshRunDir(configPath));
  if (fs.existsSync(path.join(runDir, RUN_FILES.events))) {
    throw new Error(`${runDir} already holds a run; choose another --run-dir`);
  }
  const run = new RunWriter(runDir);
  const runId = path.basename(runDir);
  const totalSteps = cfg.train.steps;
  let step = 0;
  const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}) =>
    run.status({ state, runId, pid: process.pid, step, totalSteps, updated: Date.now(), lastCheckpoint, ...extra });
  let lastCheckpoint: string | undefined;
  let method: T2IMethod | undefined;
  let preview: PreviewSet | undefined;

  const info = (message: string) => {
    log(message);
    run.event({ type: 'log', level: 'info', message });
  };
  const warn = (message: string) => {
    log(`warning: ${message}`);
    run.event({ type: 'log', level: 'warn', message });
  };

  try {
    log(`run folder: ${runDir}`);
    run.file(RUN_FILES.config, JSON.stringify({ source: configPath, ...cfg }, null, 2) + '\n');
    const backend = await initBackend({ choice: cfg.backend, threads: cfg.threads || undefined, log: (l: string) => info(l) });

    const t0 = Date.now();
    const ds = openDataset(cfg, { configPath, log: info, warn });
    const vocab = Vocabulary.fromCaptions(allCaptions(ds));
    run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    info(`dataset ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, vocabulary ${vocab.size} words (${Date.now() - t0} ms)`);

    const rng = new Rng(cfg.train.seed);
    method = createMethod(cfg, vocab.size, rng.fork());
    const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, rng.fork());

    run.event({
      type: 'run_started',
      version: EVENTS_VERSION,
      runId,
      method: cfg.method,
      configPath,
      backend,
      pid: process.pid,
      startStep: 0,
      totalSteps,
      imageSize: cfg.imageSize,
      lossNames: method.lossNames,
    });
    status('running');

    preview = makePreviewSet(cfg, ds, vocab, method.noiseDim);
    if (preview.unknown.length) warn(`preview captions use words the dataset never uses: ${preview.unknown.join(', ')}`);
    const layout = gridLayout(preview.captions.length, cfg.imageSize);
    if (preview.real) run.file(RUN_FILES.realGrid, tileGridPng(preview.real, layout));

    const writeSamples = () => {
      const images = method!.generate(preview!.ids, preview!.noise);
      const png = tileGridPng(toRgbBytes(images), layout);
      images.dispose();
      run.file(samplePath(step), png);
      run.file(sampleMetaPath(step), JSON.stringify({ step, ...layout, captions: preview!.captions, real: preview!.real ? RUN_FILES.realGrid : '' }) + '\n');
      run.event({ type: 'sample', step, path: samplePath(step), meta: sampleMetaPath(step) });
    };
    const writeCheckpoint = () => {
      const rel = checkpointPath(step);
      saveCheckpoint(run.resolve(rel), method!, { step, rng: { batcher: batcher.state().rng } });
      lastCheckpoint = rel;
      run.event({ type: 'checkpoint', step, path: rel });
      status('running');
    };

    writeSamples(); // step 0: what the untrained generator makes
    const deadline = cfg.train.maxMinutes > 0 ? Date.now() + cfg.train.maxMinutes * 60_000 : Infinity;
    let reason: DoneReason = 'completed';
    let stepMsTotal = 0;
    let lastStatus = Date.now();
    let sampledAt = 0;
    let checkpointedAt = -1;

    while (step < totalSteps) {
      if (opts.shouldStop?.()) {
        reason = 'stopped';
        break;
      }
      if (Date.now() >= deadline) {
        reason = 'time-limit';
        break;
      }
      const ts = performance.now();
      const batch = batcher.next(cfg.train.batchSize);
      let losses: Record<string, number>;
      try {
        losses = method.trainStep(batch);
      } finally {
        disposeBatch(batch);
      }
      const stepMs = performance.now() - ts;
      step++;
      stepMsTotal += stepMs;
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) throw new Error(`loss ${bad[0]} became ${bad[1]} at step ${step}; the last checkpoint is ${lastCheckpoint ?? 'none'}`);
      if (step % cfg.train.logEvery === 0 || step === 1) run.event({ type: 'step', step, losses, stepMs: Math.round(stepMs * 10) / 10 });
      if (step % cfg.train.sampleEvery === 0) {
        writeSamples();
        sampledAt = step;
      }
      if (step % cfg.train.checkpointEvery === 0) {
        writeCheckpoint();
        checkpointedAt = step;
      }
      if (Date.now() - lastStatus > 2000) {
        status('running');
        lastStatus = Date.now();
      }
      await nextTurn(); // let stop requests (IPC, signals) arrive
    }

    if (sampledAt !== step) writeSamples();
    if (checkpointedAt !== step) writeCheckpoint();
    const meanStepMs = step ? stepMsTotal / step : 0;
    info(`finished at step ${step} (${reason}); mean step ${meanStepMs.toFixed(1)} ms; tensors alive ${tf.memory().numTensors}`);
    run.event({ type: 'done', step, reason });
    status(reason === 'completed' ? 'completed' : 'stopped');
    return { runDir, step, reason, backend, meanStepMs };
  } catch (e) {
    const message = (e as Error).message;
    run.event({ type: 'error', message });
    run.event({ type: 'done', step, reason: 'failed' });
    status('failed', { message });
    throw e;
  } finally {
    preview && tf.dispose([preview.ids, preview.noise]);
    method?.dispose();
    run.close();
  }
}
