// The trainers this window follows: at most one per config. Each is followed
// through its run folder (the same events the dashboard reads), which gives
// the status bar its step and losses and the error message when it fails.
// Trainers are detached processes recorded in workspace state, so after a
// window reload the new window re-attaches to those still running and marks
// the runs of those that died meanwhile as failed.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { newRunId, runsRootFor } from '../models/run/layout';
import { readStatus } from '../models/run/runReader';
import { hungFor, markRunFailed, markRunPausedIfHung } from './runHealth';
import { RunTailer } from './runTailer';
import { TrainerProcess, type TrainerIdentity } from './trainerProcess';
import { failureMessage, Training, type TrainingEnded } from './training';

const REGISTRY_KEY = 't2i.trainers';
const WATCHDOG_MS = 15_000;

export interface TrainersOptions {
  /** Folder for the trainers' log files (the extension's global storage). */
  logDir: string;
  /** Where running trainers are recorded across reloads (workspace state). */
  state?: vscode.Memento;
  /** Seconds without a heartbeat after which a running trainer counts as hung. */
  heartbeatTimeoutSeconds?: () => number;
}

export interface TrainingHung {
  training: Training;
  /** Seconds since its last sign of life. */
  seconds: number;
  /** Whether this check marked the run `paused` in status.json (false when it already was, or not running). */
  paused: boolean;
}

/** A trainer that ended while no window followed it. */
export interface DiedWhileAway {
  identity: TrainerIdentity;
  reason: string;
}

export class Trainers implements vscode.Disposable {
  private readonly byConfig = new Map<string, Training>();
  private readonly started = new vscode.EventEmitter<Training>();
  private readonly changed = new vscode.EventEmitter<Training>();
  private readonly ended = new vscode.EventEmitter<TrainingEnded>();
  private readonly hung = new vscode.EventEmitter<TrainingHung>();
  private readonly tailers = new Map<Training, RunTailer>();
  private readonly watchdog: NodeJS.Timeout;
  /** A trainer was started or re-attached (its run folder may not exist yet). */
  readonly onDidStart = this.started.event;
  /** Activity or progress of a training changed. */
  readonly onDidChange = this.changed.event;
  /** A trainer exited (after its last events were read). */
  readonly onDidEnd = this.ended.event;
  /** A running trainer has shown no sign of life for longer than the heartbeat timeout (once per silence). */
  readonly onDidHang = this.hung.event;

  constructor(
    private readonly cliPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly opts: TrainersOptions,
  ) {
    this.watchdog = setInterval(() => this.checkHeartbeats(), WATCHDOG_MS);
  }

  get(configPath: string): Training | undefined {
    return this.byConfig.get(configPath);
  }

  all(): Training[] {
    return [...this.byConfig.values()];
  }

  /**
   * Starts a trainer for the config in a new run folder, or continuing
   * `resumeRunDir` (a run folder of the config) from its latest checkpoint. The caller checks trust, validity
   * and duplicates.
   */
  start(configPath: string, resumeRunDir?: string): Training {
    if (this.byConfig.has(configPath)) throw new Error('already training this config');
    if (!fs.existsSync(this.cliPath)) throw new Error(`the trainer is missing (${this.cliPath}); build the extension with "npm run build"`);
    const runDir = resumeRunDir ?? uniqueRunDir(runsRootFor(configPath));
    const logFile = path.join(this.opts.logDir, `${path.basename(path.dirname(runDir))}-${path.basename(runDir)}-${Date.now()}.log`);
    const proc = TrainerProcess.spawn(this.cliPath, configPath, runDir, logFile, this.log, { resume: resumeRunDir !== undefined });
    return this.follow(proc, true);
  }

  /**
   * Re-attaches to the trainers a previous window of this workspace started
   * that still run; marks the runs of those that died meanwhile as failed.
   */
  reattach(isAliveTrainer: (id: TrainerIdentity) => boolean): DiedWhileAway[] {
    const died: DiedWhileAway[] = [];
    for (const id of this.registry()) {
      if (this.byConfig.has(id.configPath)) continue;
      if (isAliveTrainer(id)) {
        this.follow(TrainerProcess.attach(id, this.log), false);
        continue;
      }
      const status = readStatus(id.runDir);
      const reason = `The trainer (pid ${id.pid}) ended while no window was following it, without finishing${status ? ` (last status: ${status.state} at step ${status.step})` : ''}.`;
      if (markRunFailed(id.runDir, reason, id.pid)) died.push({ identity: id, reason });
      void this.unregister(id.runDir);
    }
    return died;
  }

