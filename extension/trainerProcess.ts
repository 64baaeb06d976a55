// One trainer, as a separate Node process: never inside the extension host,
// which must stay responsive and must never load tfjs. The trainer writes the
// run folder; this class only starts it (or re-attaches to one a previous
// window started), relays its log, and stops it.
//
// The trainer is detached, with its output going to a log file and no IPC
// channel, so a window reload does not stop it: the next window re-attaches
// by pid (see trainers.ts). Stop is SIGTERM, on which the trainer finishes
// the step, writes a checkpoint and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type * as vscode from 'vscode';
import { LogFileTail } from './logFileTail';
import { isAlive } from './pid';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines of the trainer's output, for an error message when there is no `error` event. */
  stderrTail: string[];
  stopRequested: boolean;
  /** Stop escalated to a kill because the trainer did not finish in time. */
  killed: boolean;
  /** A re-attached trainer: it ended, but its exit code was not observable. */
  unobserved?: boolean;
}

/** What identifies a running trainer across window reloads. */
export interface TrainerIdentity {
  configPath: string;
  runDir: string;
  pid: number;
  logFile: string;
  startedAt: number;
}

type Log = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;

export class TrainerProcess {
  private child?: ChildProcess;
  private readonly tail: LogFileTail;
  private killTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private stopRequested = false;
  private killed = false;
  private ended = false;
  readonly exited: Promise<TrainerExit>;
  readonly pid: number | undefined;
  readonly startedAt: number;

  /** Starts `t2i train` for a config into `runDir` (or `--resume runDir`), output to `logFile`. */
  static spawn(cliPath: string, configPath: string, runDir: string, logFile: string, log: Log, opts: { resume?: boolean } = {}): TrainerProcess {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    const args = opts.resume ? ['train', '--resume', runDir] : ['train', configPath, '--run-dir', runDir];
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [cliPath, ...args], {
        cwd: path.dirname(configPath),
        // In VS Code desktop process.execPath is Electron; this makes it a plain Node.
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', out, out],
        // Its own process group: it outlives a window reload.
        detached: true,
        windowsHide: true,
      });
    } finally {
      fs.closeSync(out);
    }
    child.unref();
    log.info(`[${path.basename(runDir)}] started trainer pid ${child.pid}: ${args.join(' ')} (log ${logFile})`);
    return new TrainerProcess({ configPath, runDir, pid: child.pid ?? 0, logFile, startedAt: Date.now() }, log, child);
  }

  /** Follows a trainer a previous window started, by pid. */
  static attach(id: TrainerIdentity, log: Log): TrainerProcess {
    log.info(`[${path.basename(id.runDir)}] re-attached to trainer pid ${id.pid}`);
    return new TrainerProcess(id, log);
  }

  private constructor(readonly identity: TrainerIdentity, log: Log, child?: ChildProcess) {
    this.child = child;
    this.pid = child ? child.pid : identity.pid;
    this.startedAt = identity.startedAt;
    const tag = `[${path.basename(identity.runDir)}]`;
    this.tail = new LogFileTail(identity.logFile, (l) => (/\b(error|exception|failed)\b|^t2i:/i.test(l) ? log.warn(`${tag} ${l}`) : log.info(`${tag} ${l}`)), !child).start();
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, unobserved = false, err?: Error) => {
        if (this.ended) return;
        this.ended = true;
        clearTimeout(this.killTimer);
        clearInterval(this.pollTimer);
        this.tail.flush();
        this.tail.dispose();
        log.info(`${tag} trainer ${unobserved ? 'is gone' : `exited with ${signal ?? `code ${code}`}`}`);
        const stderrTail = err ? [...this.tail.recent, err.message] : [...this.tail.recent];
        resolve({ code, signal, stderrTail, stopRequested: this.stopRequested, killed: this.killed, ...(unobserved ? { unobserved } : {}) });
      };
      if (child) {
        child.on('error', (err) => {
          log.error(`${tag} ${err.message}`);
          // 'exit' may never come when the process could not be spawned.
          if (child.pid === undefined) finish(null, null, false, err);
        });
        child.on('exit', (code, signal) => finish(code, signal));
      } else {
        const check = () => {
          if (!isAlive(this.pid)) finish(null, null, true);
        };
        this.pollTimer = setInterval(check, 1000);
        check();
      }
    });
  }

  get configPath(): string {
    return this.identity.configPath;
  }

  get runDir(): string {
    return this.identity.runDir;
  }

  get logFile(): string {
    return this.identity.logFile;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  get running(): boolean {
    if (this.ended) return false;
    if (this.child) return this.child.exitCode === null && this.child.signalCode === null;
    return isAlive(this.pid);
  }

  /**
   * Asks the trainer to stop: it finishes the current step, writes a checkpoint
   * and exits. If it has not exited after `graceMs`, it is killed.
   */
  stop(graceMs = 20_000): Promise<TrainerExit> {
    if (!this.stopRequested && this.running) {
      this.stopRequested = true;
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => this.kill(), graceMs);
    }
    return this.exited;
  }

  /** Kills at once, without a checkpoint. */
  kill(): void {
    if (!this.running) return;
    this.killed = true;
    this.signal('SIGKILL');
  }

  /** Stops following the trainer without stopping it (window closing). */
  detach(): void {
    this.tail.dispose();
    clearInterval(this.pollTimer);
    this.child?.removeAllListeners();
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (this.child) this.child.kill(sig);
      else if (this.pid) process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }
}
