// SplitV, Concat and Tile as block copies in our C++ addon. wasm runs them through a generic
// strided slice: at 64 px MirrorGAN spent 190 ms of a 910 ms step in them (splitting a
// [16, 64, 64, 32] GLU input alone took 55 ms, a memcpy's work). Split and concat along an
// axis are `outer` rows of contiguous runs; tile repeats rows. 4-byte dtypes (float32, int32)
// only; every other case, and every case without the addon, goes to wasm's kernel.
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { ConcatAttrs, KernelFunc, SplitVAttrs, TensorInfo, TileAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import { native } from './nativeKernels';
import { allocate } from './wasmHeap';

const WORD_TYPES = new Set(['float32', 'int32']);
/** The highest rank the addon's tile takes (TILE_RANK in t2i_kernels.cc). */
export const TILE_RANK = 6;

export const splitV: KernelFunc = (args) => {
  const kernels = addon();
  const { x } = args.inputs as { x: TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
  if (!kernels || !WORD_TYPES.has(x.dtype)) return native('SplitV')(args);
  const backend = args.backend as BackendWasm;
  const ax = util.parseAxisParam(axis, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, ax);
  const outer = util.sizeFromShape(x.shape.slice(0, ax));
  const tail = util.sizeFromShape(x.shape.slice(ax + 1));
  const rowLen = x.shape[ax] * tail;
  const outs = sizes.map((size) => allocate(backend, x.shape.map((d, i) => (i === ax ? size : d)), x.dtype));
  let start = 0;
  sizes.forEach((size, i) => {
    const len = size * tail;
    if (outer > 0 && len > 0) {
      kernels.copyRows(addonHeap(backend), Int32Array.of(heapOffset(backend, x) + start, heapOffset(backend, outs[i]), outer, len, rowLen, len));
    }
    start += len;
  });
  return outs;
};

export const concat: KernelFunc = (args) => {
  const kernels = addon();
  const inputs = args.inputs as unknown as TensorInfo[];
  const { axis } = args.attrs as unknown as ConcatAttrs;
  if (!kernels || inputs.length === 0 || !inputs.every((t) => WORD_TYPES.has(t.dtype) && t.dtype === inputs[0].dtype)) return native('Concat')(args);
  const backend = args.backend as BackendWasm;
  const ax = util.parseAxisParam(axis, inputs[0].shape)[0];
  backend_util.assertParamsConsistent(inputs.map((t) => t.shape), ax);
  const parts = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), ax);
  const out = allocate(backend, outShape, inputs[0].dtype);
  const outer = util.sizeFromShape(outShape.slice(0, ax));
  const rowLen = util.sizeFromShape(outShape.slice(ax));
  if (outer === 0 || rowLen === 0) return out;
  let start = 0;
  for (const part of parts) {
    const len = util.sizeFromShape(part.shape.slice(ax));
    kernels.copyRows(addonHeap(backend), Int32Array.of(heapOffset(backend, part), heapOffset(backend, out) + start, outer, len, len, rowLen));
    start += len;
  }
  return out;
};

export const tile: KernelFunc = (args) => {
  const kernels = addon();
  const { x } = args.inputs as { x: TensorInfo };
  const { reps } = args.attrs as unknown as TileAttrs;
  const rank = x.shape.length;
  if (!kernels || !WORD_TYPES.has(x.dtype) || rank < 1 || rank > TILE_RANK) return native('Tile')(args);
  const backend = args.backend as BackendWasm;
  const out = allocate(backend, x.shape.map((d, i) => d * reps[i]), x.dtype);
  if (util.sizeFromShape(out.shape) === 0) return out;
  const geometry = new Int32Array(3 + 2 * TILE_RANK);
  geometry.set([heapOffset(backend, x), heapOffset(backend, out), rank]);
  geometry.set(x.shape, 3);
  geometry.set(reps, 3 + TILE_RANK);
  kernels.tile(addonHeap(backend), geometry);
  return out;
};
