// Our C++ training kernels (native/t2i_kernels.cc), loaded as a Node addon and run in place on
// the wasm heap: GEMM and the three convolution kernels at the CPU's full vector width
// (AVX2 + FMA: ~85 GFLOP/s a core here, against ~30 for wasm's 128-bit XNNPACK), and the
// memory-bound reductions and pooling/resize gradients that wasm runs slowly.
//
// Optional by design: scripts/build-native.mjs compiles the addon at install/build time when a
// C++ compiler and Node's headers are there. Without it (no compiler, another CPU, Windows),
// or with T2I_NATIVE_KERNELS=off, the wasm kernels run as before: same results to float
// rounding, slower.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { refreshHeap } from './wasmHeap';

export interface AddonKernels {
  /** args: [aOff, bOff, cOff, batch, M, N, K, transA, transB, strideA, strideB, accumulate], offsets in floats. */
  gemm(heap: Float32Array, args: Int32Array): void;
  /** args: 15 geometry numbers (see convArgs in addonConv.ts), then the two input offsets and the output offset. */
  conv2d(heap: Float32Array, args: Int32Array): void;
  conv2dBackpropFilter(heap: Float32Array, args: Int32Array): void;
  conv2dBackpropInput(heap: Float32Array, args: Int32Array): void;
  /** args: [xOff, outOff, rows, cols, mean]: out[c] = sum (or mean) over rows of x[r, c]. */
  reduceRows(heap: Float32Array, args: Int32Array): void;
  /** args: [dyOff, dxOff, batch, outH, outW, fH, fW, channels]. */
  avgPoolGradTiling(heap: Float32Array, args: Int32Array): void;
  /** args: [dyOff, dxOff, batch, inH, inW, outH, outW, channels]; then each output row's and column's source. */
  resizeNearestGrad(heap: Float32Array, args: Int32Array, rowSource: Int32Array, colSource: Int32Array): void;
  /** args: [w, g, m, v, wOut, mOut, vOut, size]; hyper: [beta1, beta2, step, eps, bc2] (see adamUpdate.ts). */
  adamUpdate(heap: Float32Array, args: Int32Array, hyper: Float32Array): void;
  /** args: [srcOff, dstOff, rows, len, srcStride, dstStride]: rows of len 4-byte words. */
  copyRows(heap: Float32Array, args: Int32Array): void;
  /** args: [srcOff, dstOff, rank, inShape x 6, reps x 6] (see blockCopies.ts). */
  tile(heap: Float32Array, args: Int32Array): void;
  setThreads(n: number): number;
  info(): { simd: string; threads: number };
}

export const ADDON_FILE = 't2i-kernels.node';

type LoadState = { ok: true; kernels: AddonKernels; file: string } | { ok: false; reason: string };

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'));
let loaded: LoadState | undefined;
let enabled = true;

/** Where the addon may be: beside the bundle (dist/), or dist/ of the repo when running from source. */
function candidates(): string[] {
  const dirs: string[] = [];
  if (typeof __dirname === 'string') dirs.push(__dirname, path.resolve(__dirname, '../../../dist'));
  dirs.push(path.resolve(process.cwd(), 'dist'));
  return [...new Set(dirs)].map((d) => path.join(d, ADDON_FILE));
}

function disabledByEnv(): boolean {
  const v = (process.env.T2I_NATIVE_KERNELS ?? '').toLowerCase();
  return v === 'off' || v === '0' || v === 'false';
}

/** Loads the addon once; later calls return the same outcome. */
export function loadAddonKernels(): LoadState {
  if (loaded) return loaded;
  if (disabledByEnv()) return (loaded = { ok: false, reason: 'turned off by T2I_NATIVE_KERNELS' });
  const file = candidates().find((f) => fs.existsSync(f));
  if (!file) return (loaded = { ok: false, reason: `${ADDON_FILE} was not built (npm run build compiles it when a C++ compiler is present)` });
  try {
    const kernels = nodeRequire(file) as AddonKernels;
    return (loaded = { ok: true, kernels, file });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return (loaded = { ok: false, reason: `${file} failed to load: ${message.split('\n')[0]}` });
  }
}

/** The addon when it is loaded and in use; kernels fall back to wasm when this is undefined. */
export function addon(): AddonKernels | undefined {
  return enabled && loaded?.ok ? loaded.kernels : undefined;
}

/** Tests compare both paths in one process. */
export function setAddonEnabled(on: boolean): void {
  enabled = on;
}

export function setAddonThreads(threads: number): number {
  const state = loadAddonKernels();
  return state.ok ? state.kernels.setThreads(threads) : 0;
}

/** A Float32Array over the whole wasm memory, refreshed when memory grows. */
let heapCache: Float32Array | undefined;
export function addonHeap(backend: BackendWasm): Float32Array {
  refreshHeap(backend);
  const buffer = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  if (heapCache?.buffer !== buffer) heapCache = new Float32Array(buffer);
  return heapCache!;
}

/** Element offset of a float32 tensor's data in the heap. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  const byteOffset = backend.getMemoryOffset(info.dataId);
  if (byteOffset % 4 !== 0) throw new Error(`tensor data at byte ${byteOffset} is not float-aligned`);
  return byteOffset / 4;
}
