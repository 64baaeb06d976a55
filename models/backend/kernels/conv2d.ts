// Conv2D forward: our C++ addon when it is loaded (addonConv.ts), else wasm's XNNPACK kernel.
import type { Conv2DAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addonConv2d } from './addonConv';
import { assertChannelsLast } from './convGeometry';
import { native } from './nativeKernels';

export const conv2d: KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DAttrs;
  assertChannelsLast(attrs.dataFormat, 'Conv2D');
  return addonConv2d(args.backend as BackendWasm, x, filter, attrs) ?? native('Conv2D')(args);
};
