// LeakyRelu forward as x * step(x, alpha): two fast passes (~0.5 ms per million values) where
// wasm's own LeakyRelu loop (and Maximum, which max(x, alpha*x) would need) take ~5-12 ms.
// Exact: x * 1 and x * alpha are what wasm's kernel computes; NaN stays NaN.
import type { KernelFunc, LeakyReluAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { native } from './nativeKernels';
import { release } from './wasmHeap';

export const leakyRelu: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { alpha } = args.attrs as unknown as LeakyReluAttrs;
  if (x.dtype !== 'float32') return native('LeakyRelu')(args);
  const slope = native('Step')({ inputs: { x }, backend, attrs: { alpha } }) as TensorInfo;
  const y = native('Multiply')({ inputs: { a: x, b: slope }, backend, attrs: {} }) as TensorInfo;
  release(backend, slope);
  return y;
};
