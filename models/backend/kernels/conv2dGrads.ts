// Gradients of a regular 2-D convolution (NHWC), with the FLOPs on XNNPACK.
//
//   Conv2DBackpropFilter  dW[KKC, CO] = colT[KKC, N] @ dy[N, CO]   (N = batch * outH * outW);
//                         at stride 1 the patch matrix is built from a channel-major copy of x
//                         with contiguous copies over a slightly wider grid (im2colTransposedStride1)
//   Conv2DBackpropInput   stride 1: XNNPACK conv of dy with the flipped, in/out-swapped filter;
//                         otherwise dcol[N, KKC] = dy[N, CO] @ W^T[CO, KKC], then col2im.
// Conv2DBackpropInput is also the forward pass of conv2dTranspose.
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertChannelsLast, regularConvGeometry } from './convGeometry';
import {
  col2im, im2colTransposed, im2colTransposedStride1, paddedChannelMajorLayout, toPaddedChannelMajor, transpose2d, widenRows,
} from './im2col';
import type { ConvGeometry } from './convGeometry';
import { fastConv2d, fastMatMul } from './nativeKernels';
import { allocate, heapF32, release, withShape } from './wasmHeap';

/**
 * Whether the widened grid's extra GEMM work (outC * (paddedW - outW) / outW more per patch
 * value) costs less than the strided im2col it saves (~2 ns per patch value vs GEMM at
 * ~25 GFLOP/s: break-even near 25). True for wide images, false for e.g. 8x8 with 128+ channels.
 */
function widenedGridPays(g: ConvGeometry): boolean {
  const extraColumns = paddedChannelMajorLayout(g).paddedW - g.outW;
  return (g.outC * extraColumns) / g.outW < 25;
}

/** Stride 1: dW = colT @ dyWide over the widened grid, with contiguous patch copies. */
function filterGradStride1(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const layout = paddedChannelMajorLayout(g);
  const kkc = g.kH * g.kW * g.inC, wideN = g.batch * g.outH * layout.paddedW;
  const xT = allocate(backend, [layout.size]);
  const colT = allocate(backend, [kkc, wideN]);
  const dyWide = allocate(backend, [wideN, g.outC]);
  const xTs = heapF32(backend, xT);
  xTs.fill(0);
  toPaddedChannelMajor(heapF32(backend, x), g, layout, xTs);
  im2colTransposedStride1(xTs, g, layout, heapF32(backend, colT));
  widenRows(heapF32(backend, dy), g, layout.paddedW, heapF32(backend, dyWide));
  release(backend, xT);
  const dW = fastMatMul(backend, colT, dyWide, kkc, wideN, g.outC);
  release(backend, colT, dyWide);
  return dW;
}

export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  assertChannelsLast(a.dataFormat, 'Conv2DBackpropFilter');
  const { geometry: g } = regularConvGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
  const n = g.batch * g.outH * g.outW, kkc = g.kH * g.kW * g.inC;
  const pointwise = g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;
  if (!pointwise && g.strideH === 1 && g.strideW === 1 && widenedGridPays(g)) {
    return withShape(filterGradStride1(backend, x, dy, g), a.filterShape);
  }
  const colT = allocate(backend, [kkc, n]);
  if (pointwise) transpose2d(heapF32(backend, x), 0, n, g.inC, heapF32(backend, colT));
  else im2colTransposed(heapF32(backend, x), g, heapF32(backend, colT));
  const dW = fastMatMul(backend, colT, dy, kkc, n, g.outC);
  release(backend, colT);
  return withShape(dW, a.filterShape);
};

export const conv2DBackpropInput: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  assertChannelsLast(a.dataFormat, 'Conv2DBackpropInput');
  const { geometry: g, info } = regularConvGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode);
  const { kH, kW, inC, outC } = g;
  const p = info.padInfo;
  const fullPad: [number, number, number, number] = [kH - 1 - p.top, kH - 1 - p.bottom, kW - 1 - p.left, kW - 1 - p.right];
  if (g.strideH === 1 && g.strideW === 1 && fullPad.every((v) => v >= 0)) {
    // dx = 'full' correlation of dy with w flipped in space and with in/out channels swapped.
    const flipped = allocate(backend, [kH, kW, outC, inC]);
    const w = heapF32(backend, filter), f = heapF32(backend, flipped);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const src = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * inC * outC;
        transpose2d(w, src, inC, outC, f, (kh * kW + kw) * outC * inC);
      }
    }
    const dx = fastConv2d(backend, dy, flipped, [1, 1], fullPad);
    release(backend, flipped);
    return dx;
  }
  const n = g.batch * g.outH * g.outW, kkc = kH * kW * inC;
  const wT = allocate(backend, [outC, kkc]);
  transpose2d(heapF32(backend, filter), 0, kkc, outC, heapF32(backend, wT));
  const dcol = fastMatMul(backend, dy, wT, n, outC, kkc);
  release(backend, wT);
  const dx = allocate(backend, a.inputShape);
  const dxView = heapF32(backend, dx);
  dxView.fill(0);
  col2im(heapF32(backend, dcol), g, dxView);
  release(backend, dcol);
  return dx;
};