  private follow(proc: TrainerProcess, fresh: boolean): Training {
    const configPath = proc.configPath;
    const training = new Training(configPath, proc.runDir, proc);
    this.byConfig.set(configPath, training);
    if (fresh) void this.register(proc.identity);
    const tailer = new RunTailer(proc.runDir, (events) => {
      training.apply(events);
      this.changed.fire(training);
    }).start();
    this.tailers.set(training, tailer);
    void proc.exited.then((exit) => {
      tailer.read(); // the last events, written just before exit
      tailer.dispose();
      this.tailers.delete(training);
      this.byConfig.delete(configPath);
      const failure = failureMessage(training, exit);
      // The trainer could not say so itself (killed, crashed): the run folder must.
      if (failure && markRunFailed(proc.runDir, failure, proc.pid)) this.log.warn(`[${training.runId}] marked failed: ${failure}`);
      void this.unregister(proc.runDir);
      this.ended.fire({ training, exit, failure });
    });
    this.started.fire(training);
    this.changed.fire(training);
    return training;
  }

  /** Asks the config's trainer to stop (checkpoint first); resolves when it has exited. */
  async stop(configPath: string): Promise<void> {
    const training = this.byConfig.get(configPath);
    if (!training) return;
    if (training.activity !== 'stopping') {
      training.activity = 'stopping';
      this.changed.fire(training);
    }
    await training.process.stop();
  }

  /** Stops every trainer, each with a checkpoint, within a short grace. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(this.all().map((t) => t.process.stop(graceMs)));
  }

  /**
   * For running trainers whose heartbeat is older than the timeout: marks the
   * run paused in status.json (the trainer's next write sets it running again)
   * and fires onDidHang, once per silence.
   */
  checkHeartbeats(now = Date.now()): void {
    const timeout = this.opts.heartbeatTimeoutSeconds?.() ?? 300;
    for (const t of this.byConfig.values()) {
      if (t.activity === 'stopping' || !t.process.running) continue;
      const seconds = hungFor(readStatus(t.runDir), t.lastEventAt, t.process.startedAt, timeout, now);
      if (seconds === undefined) t.hangReported = false;
      else if (!t.hangReported) {
        t.hangReported = true;
        const paused = markRunPausedIfHung(t.runDir, timeout, { now, lastEventAt: t.lastEventAt, startedAt: t.process.startedAt }) !== undefined;
        this.log.warn(`[${t.runId}] no heartbeat for ${seconds} s (timeout ${timeout} s)${paused ? '; marked paused in status.json' : ''}`);
        this.hung.fire({ training: t, seconds, paused });
      }
    }
  }

  private registry(): TrainerIdentity[] {
    const raw = this.opts.state?.get<unknown>(REGISTRY_KEY, []);
    if (!Array.isArray(raw)) return [];
    return raw.filter(
      (x): x is TrainerIdentity =>
        typeof x === 'object' && x !== null && typeof x.configPath === 'string' && typeof x.runDir === 'string' && Number.isInteger(x.pid) && x.pid > 0 && typeof x.logFile === 'string' && typeof x.startedAt === 'number',
    );
  }

  private async register(id: TrainerIdentity): Promise<void> {
    await this.opts.state?.update(REGISTRY_KEY, [...this.registry().filter((x) => x.runDir !== id.runDir), id]);
  }

  private async unregister(runDir: string): Promise<void> {
    await this.opts.state?.update(REGISTRY_KEY, this.registry().filter((x) => x.runDir !== runDir));
  }

  /** The window goes away: trainers keep running (the next window re-attaches); only following stops. */
  dispose(): void {
    clearInterval(this.watchdog);
    for (const [t, tailer] of this.tailers) {
      tailer.dispose();
      t.process.detach();
    }
    this.started.dispose();
    this.changed.dispose();
    this.ended.dispose();
    this.hung.dispose();
  }
}

/** `<root>/<run id>`, with `-2`, `-3`, … when a run already started in the same second. */
function uniqueRunDir(root: string): string {
  const id = newRunId();
  let dir = path.join(root, id);
  for (let i = 2; fs.existsSync(dir); i++) dir = path.join(root, `${id}-${i}`);
  return dir;
}
