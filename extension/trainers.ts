// The trainers this window started: at most one per config. Each is followed
// through its run folder (the same events the dashboard reads), which gives
// the status bar its step and losses and the error message when it fails.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { newRunId, runsRootFor } from '../models/run/layout';
import { RunTailer } from './runTailer';
import { TrainerProcess } from './trainerProcess';
import { failureMessage, Training, type TrainingEnded } from './training';

export class Trainers implements vscode.Disposable {
  private readonly byConfig = new Map<string, Training>();
  private readonly started = new vscode.EventEmitter<Training>();
  private readonly changed = new vscode.EventEmitter<Training>();
  private readonly ended = new vscode.EventEmitter<TrainingEnded>();
  /** A trainer was started (its run folder may not exist yet). */
  readonly onDidStart = this.started.event;
  /** Activity or progress of a training changed. */
  readonly onDidChange = this.changed.event;
  /** A trainer exited (after its last events were read). */
  readonly onDidEnd = this.ended.event;

  constructor(
    private readonly cliPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get(configPath: string): Training | undefined {
    return this.byConfig.get(configPath);
  }

  all(): Training[] {
    return [...this.byConfig.values()];
  }

  /** Starts a trainer for the config in a new run folder. The caller checks trust, validity and duplicates. */
  start(configPath: string): Training {
    if (this.byConfig.has(configPath)) throw new Error('already training this config');
    if (!fs.existsSync(this.cliPath)) throw new Error(`the trainer is missing (${this.cliPath}); build the extension with "npm run build"`);
    const runDir = uniqueRunDir(runsRootFor(configPath));
    const proc = new TrainerProcess(this.cliPath, configPath, runDir, this.log);
    const training = new Training(configPath, runDir, proc);
    this.byConfig.set(configPath, training);
    const tailer = new RunTailer(runDir, (events) => {
      training.apply(events);
      this.changed.fire(training);
    }).start();
    void proc.exited.then((exit) => {
      tailer.read(); // the last events, written just before exit
      tailer.dispose();
      this.byConfig.delete(configPath);
      this.ended.fire({ training, exit, failure: failureMessage(training, exit) });
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

  /** On window close or reload: stop every trainer, each with a checkpoint, within a short grace. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(this.all().map((t) => t.process.stop(graceMs)));
  }

  dispose(): void {
    for (const t of this.byConfig.values()) t.process.stop(5_000);
    this.started.dispose();
    this.changed.dispose();
    this.ended.dispose();
  }
}

/** `<root>/<run id>`, with `-2`, `-3`, … when a run already started in the same second. */
function uniqueRunDir(root: string): string {
  const id = newRunId();
  let dir = path.join(root, id);
  for (let i = 2; fs.existsSync(dir); i++) dir = path.join(root, `${id}-${i}`);
  return dir;
}
