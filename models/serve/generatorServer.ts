// `t2i serve <config-or-run-dir>`: a warm generator for hovers and the
// attention panel. It loads the latest checkpoint once, answers `generate`
// requests one at a time (a queued request can be cancelled and then costs
// nothing), reloads when a newer checkpoint appears or a request pins another
// checkpoint of the run, and caches results per (caption, checkpoint, seed,
// size). See protocol/serve.ts for the messages.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../protocol/events';
import {
  isCheckpointName, parseServeRequest, SERVE_DEFAULT_SIZE, type ServeAttention, type ServeRequest, type ServeResponse,
} from '../../protocol/serve';
import { initBackend } from '../backend/select';
import { RUN_FILES } from '../run/layout';
import { loadCheckpoint } from '../train/checkpoint';
import { encodePng } from '../data/png';
import { Rng } from '../data/rng';
import { buildAttentionExport } from '../train/attentionExport';
import { latestCheckpoint, loadRun, resolveRunDir, type LoadedRun } from '../train/sample';
import { toRgbBytes } from '../train/sampleGrid';

type GenerateRequest = Extract<ServeRequest, { type: 'generate' }>;
type ResultResponse = Extract<ServeResponse, { type: 'result' }>;

const CACHE_LIMIT = 256;

/** Nearest-neighbour upscale of an RGB image by an integer factor. */
export function upscaleNearest(px: Uint8Array, size: number, factor: number): Uint8Array {
  if (factor === 1) return px;
  const out = new Uint8Array(size * factor * size * factor * 3);
  const W = size * factor;
  for (let y = 0; y < W; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < W; x++) {
      const s = (sy * size + Math.floor(x / factor)) * 3;
      const d = (y * W + x) * 3;
      out[d] = px[s];
      out[d + 1] = px[s + 1];
      out[d + 2] = px[s + 2];
    }
  }
  return out;
}

/** Thumbnail side for an image of `imageSize` capped at `max`: an integer multiple when it fits, else the image itself. */
export function thumbnailFactor(imageSize: number, max: number): number {
  return Math.max(1, Math.floor(max / imageSize));
}

/**
 * The file of a checkpoint a request pins, inside `runDir`'s checkpoints
 * folder; throws for anything but an existing `step-NNNNNN.safetensors` there.
 */
export function pinnedCheckpoint(runDir: string, name: string): string {
  if (!isCheckpointName(name)) throw new Error(`"${name}" is not a checkpoint name (step-NNNNNN.safetensors)`);
  const file = path.join(runDir, RUN_FILES.checkpointsDir, name);
  if (!fs.existsSync(file)) throw new Error(`checkpoint ${name} is not in ${path.join(runDir, RUN_FILES.checkpointsDir)}`);
  return file;
}

export interface GeneratorServerOptions {
  /** A `*.t2i.json` config (its latest run is used, and followed) or a run folder. */
  target: string;
  log?: (line: string) => void;
}

export class GeneratorServer {
  private run?: LoadedRun;
  private runDir?: string;
  private readonly queue: GenerateRequest[] = [];
  private readonly cache = new Map<string, Omit<ResultResponse, 'id' | 'cached' | 'ms'>>();
  private busy = false;
  private closed = false;
  private readonly log: (line: string) => void;
  /** Counters, for tests and logs. */
  readonly stats = { generated: 0, cacheHits: 0, cancelled: 0, loads: 0 };

  constructor(
    private readonly opts: GeneratorServerOptions,
    private readonly send: (r: ServeResponse) => void,
  ) {
    this.log = opts.log ?? (() => {});
  }

  get step(): number | undefined {
    return this.run?.step;
  }

  get checkpoint(): string | undefined {
    return this.run?.checkpoint;
  }

  /** Loads the latest checkpoint now (the backend must be initialised) and announces it. */
  async start(): Promise<void> {
    await this.ensureLatest();
    const r = this.run!;
    this.send({
      type: 'ready', runDir: r.runDir, step: r.step, method: r.cfg.method, imageSize: r.cfg.imageSize,
      hasAttention: typeof r.method.attention === 'function',
    });
  }

