// ResizeNearestNeighborGrad as the exact adjoint of the forward resize: each output pixel's
// gradient is added to the input pixel the forward pass copied it from. (The cpu backend's
// kernel is wrong for batch > 1, and wasm's ignores halfPixelCenters.)
import type { KernelFunc, ResizeNearestNeighborGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import { allocate, heapF32 } from './wasmHeap';

/** Source index of each output row/column, as tfjs' forward ResizeNearestNeighbor picks it. */
export function nearestSourceIndices(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const aligned = alignCorners && outSize > 1;
  const scale = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? scale * (o + 0.5) : scale * o;
    let i = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) i = Math.max(0, i);
    src[o] = i;
  }
  return src;
}

export const resizeNearestNeighborGrad: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeNearestNeighborGradAttrs;
  const [batch, inH, inW, channels] = images.shape;
  const [, outH, outW] = dy.shape;
  const rows = nearestSourceIndices(inH, outH, alignCorners, halfPixelCenters);
  const cols = nearestSourceIndices(inW, outW, alignCorners, halfPixelCenters);
  const dx = allocate(backend, images.shape);
  const kernels = addon();
  if (kernels && dx.shape.every((d) => d > 0) && dy.shape.every((d) => d > 0)) {
    kernels.resizeNearestGrad(addonHeap(backend), Int32Array.of(heapOffset(backend, dy), heapOffset(backend, dx), batch, inH, inW, outH, outW, channels), rows, cols);
    return dx;
  }
  const dxs = heapF32(backend, dx), dys = heapF32(backend, dy);
  dxs.fill(0);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]) * inW;
      for (let c = 0; c < outW; c++) {
        const d = (rowBase + cols[c]) * channels;
        for (let k = 0; k < channels; k++) dxs[d + k] += dys[o++];
      }
    }
  }
  return dx;
};
