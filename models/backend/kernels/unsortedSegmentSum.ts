// UnsortedSegmentSum: the gradient of gather (embedding lookups). A scatter-add.
import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapView } from './wasmHeap';

export const unsortedSegmentSum: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const count = util.sizeFromShape(segmentIds.shape);
  const inner = count === 0 ? 0 : util.sizeFromShape(x.shape) / count;
  const out = allocate(backend, [numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const sums = heapView(backend, out), xs = heapView(backend, x), ids = heapView(backend, segmentIds);
  sums.fill(0);
  for (let i = 0; i < count; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // TF drops out-of-range ids
    const so = s * inner, xo = i * inner;
    for (let j = 0; j < inner; j++) sums[so + j] += xs[xo + j];
  }
  return out;
};
