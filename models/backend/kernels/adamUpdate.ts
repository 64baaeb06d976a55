// One Adam step for one variable as a single kernel (our C++ addon), returning [w', m', v'].
// models/train/adam.ts otherwise spends about a dozen elementwise wasm ops per variable per
// step, and a GAN has dozens of variables per optimiser. Registered for wasm only; other
// backends, and wasm without the addon, keep the op-by-op update.
import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import { allocate } from './wasmHeap';

export const ADAM_UPDATE = 'T2IAdamUpdate';

export interface AdamUpdateAttrs extends NamedAttrMap {
  beta1: number;
  beta2: number;
  /** lr * lrScale / (1 - beta1^t) */
  step: number;
  eps: number;
  /** sqrt(1 - beta2^t) */
  bc2: number;
}

export const adamUpdate: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const kernels = addon();
  if (!kernels) throw new Error(`${ADAM_UPDATE} needs our C++ kernels (models/backend/kernels/addonKernels.ts)`);
  const backend = anyBackend as BackendWasm;
  const { w, g, m, v } = inputs as { w: TensorInfo; g: TensorInfo; m: TensorInfo; v: TensorInfo };
  for (const t of [g, m, v]) {
    if (!util.arraysEqual(t.shape, w.shape) || t.dtype !== 'float32' || w.dtype !== 'float32') {
      throw new Error(`${ADAM_UPDATE}: every input must be float32 of shape [${w.shape}], got ${t.dtype} [${t.shape}]`);
    }
  }
  const outs = [allocate(backend, w.shape), allocate(backend, w.shape), allocate(backend, w.shape)];
  const size = util.sizeFromShape(w.shape);
  if (size === 0) return outs;
  const a = attrs as unknown as AdamUpdateAttrs;
  kernels.adamUpdate(addonHeap(backend),
    Int32Array.of(...[w, g, m, v, ...outs].map((t) => heapOffset(backend, t)), size),
    Float32Array.of(a.beta1, a.beta2, a.step, a.eps, a.bc2));
  return outs;
};
