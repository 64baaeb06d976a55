// Unpack (tf.unstack) as block copies on the heap. wasm's kernel slices each output through
// a generic strided Slice, which measured ~2 s for unstacking a [48, 48, 18, 256] tensor and
// 70 ms for the LSTM's [1536, 18, 256] over time; here each output is `outer` copies of one
// contiguous run of `inner` values.
import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, UnpackAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapView } from './wasmHeap';

export const unpack: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { value } = inputs as { value: TensorInfo };
  const rank = value.shape.length;
  let axis = (attrs as unknown as UnpackAttrs).axis;
  if (axis < 0) axis += rank;
  const count = value.shape[axis];
  const outShape = value.shape.filter((_, i) => i !== axis);
  const outer = util.sizeFromShape(value.shape.slice(0, axis));
  const inner = util.sizeFromShape(value.shape.slice(axis + 1));
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) outs.push(allocate(backend, outShape, value.dtype));
  if (outer * inner === 0) return outs;
  const src = heapView(backend, value);
  outs.forEach((out, i) => {
    const dst = heapView(backend, out);
    for (let o = 0; o < outer; o++) {
      const from = (o * count + i) * inner;
      dst.set(src.subarray(from, from + inner), o * inner);
    }
  });
  return outs;
};
