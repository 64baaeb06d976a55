// Gradients of a depthwise 2-D convolution (NHWC, channel multiplier M), as direct loops:
// depthwise layers do few FLOPs per byte, so a GEMM reformulation would not pay off.
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropInputAttrs, KernelFunc, TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { depthwiseConvGeometry, type ConvGeometry } from './convGeometry';
import { allocate, heapF32 } from './wasmHeap';

/**
 * Calls visit(xOffset, dyOffset, wOffset) for every (input pixel, output pixel, filter tap)
 * triple that the forward convolution multiplies; offsets point at channel 0.
 */
function forEachTap(g: ConvGeometry, mult: number, visit: (xo: number, dyo: number, wo: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft } = g;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const dyo = ((b * outH + oh) * outW + ow) * inC * mult;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh * dilH - padTop;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW + kw * dilW - padLeft;
            if (iw < 0 || iw >= inW) continue;
            visit(((b * inH + ih) * inW + iw) * inC, dyo, (kh * kW + kw) * inC * mult);
          }
        }
      }
    }
  }
}

export const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const g = depthwiseConvGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
  const mult = a.filterShape[3], channels = g.inC;
  const dW = allocate(backend, a.filterShape);
  const xs = heapF32(backend, x), dys = heapF32(backend, dy), dws = heapF32(backend, dW);
  dws.fill(0);
  forEachTap(g, mult, (xo, dyo, wo) => {
    for (let c = 0; c < channels; c++) {
      const xv = xs[xo + c];
      for (let m = 0; m < mult; m++) dws[wo + c * mult + m] += xv * dys[dyo + c * mult + m];
    }
  });
  return dW;
};

export const depthwiseConv2dNativeBackpropInput: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const g = depthwiseConvGeometry(a.inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
  const mult = filter.shape[3], channels = g.inC;
  const dx = allocate(backend, a.inputShape);
  const dxs = heapF32(backend, dx), dys = heapF32(backend, dy), ws = heapF32(backend, filter);
  dxs.fill(0);
  forEachTap(g, mult, (xo, dyo, wo) => {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let m = 0; m < mult; m++) s += dys[dyo + c * mult + m] * ws[wo + c * mult + m];
      dxs[xo + c] += s;
    }
  });
  return dx;
};