  /** Takes one message (already parsed JSON); malformed ones get an error when they carry an id. */
  handle(msg: unknown): void {
    const req = parseServeRequest(msg);
    if (!req) {
      const id = (msg as { id?: unknown })?.id;
      this.send({ id: typeof id === 'number' ? id : -1, type: 'error', message: 'malformed request' });
      return;
    }
    if (req.type === 'stats') {
      this.send({ id: req.id, type: 'stats', ...this.stats, queued: this.queue.length });
      return;
    }
    if (req.type === 'cancel') {
      const i = this.queue.findIndex((q) => q.id === req.id);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.stats.cancelled++;
        this.send({ id: req.id, type: 'cancelled' });
      } else this.cancelledInFlight.add(req.id);
      return;
    }
    this.queue.push(req);
    void this.pump();
  }

  private readonly cancelledInFlight = new Set<number>();

  /** Resolves when the queue is empty and nothing is being generated. */
  async idle(): Promise<void> {
    while (this.busy || this.queue.length) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.run?.method.dispose();
    this.run = undefined;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Let cancels that arrived in the same tick as their request land first.
      await new Promise((r) => setImmediate(r));
      for (let req = this.queue.shift(); req && !this.closed; req = this.queue.shift()) {
        const t0 = performance.now();
        let response: ServeResponse;
        try {
          const { result, cached } = await this.generate(req);
          response = { id: req.id, ...result, cached, ms: Math.round((performance.now() - t0) * 10) / 10 };
        } catch (e) {
          response = { id: req.id, type: 'error', message: (e as Error).message ?? String(e) };
        }
        if (this.cancelledInFlight.delete(req.id)) response = { id: req.id, type: 'cancelled' };
        this.send(response);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.busy = false;
      this.cancelledInFlight.clear();
    }
  }

  /** (Re)loads when the target's latest run or the wanted checkpoint (latest, or `pinned`) changed. */
  private ensureLatest(pinned?: string): Promise<LoadedRun> {
    // One load at a time: start() and the first request may ask together.
    const next = this.loading.then(() => this.loadIfNewer(pinned));
    this.loading = next.catch(() => undefined);
    return next;
  }

  private loading: Promise<unknown> = Promise.resolve();

  private async loadIfNewer(pinned?: string): Promise<LoadedRun> {
    const runDir = resolveRunDir(this.opts.target);
    const checkpoint = pinned ? pinnedCheckpoint(runDir, pinned) : latestCheckpoint(runDir);
    if (this.run && this.runDir === runDir && this.run.checkpoint === checkpoint) return this.run;
    const next = await loadRun(runDir, this.log);
    if (next.checkpoint !== checkpoint) {
      // loadRun took the latest; an older one is loaded over it into the fresh model, never into the served one.
      try {
        next.step = loadCheckpoint(checkpoint, next.method).step;
        next.checkpoint = checkpoint;
      } catch (e) {
        next.method.dispose();
        throw e;
      }
    }
    this.run?.method.dispose();
    this.run = next;
    this.runDir = runDir;
    this.stats.loads++;
    this.log(`loaded ${path.basename(next.checkpoint)} (step ${next.step}) of ${runDir}`);
    return next;
  }

  /** The checkpoint file a request would be served from, or undefined when that cannot be told without loading. */
  private wantedCheckpoint(pinned?: string): string | undefined {
    try {
      const runDir = resolveRunDir(this.opts.target);
      return pinned ? pinnedCheckpoint(runDir, pinned) : latestCheckpoint(runDir);
    } catch {
      return undefined;
    }
  }

  private cacheGet(key: string): Omit<ResultResponse, 'id' | 'cached' | 'ms'> | undefined {
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    this.stats.cacheHits++;
    this.cache.delete(key);
    this.cache.set(key, hit);
    return hit;
  }

  private async generate(req: GenerateRequest): Promise<{ result: Omit<ResultResponse, 'id' | 'cached' | 'ms'>; cached: boolean }> {
    const size = req.size ?? SERVE_DEFAULT_SIZE;
    const keyFor = (checkpoint: string) => JSON.stringify([checkpoint, req.seed, size, req.caption.trim().toLowerCase()]);
    // Look in the cache before (re)loading: hovers (latest) and a pinned panel take turns without reloads.
    const wanted = this.wantedCheckpoint(req.checkpoint);
    const early = wanted && this.cacheGet(keyFor(wanted));
    if (early) return { result: early, cached: true };
    const run = await this.ensureLatest(req.checkpoint);
    const key = keyFor(run.checkpoint);
    const hit = this.cacheGet(key);
    if (hit) return { result: hit, cached: true };
    const maxWords = run.cfg.text.maxWords;
    const enc = run.vocab.encode(req.caption, maxWords);
    const rng = new Rng(req.seed);
    const noise = Float32Array.from({ length: run.method.noiseDim }, () => rng.normal());
    const ids = tf.tensor2d(enc.ids, [1, maxWords], 'int32');
    const z = tf.tensor2d(noise, [1, run.method.noiseDim]);
    let attention: ServeAttention | undefined;
    let px: Uint8Array;
    try {
      const images = tf.tidy(() => run.method.generate(ids, z));
      px = toRgbBytes(images)[0];
      images.dispose();
      if (run.method.attention) {
        const stages = run.method.attention(ids, z);
        try {
          const exp = buildAttentionExport(run.step, ids, stages, run.vocab);
          attention = { words: exp.words[0] ?? [], stages: exp.stages.map((s) => ({ name: s.name, size: s.size, maps: s.maps[0] ?? [] })) };
        } finally {
          for (const s of stages) s.weights.dispose();
        }
      }
    } finally {
      ids.dispose();
      z.dispose();
    }
    this.stats.generated++;
    const S = run.cfg.imageSize;
    const factor = thumbnailFactor(S, size);
    const png = encodePng(upscaleNearest(px, S, factor), S * factor, S * factor, 3).toString('base64');
    const result: Omit<ResultResponse, 'id' | 'cached' | 'ms'> = {
      type: 'result', png, width: S * factor, step: run.step, checkpoint: path.basename(run.checkpoint), method: run.cfg.method,
      unknownWords: enc.unknown,
      ...(attention ? { attention } : {}),
    };
    this.cache.set(key, result);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    return { result, cached: false };
  }
}

