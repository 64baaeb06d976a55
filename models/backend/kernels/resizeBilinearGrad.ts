// ResizeBilinearGrad as the exact adjoint of tfjs' forward ResizeBilinear: each output
// gradient is spread over the four input pixels with the forward pass's weights. (wasm's and
// cpu's kernels ignore halfPixelCenters; cpu's also breaks on non-square images.)
import type { KernelFunc, ResizeBilinearGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapF32 } from './wasmHeap';

interface Taps { lo: Int32Array; hi: Int32Array; frac: Float32Array }

/** For each output row (or column): the two source indices and the weight of the second. */
export function bilinearTaps(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Taps {
  const aligned = alignCorners && outSize > 1;
  const scale = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const taps: Taps = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), frac: new Float32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? scale * (o + 0.5) - 0.5 : scale * o;
    const lo = Math.max(0, Math.floor(src));
    taps.lo[o] = lo;
    taps.hi[o] = Math.min(inSize - 1, Math.ceil(src));
    taps.frac[o] = src - lo;
  }
  return taps;
}

export const resizeBilinearGrad: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeBilinearGradAttrs;
  const [batch, inH, inW, channels] = images.shape;
  const [, outH, outW] = dy.shape;
  const rows = bilinearTaps(inH, outH, alignCorners, halfPixelCenters);
  const cols = bilinearTaps(inW, outW, alignCorners, halfPixelCenters);
  const dx = allocate(backend, images.shape);
  const dxs = heapF32(backend, dx), dys = heapF32(backend, dy);
  dxs.fill(0);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const top = (b * inH + rows.lo[r]) * inW, bottom = (b * inH + rows.hi[r]) * inW;
      const fr = rows.frac[r];
      for (let c = 0; c < outW; c++) {
        const fc = cols.frac[c];
        // Forward: top + (bottom - top) * fr, with top/bottom = left + (right - left) * fc.
        const wTL = (1 - fr) * (1 - fc), wTR = (1 - fr) * fc, wBL = fr * (1 - fc), wBR = fr * fc;
        const tl = (top + cols.lo[c]) * channels, tr = (top + cols.hi[c]) * channels;
        const bl = (bottom + cols.lo[c]) * channels, br = (bottom + cols.hi[c]) * channels;
        for (let k = 0; k < channels; k++) {
          const g = dys[o++];
          dxs[tl + k] += g * wTL;
          dxs[tr + k] += g * wTR;
          dxs[bl + k] += g * wBL;
          dxs[br + k] += g * wBR;
        }
      }
    }
  }
  return dx;
};
