// Picks and starts the tfjs backend a run trains on.
//
// auto tries, in order:
//   tensorflow-gpu  @tensorflow/tfjs-node-gpu loads and TensorFlow sees a GPU
//   tensorflow      @tensorflow/tfjs-node loads (native TensorFlow on the CPU)
//   wasm            tfjs-backend-wasm + our training kernels. When our C++ addon was built,
//                   its kernels take the heavy work on `threads` threads and wasm runs
//                   single-threaded; otherwise wasm's XNNPACK pool is threaded when threads > 1
//   cpu             pure JS; always there, far too slow to train conv nets (warned loudly)
// and logs one line for each candidate it skips. An explicit choice that is unavailable is
// an error. The native packages are optionalDependencies that often fail to install (their
// install script downloads libtensorflow), so they are loaded with a runtime require that
// esbuild does not follow (scripts/build.mjs also marks them external).
import * as tf from '@tensorflow/tfjs-core';
import './cpuBackend';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BackendAttempt, BackendChoice, BackendInfo, BackendName } from '../../protocol/events';
import './registerGradients';
import { loadAddonKernels, setAddonThreads } from './kernels/addonKernels';
import { registerWasmTrainingKernels } from './wasmKernels';
import { startWasmBackend } from './wasmThreads';

export interface InitBackendOptions {
  choice: BackendChoice;
  /** wasm: XNNPACK pool size (default: number of CPUs). tensorflow*: TF_NUM_INTRAOP_THREADS when unset. */
  threads?: number;
  log?: (line: string) => void;
}

export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const NATIVE_PACKAGE = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'));

type Outcome = { ok: true; threads: number; note?: string } | { ok: false; reason: string };

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0].trim();
}

/** require()s a native tfjs package; a missing package and a broken one give different reasons. */
function loadNativePackage(pkg: string): { ok: true } | { ok: false; reason: string } {
  try {
    nodeRequire(pkg);
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND' && firstLine(err).includes(`'${pkg}'`);
    return { ok: false, reason: missing ? `${pkg} is not installed` : `${pkg} failed to load: ${firstLine(err)}` };
  }
}

/** Whether the registered 'tensorflow' backend runs on a GPU (tfjs-node's NodeJSKernelBackend). */
function tensorflowUsesGpu(): boolean {
  const backend = tf.engine().findBackend('tensorflow') as unknown as
    { isUsingGpuDevice?: boolean; binding?: { isUsingGpuDevice?: () => boolean } } | null;
  if (!backend) return false;
  if (typeof backend.isUsingGpuDevice === 'boolean') return backend.isUsingGpuDevice;
  return backend.binding?.isUsingGpuDevice?.() ?? false;
}

let gpuPackageLoaded = false;

/** TensorFlow reads its pool size when the native package loads, so set it before require(). */
function requestTensorflowThreads(threads: number | undefined): void {
  if (threads && !process.env.TF_NUM_INTRAOP_THREADS) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
}

async function activateTensorflow(): Promise<boolean> {
  return tf.engine().registryFactory.tensorflow != null ? tf.setBackend('tensorflow') : false;
}

function tensorflowThreads(): number {
  return Number(process.env.TF_NUM_INTRAOP_THREADS) || os.cpus().length;
}

async function tryTensorflowGpu(threads: number | undefined): Promise<Outcome> {
  const pkg = NATIVE_PACKAGE['tensorflow-gpu'];
  requestTensorflowThreads(threads);
  const loaded = loadNativePackage(pkg);
  if (!loaded.ok) return loaded;
  gpuPackageLoaded = true;
  if (!(await activateTensorflow())) return { ok: false, reason: `${pkg} loaded but its 'tensorflow' backend failed to initialise` };
  if (!tensorflowUsesGpu()) return { ok: false, reason: `${pkg} loaded but TensorFlow sees no GPU (needs CUDA 11.2 / cuDNN 8.1)` };
  return { ok: true, threads: tensorflowThreads() };
}

