// wasm's own kernels that our replacements call into, captured before we replace them.
//
// Only one form of wasm's BatchMatMul is fast: batch 1 and no transpose flags, which
// goes to XNNPACK's fully-connected GEMM (and uses its thread pool). Every other form
// runs a naive C++ loop at ~1 GFLOP/s, so kernels here reshape their work into that
// one form. Conv2D is XNNPACK's convolution in every form.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withShape } from './wasmHeap';

const NATIVE_NAMES = ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'Identity', 'Add', 'Multiply', 'Step', 'Prelu', 'LeakyRelu', 'Relu', 'Relu6', 'Sigmoid', 'Elu', 'Sum', 'Mean', 'SplitV', 'Concat', 'Tile'] as const;
export type NativeKernelName = typeof NATIVE_NAMES[number];

// Kept on globalThis: the kernel registry is global too, so a second copy of this module
// (e.g. two bundles in one process) must not capture our own wrappers as "native".
const STORE_KEY = Symbol.for('t2i-lab.wasmNativeKernels');
type Store = Partial<Record<string, KernelConfig>>;

function store(): Store {
  const g = globalThis as unknown as Record<symbol, Store | undefined>;
  return (g[STORE_KEY] ??= {});
}

/** Remembers wasm's original config of `name` (first call wins) and returns it. */
export function captureNative(name: string): KernelConfig | undefined {
  const s = store();
  if (!(name in s)) s[name] = tf.getKernel(name, 'wasm');
  return s[name];
}

export function captureAllNative(): void {
  for (const name of NATIVE_NAMES) captureNative(name);
}

export function native(name: NativeKernelName): KernelFunc {
  const config = store()[name];
  if (!config) throw new Error(`wasm kernel ${name} was not captured; call registerWasmTrainingKernels() first`);
  return config.kernelFunc;
}

/** out[M, N] = a[M, K] @ b[K, N] through XNNPACK (inputs may be any tensors of that size). */
export function fastMatMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number): TensorInfo {
  const out = native('BatchMatMul')({
    inputs: { a: withShape(a, [m, k]), b: withShape(b, [k, n]) },
    backend, attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
  return withShape(out, [m, n]);
}

/** XNNPACK convolution, NHWC, dilation 1, explicit padding [top, bottom, left, right]. */
export function fastConv2d(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, strides: [number, number],
  pad: [number, number, number, number]): TensorInfo {
  return native('Conv2D')({
    inputs: { x, filter }, backend,
    attrs: {
      strides, dilations: [1, 1], dataFormat: 'NHWC',
      pad: [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]],
    },
  }) as TensorInfo;
}
