// One warm `t2i serve` child per config, forked like the trainer (a plain Node
// with ELECTRON_RUN_AS_NODE, never tfjs in the extension host). Hovers and the
// attention panel ask it for images; a hover that goes away cancels its request.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type * as vscode from 'vscode';
import { parseServeResponse, type ServeRequest, type ServeResponse, type ServeStats } from '../protocol/serve';

export type ServeResult = Extract<ServeResponse, { type: 'result' }>;

/** Why a request ended without a result. */
export class GenerateCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** A generator idle this long is stopped (it holds a model in memory). */
const IDLE_MS = 10 * 60_000;

interface Pending {
  resolve: (r: ServeResponse) => void;
  reject: (e: Error) => void;
}

export class GeneratorProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer?: NodeJS.Timeout;
  private readonly stderrTail: string[] = [];
  exited = false;

  constructor(cliPath: string, readonly configPath: string, private readonly log: Pick<vscode.LogOutputChannel, 'info'>, extraArgs: string[] = []) {
    const tag = `[serve ${path.basename(configPath)}]`;
    this.child = fork(cliPath, ['serve', configPath, ...extraArgs], {
      cwd: path.dirname(configPath),
      execPath: process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    log.info(`${tag} started generator pid ${this.child.pid}`);
    readline.createInterface({ input: this.child.stderr! }).on('line', (l) => {
      log.info(`${tag} ${l}`);
      this.stderrTail.push(l);
      if (this.stderrTail.length > 10) this.stderrTail.shift();
    });
    this.child.on('message', (m) => this.onMessage(m));
    const gone = (why: string) => {
      if (this.exited) return;
      this.exited = true;
      clearTimeout(this.idleTimer);
      log.info(`${tag} generator ${why}`);
      const reason = this.stderrTail.filter((l) => l.startsWith('t2i')).pop() ?? `generator ${why}`;
      for (const p of this.pending.values()) p.reject(new Error(reason));
      this.pending.clear();
      this.unsent.length = 0;
    };
    this.child.on('error', (e) => gone(`failed: ${e.message}`));
    this.child.on('exit', (code, signal) => gone(`exited with ${signal ?? `code ${code}`}`));
    this.touch();
  }

  /**
   * One image; `token` cancellation rejects with GenerateCancelled. One
   * request is with the server at a time and the rest wait here, so a
   * request cancelled before its turn (a hover the mouse already left) never
   * reaches the server; one cancelled at the server is dropped there unless
   * its work has begun. `checkpoint` pins a checkpoint file name of the run
   * (the attention panel's picker); without it the latest is used.
   */
  generate(caption: string, seed: number, size: number, token?: vscode.CancellationToken, checkpoint?: string): Promise<ServeResult> {
    if (this.exited) return Promise.reject(new Error('generator is not running'));
    if (token?.isCancellationRequested) return Promise.reject(new GenerateCancelled());
    this.touch();
    const id = this.nextId++;
    return new Promise<ServeResult>((resolve, reject) => {
      const sub = token?.onCancellationRequested(() => {
        if (!this.pending.delete(id)) return;
        const waiting = this.unsent.findIndex((r) => r.id === id);
        if (waiting >= 0) this.unsent.splice(waiting, 1);
        else this.post({ id, type: 'cancel' });
        reject(new GenerateCancelled());
      });
      this.pending.set(id, {
        resolve: (r) => {
          sub?.dispose();
          if (r.type === 'result') resolve(r);
          else reject(new Error(`unexpected ${r.type} response`));
        },
        reject: (e) => {
          sub?.dispose();
          reject(e);
        },
      });
      this.unsent.push({ id, type: 'generate', caption, seed, size, ...(checkpoint ? { checkpoint } : {}) });
      this.sendNext();
    });
  }

  /** Generate requests waiting for their turn, oldest first. */
  private readonly unsent: Extract<ServeRequest, { type: 'generate' }>[] = [];
  /** Generate requests that reached the server (the rest were cancelled while waiting here). */
  sentGenerates = 0;
  /** The generate request with the server (answered or not), if any. */
  private atServer?: number;

  private sendNext(): void {
    if (this.atServer !== undefined || this.exited) return;
    const next = this.unsent.shift();
    if (!next) return;
    this.atServer = next.id;
    this.sentGenerates++;
    this.post(next);
  }

  /** Requests made and not yet answered or cancelled (waiting here or at the server). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The server's counters: how many images it really generated, how many requests it dropped unworked. */
  stats(): Promise<ServeStats> {
    if (this.exited) return Promise.reject(new Error('generator is not running'));
    const id = this.nextId++;
    return new Promise<ServeStats>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (r) => (r.type === 'stats' ? resolve(r) : reject(new Error(`unexpected ${r.type} response`))),
        reject,
      });
      this.post({ id, type: 'stats' });
    });
  }

  private post(req: ServeRequest): void {
    try {
      if (this.child.connected) this.child.send(req);
    } catch {
      // exiting; 'exit' rejects what is pending
    }
  }

  private onMessage(m: unknown): void {
    const r = parseServeResponse(m);
    if (!r) return;
    if (r.type === 'ready') {
      this.log.info(`[serve ${path.basename(this.configPath)}] ready: ${r.method} step ${r.step}${r.hasAttention ? ', with attention' : ''}`);
      return;
    }
    if (r.id === this.atServer) {
      this.atServer = undefined;
      this.sendNext();
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.type === 'cancelled') p.reject(new GenerateCancelled());
    else if (r.type === 'error') p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.dispose(), IDLE_MS);
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    if (!this.exited) this.child.kill();
  }
}

/** The generators of this window, one per config, started on first use. */
export class Generators implements vscode.Disposable {
  private readonly procs = new Map<string, GeneratorProcess>();

  constructor(private readonly cliPath: string, private readonly log: vscode.LogOutputChannel) {}

  get(configPath: string): GeneratorProcess {
    let p = this.procs.get(configPath);
    if (!p || p.exited) {
      p = new GeneratorProcess(this.cliPath, configPath, this.log);
      this.procs.set(configPath, p);
    }
    return p;
  }

  dispose(): void {
    for (const p of this.procs.values()) p.dispose();
    this.procs.clear();
  }
}