async function tryTensorflow(threads: number | undefined): Promise<Outcome> {
  const pkg = NATIVE_PACKAGE.tensorflow;
  requestTensorflowThreads(threads);
  // Both packages register the same 'tensorflow' backend; the GPU build without a GPU is
  // native TensorFlow on the CPU, which is what this candidate is.
  const loaded = gpuPackageLoaded ? { ok: true as const } : loadNativePackage(pkg);
  if (!loaded.ok) return loaded;
  if (!(await activateTensorflow())) return { ok: false, reason: `${pkg} loaded but its 'tensorflow' backend failed to initialise` };
  const note = gpuPackageLoaded ? `using ${NATIVE_PACKAGE['tensorflow-gpu']} on the CPU` : undefined;
  return { ok: true, threads: tensorflowThreads(), note };
}

/** The addon's pool size, fixed by the first wasm start in a process (as wasm's own pool is). */
let addonPool: number | undefined;

async function tryWasm(threads: number | undefined): Promise<Outcome> {
  try {
    registerWasmTrainingKernels();
    const wanted = Math.max(1, Math.floor(threads ?? os.cpus().length));
    const addon = loadAddonKernels();
    if (addon.ok) {
      // Our C++ kernels do the heavy work on `wanted` threads. wasm's own pool would only
      // spin beside them on the same cores (measured: dcgan-bench 306 ms/step with both pools
      // at 2 threads, 249 with wasm single-threaded), so wasm runs on the main thread.
      const started = await startWasmBackend({ threads: 1 });
      const first = addonPool === undefined;
      const pool = (addonPool ??= setAddonThreads(wanted));
      const fixed = !first && pool !== wanted ? `native kernels already started in this process with ${pool} thread(s); ${wanted} cannot be applied now` : undefined;
      const note = [started.build, `native kernels ${addon.kernels.info().simd} x${pool}`, fixed].filter(Boolean).join('; ');
      return { ok: true, threads: pool, note };
    }
    const started = await startWasmBackend({ threads });
    const note = [started.build, `wasm kernels only: ${addon.reason}`, started.note].filter(Boolean).join('; ');
    return { ok: true, threads: started.threads, note };
  } catch (e) {
    return { ok: false, reason: `wasm backend failed to start: ${firstLine(e)}` };
  }
}

async function tryCpu(): Promise<Outcome> {
  return (await tf.setBackend('cpu')) ? { ok: true, threads: 1 } : { ok: false, reason: 'the cpu backend failed to initialise' };
}

function tryBackend(name: BackendName, threads: number | undefined): Promise<Outcome> {
  switch (name) {
    case 'tensorflow-gpu': return tryTensorflowGpu(threads);
    case 'tensorflow': return tryTensorflow(threads);
    case 'wasm': return tryWasm(threads);
    case 'cpu': return tryCpu();
  }
}

/**
 * Starts the chosen backend and makes it tfjs' active backend. Call it before any other tfjs
 * op: an op would start tfjs' default backend first. Safe to call again (the wasm thread
 * count is fixed by the first wasm start in a process).
 */
export async function initBackend(opts: InitBackendOptions): Promise<BackendInfo> {
  const log = opts.log ?? (() => {});
  const candidates = opts.choice === 'auto' ? AUTO_ORDER : [opts.choice];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    const outcome = await tryBackend(name, opts.threads);
    if (!outcome.ok) {
      attempts.push({ name, ok: false, reason: outcome.reason });
      if (opts.choice !== 'auto') throw new Error(`backend '${name}' is not available: ${outcome.reason}`);
      log(`backend: skipped ${name}: ${outcome.reason}`);
      continue;
    }
    attempts.push({ name, ok: true, ...(outcome.note ? { reason: outcome.note } : {}) });
    if (name === 'cpu') {
      log('backend: WARNING: using the pure-JS cpu backend. It is thousands of times too slow to train ' +
        'conv nets, and some of its gradients are wrong (ResizeNearestNeighborGrad for batch > 1, ' +
        "AvgPoolGrad at 'same'-padded borders); use it only for tests.");
    }
    log(`backend: using ${name} with ${outcome.threads} thread(s)${outcome.note ? ` (${outcome.note})` : ''}`);
    return { name, threads: outcome.threads, attempts };
  }
  throw new Error(`no backend could be started: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}`);
}

/**
 * Runs fn with `name` as the active backend, then restores the previous one. The backend must
 * already be initialised (cpu always is after import). For tests and comparisons.
 */
export async function withBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const previous: string | null = tf.engine().backendName; // (tf.getBackend() would start a default backend)
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' could not be activated`);
  try {
    return await fn();
  } finally {
    if (previous && previous !== name) await tf.setBackend(previous);
  }
}
