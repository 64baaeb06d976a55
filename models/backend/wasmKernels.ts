// Training kernels for tfjs' wasm backend: the gradients it lacks, fixes for the ones it
// gets wrong, and replacements for the ones that are too slow to train with.
//
//   Conv2DBackpropFilter                 missing        transposed im2col + one XNNPACK GEMM
//   Conv2DBackpropInput                  slow (loop)    stride 1: XNNPACK conv with flipped filter
//                                                       (strided convs go through a space-to-depth
//                                                       rewrite to stride 1; see conv2dGrads.ts)
//   DepthwiseConv2dNativeBackpropFilter  missing        direct loops
//   DepthwiseConv2dNativeBackpropInput   missing        direct loops
//   UnsortedSegmentSum                   missing        scatter-add (gather / embedding gradient)
//   MaxPoolGrad                          wrong          drops windows whose max is negative
//   ResizeNearestNeighborGrad            wrong          ignores halfPixelCenters
//   ResizeBilinearGrad                   wrong          ignores halfPixelCenters
//   BatchMatMul                          slow           transposes materialised, batches split
//   _FusedMatMul                         slow + wrong   wrong with transpose + bias; see batchMatMul.ts
//   AvgPoolGrad                          slow + wrong   divides border windows by the full size
//   LeakyRelu                            slow (loop)    x * step(x, alpha)
//   Identity                             copies         shares the data (the engine clones every
//                                                       tensor it saves for backprop)
//   Einsum                               missing        cpu kernel on copies (forward only in tfjs)
//   Conv2D                               slow           our C++ addon when built, else XNNPACK
//   Sum, Mean over leading axes          slow           transposes first; addon column sums
//   T2IAdamUpdate                        ours           one Adam step per variable (addon only)
//   Unpack                               slow           block copies (unstack; the LSTM's time steps)
//   SplitV, Concat, Tile                 slow           block copies in the addon (GLU, attention)
//
// With our C++ addon loaded (kernels/addonKernels.ts), the FLOP-heavy ones (Conv2D and its
// two gradients, BatchMatMul, _FusedMatMul) run there at full vector width on every core.
//
// Safe to call any number of times, before or after the wasm backend is initialised.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { useFastLeakyReluGradient } from './activationGradients';
import { ADAM_UPDATE, adamUpdate } from './kernels/adamUpdate';
import { avgPoolGrad } from './kernels/avgPoolGrad';
import { concat, splitV, tile } from './kernels/blockCopies';
import { batchMatMul, fusedMatMul } from './kernels/batchMatMul';
import { conv2d } from './kernels/conv2d';
import { conv2DBackpropFilter, conv2DBackpropInput } from './kernels/conv2dGrads';
import { cpuFallback } from './kernels/cpuFallback';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './kernels/depthwiseGrads';
import { identity } from './kernels/identity';
import { leakyRelu } from './kernels/leakyRelu';
import { maxPoolGrad } from './kernels/maxPoolGrad';
import { captureAllNative, captureNative } from './kernels/nativeKernels';
import { meanLeading, sumLeading } from './kernels/reduceLeading';
import { resizeBilinearGrad } from './kernels/resizeBilinearGrad';
import { resizeNearestNeighborGrad } from './kernels/resizeNearestNeighborGrad';
import { unpack } from './kernels/unpack';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';

export const WASM_TRAINING_KERNELS: Readonly<Record<string, KernelFunc>> = {
  Conv2D: conv2d,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
  MaxPoolGrad: maxPoolGrad,
  ResizeNearestNeighborGrad: resizeNearestNeighborGrad,
  ResizeBilinearGrad: resizeBilinearGrad,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  AvgPoolGrad: avgPoolGrad,
  LeakyRelu: leakyRelu,
  Identity: identity,
  Einsum: cpuFallback('Einsum'),
  Sum: sumLeading,
  Mean: meanLeading,
  [ADAM_UPDATE]: adamUpdate,
  Unpack: unpack,
  SplitV: splitV,
  Concat: concat,
  Tile: tile,
};

/**
 * Registers WASM_TRAINING_KERNELS on the 'wasm' backend, and the cheaper LeakyRelu gradient
 * of activationGradients.ts for all backends (idempotent). Returns the kernel names.
 */
export function registerWasmTrainingKernels(): string[] {
  captureAllNative();
  useFastLeakyReluGradient();
  for (const [kernelName, kernelFunc] of Object.entries(WASM_TRAINING_KERNELS)) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    // Keep wasm's setupFunc: if the backend is not initialised yet, the engine runs it at
    // init, and the native kernel we delegate to needs it.
    const original = captureNative(kernelName);
    if (current) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: original?.setupFunc });
  }
  return Object.keys(WASM_TRAINING_KERNELS);
}