export interface ServeOptions {
  target: string;
  backend?: BackendChoice;
  threads?: number;
}

/**
 * The CLI entry: IPC when forked with a channel, else NDJSON on stdin/stdout.
 * Resolves when the client goes away (stdin closed or IPC disconnected).
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const ipc = typeof process.send === 'function';
  const send = ipc
    ? (r: ServeResponse) => process.send!(r)
    : (r: ServeResponse) => void process.stdout.write(`${JSON.stringify(r)}\n`);
  if (!fs.existsSync(path.resolve(opts.target))) throw new Error(`${opts.target} does not exist`);
  await initBackend({ choice: opts.backend ?? 'auto', threads: opts.threads, log });
  const server = new GeneratorServer({ target: opts.target, log }, send);
  // Requests that come while the model loads wait in the queue.
  const done = new Promise<void>((resolve) => {
    if (ipc) {
      process.on('message', (m) => server.handle(m));
      process.on('disconnect', () => resolve());
    } else {
      const rl = readline.createInterface({ input: process.stdin });
      rl.on('line', (line) => {
        if (!line.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          send({ id: -1, type: 'error', message: 'not JSON' });
          return;
        }
        server.handle(value);
      });
      rl.on('close', () => resolve());
    }
  });
  try {
    await server.start();
  } catch (e) {
    // No run or checkpoint yet: stay up and answer each request with the reason (retried per request).
    log(`t2i serve: ${(e as Error).message}`);
  }
  await done;
  await server.idle();
  server.close();
}
