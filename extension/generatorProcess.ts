// One warm `t2i serve` child per config, forked like the trainer (a plain Node
// with ELECTRON_RUN_AS_NODE, never tfjs in the extension host). Hovers and the
// attention panel ask it for images; a hover that goes away cancels its request.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type * as vscode from 'vscode';
import { parseServeResponse, type ServeRequest, type ServeResponse } from '../protocol/serve';

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
  resolve: (r: ServeResult) => void;
  reject: (e: Error) => void;
}

export class GeneratorProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer?: NodeJS.Timeout;
  private readonly stderrTail: string[] = [];
  exited = false;

  constructor(cliPath: string, readonly configPath: string, private readonly log: vscode.LogOutputChannel) {
    const tag = `[serve ${path.basename(configPath)}]`;
    this.child = fork(cliPath, ['serve', configPath], {
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
    };
    this.child.on('error', (e) => gone(`failed: ${e.message}`));
    this.child.on('exit', (code, signal) => gone(`exited with ${signal ?? `code ${code}`}`));
    this.touch();
  }

  /** One image; `token` cancellation sends `cancel` and rejects with GenerateCancelled. */
  generate(caption: string, seed: number, size: number, token?: vscode.CancellationToken): Promise<ServeResult> {
    if (this.exited) return Promise.reject(new Error('generator is not running'));
    if (token?.isCancellationRequested) return Promise.reject(new GenerateCancelled());
    this.touch();
    const id = this.nextId++;
    return new Promise<ServeResult>((resolve, reject) => {
      const sub = token?.onCancellationRequested(() => {
        this.post({ id, type: 'cancel' });
        this.pending.delete(id);
        reject(new GenerateCancelled());
      });
      this.pending.set(id, {
        resolve: (r) => {
          sub?.dispose();
          resolve(r);
        },
        reject: (e) => {
          sub?.dispose();
          reject(e);
        },
      });
      this.post({ id, type: 'generate', caption, seed, size });
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
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.type === 'result') p.resolve(r);
    else if (r.type === 'cancelled') p.reject(new GenerateCancelled());
    else p.reject(new Error(r.message));
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
