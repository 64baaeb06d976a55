// What every training job shares, GAN or encoder pretraining: the run folder,
// the backend, the step loop with its stop conditions (steps, time limit, a
// stop request), the NaN guard (stop, or roll back to the last checkpoint),
// status updates with a heartbeat, checkpoints, and the `done`/`error`
// bookkeeping. Jobs supply only their model and schedule.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isTrainingState, type BackendChoice, type BackendInfo, type DoneReason, type RunStatus } from '../../protocol/events';
import { EVENTS_VERSION } from '../../protocol/events';
import { initBackend } from '../backend/select';
import type { T2IConfig } from '../config/config';
import { checkpointPath, RUN_FILES } from '../run/layout';
import { latestCheckpointFile, readStatus } from '../run/runReader';
import { freshRunDir, RunWriter } from '../run/runWriter';
import { removeStaleTempFiles } from '../run/staleTempFiles';
import { readCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint';
import { lossPoisoner } from './faultInjection';
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
  /** Rewrites status.json's heartbeat if it is due; long work inside a step (evaluation) calls it. */
  heartbeat(): void;
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
  /** The factor on every learning rate; the NaN guard's rollback lowers it. Undefined: rollback unsupported. */
  learningRateScale?: number;
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

/** True when a process with this id exists (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    const prior = readStatus(runDir);
    // Paused (the host saw no heartbeat for a while) still means a live trainer may own it.
    if (prior && isTrainingState(prior.state) && prior.pid !== process.pid && processAlive(prior.pid)) {
      throw new Error(`${runDir} is still being trained by process ${prior.pid}; stop it before resuming`);
    }
    const file = latestCheckpointFile(runDir);
    if (!file) throw new Error(`${runDir} has no checkpoint to resume from`);
    try {
      resumeFrom = { file, meta: readCheckpoint(file).meta }; // nothing is written yet
    } catch (e) {
      throw new Error(`${(e as Error).message}; nothing was changed (to resume from an earlier checkpoint, move this one out of ${RUN_FILES.checkpointsDir}/)`);
    }
  } else if (fs.existsSync(path.join(runDir, RUN_FILES.events))) {
    throw new Error(`${runDir} already holds a run; choose another --run-dir, or --resume it`);
  }

  const removedTemp = resumeFrom ? removeStaleTempFiles(runDir) : [];
  const run = new RunWriter(runDir);
  const runId = path.basename(runDir);
  const { totalSteps } = schedule;
  let step = resumeFrom?.meta.step ?? 0;
  let lastCheckpoint: string | undefined;
  const heartbeatSeconds = cfg.train.heartbeatSeconds;
  // Twice per promised interval (at most every 2 s), so a late write is still on time.
  const beatMs = Math.min(2000, heartbeatSeconds * 500);
  let lastBeat = 0;
  let stepMsTotal = 0;
  let timedSteps = 0;
  const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}) => {
    const now = Date.now();
    lastBeat = now;
    const meanStepMs = timedSteps ? Math.round(stepMsTotal / timedSteps) : undefined;
    run.status({ state, runId, pid: process.pid, step, totalSteps, updated: now, lastCheckpoint, heartbeatAt: new Date(now).toISOString(), heartbeatSeconds, meanStepMs, ...extra });
  };
  const heartbeat = () => {
    if (Date.now() - lastBeat >= beatMs) status('running');
  };
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
    status('running'); // the first heartbeat, before the backend and dataset load
    if (run.tornTailBytes) warn(`${RUN_FILES.events} ended in a torn line (${run.tornTailBytes} bytes, from a killed trainer); readers skip it`);
    if (removedTemp.length) warn(`removed unfinished temp files of a killed trainer: ${removedTemp.join(', ')}`);
    if (!resumeFrom) run.file(RUN_FILES.config, JSON.stringify({ source: configPath, ...cfg }, null, 2) + '\n');
    const backend = await initBackend({ choice: cfg.backend, threads: cfg.threads || undefined, log: info });
    const ctx: SessionContext = {
      cfg, configPath, run, backend, info, warn, heartbeat,
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
    const started = (resumedFrom?: { checkpoint: string; reason: 'resume' | 'rollback' }) => run.event({
      type: 'run_started', version: EVENTS_VERSION, runId, method: job!.method, configPath, backend, pid: process.pid,
      startStep: step, totalSteps, imageSize: cfg.imageSize, lossNames: job!.lossNames,
      ...(resumedFrom ? { resumedFrom: { step, ...resumedFrom } } : {}),
    });
    if (resumeFrom) {
      if (!job.restore) throw new Error(`resuming a "${job.method}" run is not supported yet`);
      job.restore(resumeFrom.file, resumeFrom.meta);
      step = resumeFrom.meta.step;
      lastCheckpoint = path.relative(runDir, resumeFrom.file).split(path.sep).join('/');
      info(`resumed from ${lastCheckpoint} (step ${step})`);
      started({ checkpoint: lastCheckpoint, reason: 'resume' });
    } else started();
    status('running');
    if (!resumeFrom) job.begin?.();

    const guard = cfg.train.nanGuard;
    let rollbacks = 0;
    const poison = lossPoisoner();
    /** Reloads the last checkpoint with lower learning rates; false when the guard says stop. */
    const rollBack = (what: string): boolean => {
      const scale = job!.learningRateScale;
      if (guard.action !== 'rollback' || !lastCheckpoint || !job!.restore || scale === undefined || rollbacks >= guard.maxRollbacks) return false;
      rollbacks++;
      const file = run.resolve(lastCheckpoint);
      const meta = readCheckpoint(file).meta;
      job!.restore(file, meta);
      job!.learningRateScale = scale * guard.lrFactor;
      step = meta.step;
      run.event({
        type: 'log', level: 'error',
        message: `${what}; rolled back to ${lastCheckpoint} (step ${step}) with learning rates ×${job!.learningRateScale} of the config's (rollback ${rollbacks} of ${guard.maxRollbacks})`,
      });
      log(`warning: ${what}; rolled back to ${lastCheckpoint}`);
      started({ checkpoint: lastCheckpoint, reason: 'rollback' });
      status('running');
      return true;
    };

    const deadline = schedule.maxMinutes > 0 ? Date.now() + schedule.maxMinutes * 60_000 : Infinity;
    const logEvery = schedule.logEvery ?? 1;
    let reason: DoneReason = 'completed';
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
      const losses = poison(step + 1, job.step());
      const stepMs = performance.now() - ts;
      step++;
      stepMsTotal += stepMs;
      timedSteps++;
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        // Before afterStep: no checkpoint or sample is ever written from this state.
        const what = `loss ${bad[0]} became ${bad[1]} at step ${step}`;
        if (rollBack(what)) continue;
        const why = guard.action !== 'rollback' ? ''
          : !lastCheckpoint ? ' before the first checkpoint (nothing to roll back to)'
          : job.learningRateScale === undefined || !job.restore ? ` (a "${job.method}" run cannot roll back)`
          : ` after ${rollbacks} rollbacks`;
        throw new Error(`${what}${why}; the last good checkpoint is ${lastCheckpoint ?? 'none'}`);
      }
      if (step % logEvery === 0 || step === 1) run.event({ type: 'step', step, losses, stepMs: Math.round(stepMs * 10) / 10 });
      job.afterStep(step);
      heartbeat();
      await nextTurn(); // let stop requests (IPC, signals) arrive
    }
    job.finish(step);
    const meanStepMs = timedSteps ? stepMsTotal / timedSteps : 0;
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
