// Gradients of a regular 2-D convolution (NHWC), with the FLOPs on XNNPACK.
//
//   Conv2DBackpropFilter  dW[KKC, CO] = colT[KKC, N] @ dy[N, CO]   (N = batch * outH * outW)
//                         stride 1: colT from contiguous copies of a channel-major x over a
//                         slightly wider grid (when that pays), else a strided im2col
//   Conv2DBackpropInput   stride 1: XNNPACK conv of dy with the flipped, in/out-swapped filter;
//                         otherwise dcol[N, KKC] = dy[N, CO] @ W^T[CO, KKC], then col2im
//   stride > 1 (kernel >= stride): both rewritten as the stride-1 case on a space-to-depth
//                         view of x (spaceToDepth.ts), so they take the fast paths above.
// Conv2DBackpropInput is also the forward pass of conv2dTranspose.
// When our C++ addon is loaded (addonKernels.ts), both kernels run there instead.
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addonConv2dFilterGrad, addonConv2dInputGrad } from './addonConv';
import { assertChannelsLast, regularConvGeometry, type ConvGeometry } from './convGeometry';
import {
  col2im, im2colTransposed, im2colTransposedStride1, paddedChannelMajorLayout, toPaddedChannelMajor, transpose2d, widenRows,
} from './im2col';
import { fastConv2d, fastMatMul } from './nativeKernels';
import { depthToSpace, mergeFilter, spaceToDepth, splitFilter, splitGeometry, strideSplit } from './spaceToDepth';
import { allocate, heapF32, release, withShape } from './wasmHeap';

/** Padding [top, bottom, left, right] of a convolution, as geometry does not keep bottom/right. */
type Padding = [number, number, number, number];

const isStride1 = (g: ConvGeometry) => g.strideH === 1 && g.strideW === 1;
/** Space-to-depth only pays when every phase has a tap (kernel at least the stride). */
const splittable = (g: ConvGeometry) => !isStride1(g) && g.kH >= g.strideH && g.kW >= g.strideW;

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
function filterGradWidened(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
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

/** dW as [KH*KW*C, CO] for any geometry. */
function filterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const n = g.batch * g.outH * g.outW, kkc = g.kH * g.kW * g.inC;
  const pointwise = g.kH === 1 && g.kW === 1 && isStride1(g) && g.padTop === 0 && g.padLeft === 0;
  if (!pointwise && isStride1(g) && widenedGridPays(g)) return filterGradWidened(backend, x, dy, g);
  if (splittable(g)) {
    const s = strideSplit(g), sg = splitGeometry(g, s);
    const xs = allocate(backend, [g.batch, s.hs, s.ws, s.channels]);
    spaceToDepth(heapF32(backend, x), g, s, heapF32(backend, xs));
    const dWs = filterGrad(backend, xs, dy, sg);
    release(backend, xs);
    const dW = allocate(backend, [kkc, g.outC]);
    mergeFilter(heapF32(backend, dWs), g, s, heapF32(backend, dW));
    release(backend, dWs);
    return dW;
  }
  const colT = allocate(backend, [kkc, n]);
  if (pointwise) transpose2d(heapF32(backend, x), 0, n, g.inC, heapF32(backend, colT));
  else im2colTransposed(heapF32(backend, x), g, heapF32(backend, colT));
  const dW = fastMatMul(backend, colT, dy, kkc, n, g.outC);
  release(backend, colT);
  return dW;
}

/** Stride 1: dx = 'full' correlation of dy with w flipped in space and in/out channels swapped. */
function inputGradFlipped(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, fullPad: Padding): TensorInfo {
  const { kH, kW, inC, outC } = g;
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

/** dx [batch, inH, inW, inC] for any geometry; pad is the forward conv's [top, bottom, left, right]. */
function inputGrad(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, pad: Padding): TensorInfo {
  const { kH, kW, inC, outC } = g;
  const fullPad: Padding = [kH - 1 - pad[0], kH - 1 - pad[1], kW - 1 - pad[2], kW - 1 - pad[3]];
  if (isStride1(g) && fullPad.every((v) => v >= 0)) return inputGradFlipped(backend, dy, filter, g, fullPad);
  const inShape = [g.batch, g.inH, g.inW, inC];
  if (splittable(g)) {
    const s = strideSplit(g), sg = splitGeometry(g, s);
    const wSplit = allocate(backend, [s.qH, s.qW, s.channels, outC]);
    splitFilter(heapF32(backend, filter), g, s, heapF32(backend, wSplit));
    const dxs = inputGrad(backend, dy, wSplit, sg, [0, 0, 0, 0]);
    release(backend, wSplit);
    const dx = allocate(backend, inShape);
    depthToSpace(heapF32(backend, dxs), g, s, heapF32(backend, dx));
    release(backend, dxs);
    return dx;
  }
  const n = g.batch * g.outH * g.outW, kkc = kH * kW * inC;
  const wT = allocate(backend, [outC, kkc]);
  transpose2d(heapF32(backend, filter), 0, kkc, outC, heapF32(backend, wT));
  const dcol = fastMatMul(backend, dy, wT, n, outC, kkc);
  release(backend, wT);
  const dx = allocate(backend, inShape);
  const dxView = heapF32(backend, dx);
  dxView.fill(0);
  col2im(heapF32(backend, dcol), g, dxView);
  release(backend, dcol);
  return dx;
}

export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  assertChannelsLast(a.dataFormat, 'Conv2DBackpropFilter');
  const { geometry } = regularConvGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
  const viaAddon = addonConv2dFilterGrad(backend, x, dy, geometry, a.filterShape);
  if (viaAddon) return viaAddon;
  return withShape(filterGrad(backend, x, dy, geometry), a.filterShape);
};

export const conv2DBackpropInput: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  assertChannelsLast(a.dataFormat, 'Conv2DBackpropInput');
  const { geometry, info } = regularConvGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode);
  const viaAddon = addonConv2dInputGrad(backend, dy, filter, geometry);
  if (viaAddon) return viaAddon;
  const p = info.padInfo;
  return inputGrad(backend, dy, filter, geometry, [p.top, p.bottom, p.left, p.right]);
};
