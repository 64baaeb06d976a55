// AvgPoolGrad as the exact adjoint of the forward average pool, which divides each window by
// the number of pixels inside the image. wasm's and cpu's kernels divide by the full window
// size instead, so their gradients are wrong wherever a 'same'-padded window overlaps the
// border; wasm's is also slow (~10x this loop).
import { backend_util } from '@tensorflow/tfjs-core';
import type { AvgPoolGradAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import { allocate, heapF32 } from './wasmHeap';

/** Windows that tile the image exactly (e.g. 2x2 stride 2): each dx value is written once. */
function tilingGrad(dys: Float32Array, dxs: Float32Array, batch: number, outH: number, outW: number, fH: number, fW: number, channels: number): void {
  const scale = 1 / (fH * fW), inW = outW * fW;
  let o = 0;
  for (let r = 0; r < batch * outH; r++) {
    for (let ow = 0; ow < outW; ow++, o += channels) {
      for (let kh = 0; kh < fH; kh++) {
        let d = ((r * fH + kh) * inW + ow * fW) * channels;
        for (let kw = 0; kw < fW; kw++, d += channels) {
          for (let c = 0; c < channels; c++) dxs[d + c] = dys[o + c] * scale;
        }
      }
    }
  }
}

export const avgPoolGrad: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as AvgPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad);
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: channels, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW } = info;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const dx = allocate(backend, input.shape);
  const tiling = padTop === 0 && padLeft === 0 && sH === fH && sW === fW && outH * fH === inH && outW * fW === inW;
  const kernels = addon();
  if (tiling && kernels && dx.shape.every((d) => d > 0)) {
    kernels.avgPoolGradTiling(addonHeap(backend), Int32Array.of(heapOffset(backend, dy), heapOffset(backend, dx), batchSize, outH, outW, fH, fW, channels));
    return dx;
  }
  const dxs = heapF32(backend, dx), dys = heapF32(backend, dy);
  if (tiling) {
    tilingGrad(dys, dxs, batchSize, outH, outW, fH, fW, channels);
    return dx;
  }
  dxs.fill(0);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const h0 = Math.max(0, oh * sH - padTop), h1 = Math.min(inH, oh * sH - padTop + fH);
      for (let ow = 0; ow < outW; ow++, o += channels) {
        const w0 = Math.max(0, ow * sW - padLeft), w1 = Math.min(inW, ow * sW - padLeft + fW);
        const count = (h1 - h0) * (w1 - w0);
        if (count <= 0) continue;
        const scale = 1 / count;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = ((b * inH + ih) * inW + iw) * channels;
            for (let c = 0; c < channels; c++) dxs[d + c] += dys[o + c] * scale;
          }
        }
      }
    }
  }
  return dx;
};
