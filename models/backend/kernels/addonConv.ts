// Conv2D and its two gradients through our C++ addon (addonKernels.ts), on the wasm heap.
// Each returns undefined when the addon is not in use or the case is not one it takes
// (non-float data), and the caller then runs the wasm path.
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset } from './addonKernels';
import type { ConvGeometry } from './convGeometry';
import { geometryOf } from './convGeometry';
import { allocate } from './wasmHeap';

/** The 15 geometry numbers in the order native/t2i_kernels.cc reads them, then 3 offsets. */
function convArgs(g: ConvGeometry, in0: number, in1: number, out: number): Int32Array {
  return Int32Array.of(g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW,
    g.strideH, g.strideW, g.dilH, g.dilW, g.padTop, g.padLeft, in0, in1, out);
}

const floats = (...infos: TensorInfo[]) => infos.every((t) => t.dtype === 'float32');
const empty = (g: ConvGeometry) => g.batch * g.outH * g.outW * g.outC * g.inH * g.inW * g.inC === 0;

/** Forward NHWC conv (any stride, padding, dilation). */
export function addonConv2d(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): TensorInfo | undefined {
  const kernels = addon();
  if (!kernels || !floats(x, filter)) return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const g = geometryOf(info);
  if (empty(g)) return undefined;
  const out = allocate(backend, info.outShape);
  kernels.conv2d(addonHeap(backend), convArgs(g, heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, out)));
  return out;
}

/** dW [kH, kW, inC, outC] of the conv with geometry g. */
export function addonConv2dFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, filterShape: number[]): TensorInfo | undefined {
  const kernels = addon();
  if (!kernels || !floats(x, dy) || empty(g)) return undefined;
  const dW = allocate(backend, filterShape);
  kernels.conv2dBackpropFilter(addonHeap(backend), convArgs(g, heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dW)));
  return dW;
}

/** dx [batch, inH, inW, inC] of the conv with geometry g. */
export function addonConv2dInputGrad(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo | undefined {
  const kernels = addon();
  if (!kernels || !floats(dy, filter) || empty(g)) return undefined;
  const dx = allocate(backend, [g.batch, g.inH, g.inW, g.inC]);
  kernels.conv2dBackpropInput(addonHeap(backend), convArgs(g, heapOffset(backend, dy), heapOffset(backend, filter), heapOffset(backend, dx)));
  return dx;
}
