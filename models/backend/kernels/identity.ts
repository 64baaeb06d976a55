// Identity that shares the input's heap data (a reference count, as the cpu backend does)
// instead of copying it. tfjs' engine clones every tensor it saves for the backward pass,
// so wasm's copying Identity duplicated each layer's activations (~180 copies per
// dcgan-bench step). Safe: wasm kernels never write into their inputs, and variables are
// updated by swapping data, not in place.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { native } from './nativeKernels';

export const identity: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return native('Identity')(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};
