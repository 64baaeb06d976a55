// One trainer, as a separate Node process: never inside the extension host,
// which must stay responsive and must never load tfjs. The trainer writes the
// run folder; this class only starts it, relays its output to the log, and
// stops it.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type * as vscode from 'vscode';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines of stderr, for an error message when there is no `error` event. */
  stderrTail: string[];
  stopRequested: boolean;
  /** Stop escalated to a kill because the trainer did not finish in time. */
  killed: boolean;
}

const STDERR_LINES = 40;

export class TrainerProcess {
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private killTimer?: NodeJS.Timeout;
  private stopRequested = false;
  private killed = false;
  readonly exited: Promise<TrainerExit>;

  constructor(
    cliPath: string,
    readonly configPath: string,
    readonly runDir: string,
    log: vscode.LogOutputChannel,
  ) {
    const tag = `[${path.basename(runDir)}]`;
    this.child = fork(cliPath, ['train', configPath, '--run-dir', runDir], {
      cwd: path.dirname(configPath),
      // In VS Code desktop process.execPath is Electron; this makes it a plain Node.
      execPath: process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // Not the extension host's flags (inspector ports, heap limits).
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    log.info(`${tag} started trainer pid ${this.child.pid}: train ${configPath} --run-dir ${runDir}`);
    readline.createInterface({ input: this.child.stdout! }).on('line', (l) => log.info(`${tag} ${l}`));
    readline.createInterface({ input: this.child.stderr! }).on('line', (l) => {
      log.warn(`${tag} ${l}`);
      this.stderrTail.push(l);
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
    });
    this.exited = new Promise((resolve) => {
      let spawnError: Error | undefined;
      this.child.on('error', (err) => {
        spawnError = err;
        log.error(`${tag} ${err.message}`);
        // 'exit' may never come when the process could not be spawned.
        if (this.child.pid === undefined) resolve(this.exitInfo(null, null, err));
      });
      this.child.on('exit', (code, signal) => {
        clearTimeout(this.killTimer);
        log.info(`${tag} trainer exited with ${signal ?? `code ${code}`}`);
        resolve(this.exitInfo(code, signal, spawnError));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Asks the trainer to stop: it finishes the current step, writes a checkpoint
   * and exits. If it has not exited after `graceMs`, it is killed.
   */
  stop(graceMs = 20_000): Promise<TrainerExit> {
    if (!this.stopRequested && this.running) {
      this.stopRequested = true;
      // The IPC message and SIGTERM mean the same to the trainer; the message also works on Windows.
      let sent = false;
      try {
        if (this.child.connected) {
          this.child.send({ type: 'stop' });
          sent = true;
        }
      } catch {
        // channel closed between the check and the send
      }
      if (!sent) this.child.kill('SIGTERM');
      this.killTimer = setTimeout(() => this.kill(), graceMs);
    }
    return this.exited;
  }

  /** Kills at once, without a checkpoint. */
  kill(): void {
    if (!this.running) return;
    this.killed = true;
    this.child.kill('SIGKILL');
  }

  private exitInfo(code: number | null, signal: NodeJS.Signals | null, err?: Error): TrainerExit {
    const stderrTail = err ? [...this.stderrTail, err.message] : [...this.stderrTail];
    return { code, signal, stderrTail, stopRequested: this.stopRequested, killed: this.killed };
  }
}
