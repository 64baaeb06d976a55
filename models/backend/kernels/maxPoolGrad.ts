// MaxPoolGrad. wasm's own kernel drops the gradient of any window whose maximum is
// negative, so this one routes each output gradient to its window's first arg-max,
// in the same row-major order as the cpu backend.
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapF32 } from './wasmHeap';

export const maxPoolGrad: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const dx = allocate(backend, input.shape);
  const dxs = heapF32(backend, dx), xs = heapF32(backend, input), dys = heapF32(backend, dy);
  dxs.fill(0);
  const best = new Float32Array(channels), argBest = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        best.fill(-Infinity);
        argBest.fill(-1);
        for (let kh = 0; kh < fh; kh += dh) {
          const ih = oh * strideHeight - padTop + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < fw; kw += dw) {
            const iw = ow * strideWidth - padLeft + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const xo = ((b * inHeight + ih) * inWidth + iw) * channels;
            for (let c = 0; c < channels; c++) {
              const v = xs[xo + c];
              if (v > best[c] || argBest[c] < 0) { best[c] = v; argBest[c] = xo + c; }
            }
          }
        }
        const dyo = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) if (argBest[c] >= 0) dxs[argBest[c]] += dys[dyo + c];
      }
    }
  }
  return dx;
};
