// Starts tfjs' wasm backend in Node, with XNNPACK's thread pool when threads > 1.
//
// tfjs-backend-wasm 4.22 ships a threaded build (threaded-simd, pthreads on worker_threads)
// that does not start in Node out of the box:
//  - the WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false in Node;
//  - the Emscripten glue hands worker_threads `blob:` URLs (for the pthread worker script and
//    for the main script each worker imports), which Node cannot load;
//  - the C++ side caps the pool at os.cpus().length / 2 (it assumes two hyper-threads per
//    core), i.e. one thread on a 2-vCPU machine.
// We set the flag, give the workers the worker source via `eval` and the main script as a
// file path, and pad os.cpus() while the backend initialises.
//
// Process exit: the pthread workers are kept unref'd, so they never hold the event loop
// open; a process that used threads exits on its own, and callers need not call
// process.exit(). (All wasm work is synchronous on the main thread; the pool threads only run
// while the main thread waits inside a kernel, so nothing is lost by not waiting for them.)
//
// Where the files are: from source, node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/;
// from the esbuild bundle, beside dist/cli.js (scripts/build.mjs copies them there).
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads from 'node:worker_threads';

const THREADED_MAIN = 'tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
/** tfjs pre-creates 8 pthread workers, the most its pool can use. */
export const MAX_WASM_THREADS = 8;
const INIT_TIMEOUT_MS = 60_000;

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'));

export interface WasmStartResult {
  /** XNNPACK pool size actually in use (1 for the single-threaded builds). */
  threads: number;
  build: 'threaded-simd' | 'simd' | 'plain';
  /** Why fewer threads than asked for are in use, if so. */
  note?: string;
}

/** Folder holding the .wasm binaries and the threaded build's JS (bundle folder first). */
export function findWasmFiles(): string {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(__dirname);
  try {
    candidates.push(path.dirname(nodeRequire.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${THREADED_MAIN}`)));
  } catch { /* not resolvable from here: only the bundle folder is left */ }
  const found = candidates.find((dir) => WASM_BINARIES.every((f) => fs.existsSync(path.join(dir, f))));
  if (!found) throw new Error(`tfjs wasm binaries not found (looked in ${candidates.join(', ')})`);
  return found;
}

function defaultThreads(): number {
  return Math.max(1, os.cpus().length);
}

function wasmInitialised(): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry.wasm != null;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Worker class for the Emscripten glue: serves blob: URLs from the files on disk, never holds the process open. */
function pthreadWorkerClass(workerSource: string, mainScriptPath: string): typeof workerThreads.Worker {
  const Base = workerThreads.Worker;
  return class PThreadWorker extends Base {
    constructor(file: string | URL, options?: workerThreads.WorkerOptions) {
      if (String(file).startsWith('blob:')) super(workerSource, { ...options, eval: true });
      else super(file, options);
      super.unref();
    }

    override ref(): void { /* stay unref'd: see the comment at the top of wasmThreads.ts */ }

    override postMessage(message: unknown, transfer?: readonly workerThreads.TransferListItem[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      // {cmd: 'load', urlOrBlob: Blob of the main script} -> the same script as a file path.
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') message = { ...m, urlOrBlob: mainScriptPath };
      super.postMessage(message, transfer);
    }
  };
}

async function initThreaded(dir: string, threads: number): Promise<boolean> {
  const { wasmWorkerContents } = nodeRequire(path.join(dir, THREADED_WORKER)) as { wasmWorkerContents: string };
  // tfjs escapes newlines the same way before it puts this source in a Blob.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const BaseWorker = workerThreads.Worker;
  const cpus = os.cpus;
  workerThreads.Worker = pthreadWorkerClass(workerSource, path.join(dir, THREADED_MAIN));
  os.cpus = () => {
    const list = cpus();
    while (list.length < 2 * threads) list.push(list[0]);
    return list;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    return await withTimeout(tf.setBackend('wasm'), INIT_TIMEOUT_MS, 'starting the threaded wasm build');
  } finally {
    // The glue keeps its own reference to the worker class; other users of worker_threads
    // and os get the originals back.
    workerThreads.Worker = BaseWorker;
    os.cpus = cpus;
  }
}

async function initSingleThreaded(): Promise<boolean> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  return tf.setBackend('wasm');
}

function buildInUse(threads: number): WasmStartResult['build'] {
  if (threads > 1) return 'threaded-simd';
  return tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'simd' : 'plain';
}

/**
 * Makes 'wasm' the active backend. threads defaults to the number of CPUs (capped at 8);
 * 1 selects the single-threaded SIMD build. Only the first call in a process chooses the
 * build: later calls reuse it and say so in `note` if the thread count differs.
 */
export async function startWasmBackend(opts: { threads?: number } = {}): Promise<WasmStartResult> {
  const wanted = Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(opts.threads ?? defaultThreads())));
  if (wasmInitialised()) {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to activate');
    const threads = getThreadsCount();
    const note = threads !== wanted ? `wasm already started in this process with ${threads} thread(s); ${wanted} cannot be applied now` : undefined;
    return { threads, build: buildInUse(threads), note };
  }
  const dir = findWasmFiles();
  setWasmPaths(dir + path.sep);
  await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  let note: string | undefined;
  if (wanted > 1) {
    try {
      if (await initThreaded(dir, wanted)) {
        const threads = getThreadsCount();
        if (threads < wanted) note = `XNNPACK pool has ${threads} of the ${wanted} threads asked for`;
        return { threads, build: buildInUse(threads), note };
      }
      note = 'threaded wasm build failed to initialise (see the warning above); using the single-threaded SIMD build';
    } catch (e) {
      const reason = String((e as Error).message ?? e).split('\n')[0].trim();
      note = `threaded wasm build unavailable (${reason}); using the single-threaded SIMD build`;
    }
  }
  if (!(await initSingleThreaded())) throw new Error('the wasm backend failed to initialise');
  return { threads: 1, build: buildInUse(1), note };
}
