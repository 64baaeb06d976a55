// Sum and Mean over leading axes (bias and batch-norm reductions over N, H, W of NHWC data).
// wasm transposes the reduced axes to the end before every such reduction (~4 ns an element);
// as a [rows, cols] column reduction it is one pass. Runs in our C++ addon when it is loaded;
// every other case, and every case without the addon, goes to wasm's kernel.
import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import { native } from './nativeKernels';
import { allocate } from './wasmHeap';

/** The number of leading axes reduced, or -1 when the axes are not exactly [0, r). */
export function leadingAxes(axis: number | number[] | null | undefined, shape: number[]): number {
  const axes = util.parseAxisParam(axis ?? shape.map((_, i) => i), shape);
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

function reduceKernel(name: 'Sum' | 'Mean', mean: boolean): KernelFunc {
  return (args) => {
    const kernels = addon();
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const reduced = kernels && x.dtype === 'float32' && rank > 0 ? leadingAxes(axis, x.shape) : -1;
    const rows = util.sizeFromShape(x.shape.slice(0, reduced)), cols = util.sizeFromShape(x.shape.slice(reduced));
    if (!kernels || reduced < 1 || rows === 0 || cols === 0) return native(name)(args);
    const backend = args.backend as BackendWasm;
    const shape = keepDims ? [...x.shape.slice(0, reduced).map(() => 1), ...x.shape.slice(reduced)] : x.shape.slice(reduced);
    const out = allocate(backend, shape);
    kernels.reduceRows(addonHeap(backend), Int32Array.of(heapOffset(backend, x), heapOffset(backend, out), rows, cols, mean ? 1 : 0));
    return out;
  };
}

export const sumLeading = reduceKernel('Sum', false);
export const meanLeading = reduceKernel('Mean', true);
