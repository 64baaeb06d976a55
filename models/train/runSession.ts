// What every training job shares, GAN or encoder pretraining: the run folder,
// the backend, the step loop with its stop conditions (steps, time limit, a
// stop request, a non-finite loss), status updates, checkpoints, and the
// `done`/`error` bookkeeping. Jobs supply only their model and schedule.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, BackendInfo, DoneReason, RunStatus } from '../../protocol/events';
import { EVENTS_VERSION } from '../../protocol/events';
import { initBackend } from '../backend/select';
import type { T2IConfig } from '../config/config';
import { checkpointPath, RUN_FILES } from '../run/layout';
import { latestCheckpointFile } from '../run/runReader';
import { freshRunDir, RunWriter } from '../run/runWriter';
import { readCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint';
import type { Checkpointable } from './method';

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
  /** A run folder to continue from its latest checkpoint (its config snapshot, not the config file, is used). */
  resume?: string;
}

export interface TrainResult {
  runDir: string;
  step: number;
  reason: DoneReason;
  backend: BackendInfo;
  meanStepMs: number;
}

/** What a job can use while it sets up and runs. */
export interface SessionContext {
  readonly cfg: T2IConfig;
  readonly configPath: string;
  readonly run: RunWriter;
  readonly backend: BackendInfo;
  info(message: string): void;
  warn(message: string): void;
  /** Saves `model` at `step` atomically with the job's resume state, appends the event, updates status. */
  checkpoint(step: number, model: Checkpointable, resume: Record<string, unknown>): string;
}

export interface TrainingJob {
  readonly method: string;
  readonly lossNames: string[];
  /** Runs once after `run_started` of a new run (e.g. the step-0 sample grid). */
  begin?(): void;
  /** Resuming: load the checkpoint and the resume state saved with it. */
  restore?(file: string, meta: CheckpointMeta): void;
  /** One training step; returns each loss. */
  step(): Record<string, number>;
  /** After step n: samples, evaluations, checkpoints due on the job's schedule. */
  afterStep(n: number): void;
  /** At the end (any reason but failure): what the schedule has not yet written for step n. */
  finish(n: number): void;
  dispose(): void;
}

export interface SessionSchedule {
  totalSteps: number;
  /** 0 means no time limit. */
  maxMinutes: number;
  /** Write a `step` event every N steps (and always at step 1). */
  logEvery?: number;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export async function runSession(
  opts: TrainOptions,
  cfg: T2IConfig,
  schedule: SessionSchedule,
  prepare: (ctx: SessionContext) => TrainingJob,
): Promise<TrainResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const configPath = path.resolve(opts.configPath);
  if (opts.backend) cfg.backend = opts.backend;
  if (opts.threads !== undefined) cfg.threads = opts.threads;
  const runDir = path.resolve(opts.resume ?? opts.runDir ?? freshRunDir(configPath));
  let resumeFrom: { file: string; meta: CheckpointMeta } | undefined;
  if (opts.resume) {
    if (!fs.existsSync(path.join(runDir, RUN_FILES.events))) throw new Error(`${runDir} is not a run folder (no ${RUN_FILES.events})`);
    const file = latestCheckpointFile(runDir);
    if (!file) throw new Error(`${runDir} has no checkpoint to resume from`);
    resumeFrom = { file, meta: readCheckpoint(file).meta };
  } else if (fs.existsSync(path.join(runDir, RUN_FILES.events))) {
    throw new Error(`${runDir} already holds a run; choose another --run-dir, or --resume it`);
  }

  const run = new RunWriter(runDir);
  const runId = path.basename(runDir);
  const { totalSteps } = schedule;
  let step = 0;
  let lastCheckpoint: string | undefined;
  const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}) =>
    run.status({ state, runId, pid: process.pid, step, totalSteps, updated: Date.now(), lastCheckpoint, ...extra });
  const info = (message: string) => {
    log(message);
    run.event({ type: 'log', level: 'info', message });
  };
  const warn = (message: string) => {
    log(`warning: ${message}`);
    run.event({ type: 'log', level: 'warn', message });
  };
  let job: TrainingJob | undefined;
  try {
    log(`run folder: ${runDir}`);
    if (!resumeFrom) run.file(RUN_FILES.config, JSON.stringify({ source: configPath, ...cfg }, null, 2) + '\n');
    const backend = await initBackend({ choice: cfg.backend, threads: cfg.threads || undefined, log: info });
    const ctx: SessionContext = {
      cfg, configPath, run, backend, info, warn,
      checkpoint(at, model, resume) {
        const rel = checkpointPath(at);
        saveCheckpoint(run.resolve(rel), model, { step: at, resume });
        lastCheckpoint = rel;
        run.event({ type: 'checkpoint', step: at, path: rel });
        status('running');
        return rel;
      },
    };
    job = prepare(ctx);
    if (resumeFrom) {
      if (!job.restore) throw new Error(`resuming a "${job.method}" run is not supported yet`);
      job.restore(resumeFrom.file, resumeFrom.meta);
      step = resumeFrom.meta.step;
      lastCheckpoint = path.relative(runDir, resumeFrom.file).split(path.sep).join('/');
      info(`resumed from ${lastCheckpoint} (step ${step})`);
    }
    run.event({
      type: 'run_started', version: EVENTS_VERSION, runId, method: job.method, configPath, backend, pid: process.pid,
      startStep: step, totalSteps, imageSize: cfg.imageSize, lossNames: job.lossNames,
    });
    status('running');
    if (!resumeFrom) job.begin?.();

    const deadline = schedule.maxMinutes > 0 ? Date.now() + schedule.maxMinutes * 60_000 : Infinity;
    const logEvery = schedule.logEvery ?? 1;
    let reason: DoneReason = 'completed';
    let stepMsTotal = 0;
    let lastStatus = Date.now();
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
      const losses = job.step();
      const stepMs = performance.now() - ts;
      step++;
      stepMsTotal += stepMs;
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) throw new Error(`loss ${bad[0]} became ${bad[1]} at step ${step}; the last checkpoint is ${lastCheckpoint ?? 'none'}`);
      if (step % logEvery === 0 || step === 1) run.event({ type: 'step', step, losses, stepMs: Math.round(stepMs * 10) / 10 });
      job.afterStep(step);
      if (Date.now() - lastStatus > 2000) {
        status('running');
        lastStatus = Date.now();
      }
      await nextTurn(); // let stop requests (IPC, signals) arrive
    }
    job.finish(step);
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
    job?.dispose();
    run.close();
  }
}
