// Runs the cpu backend's kernel on copies of the inputs, for kernels wasm lacks that are
// rare and cheap in training (Einsum). Correct, not fast.
import * as tf from '@tensorflow/tfjs-core';
import '../cpuBackend';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function cpuFallback(kernelName: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as BackendWasm;
    const cpu = tf.engine().findBackend('cpu') as KernelBackend | null;
    const config = tf.getKernel(kernelName, 'cpu');
    if (!cpu || !config) throw new Error(`${kernelName}: no wasm kernel and no cpu backend to fall back to`);
    const copies: TensorInfo[] = [];
    const toCpu = (t: TensorInfo): TensorInfo => {
      const copy = { dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      copies.push(copy);
      return copy;
    };
    const cpuInputs = Array.isArray(inputs)
      ? (inputs as TensorInfo[]).map(toCpu)
      : Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, toCpu(t as TensorInfo)]));
    try {
      const result = config.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs });
      const outputs = (Array.isArray(result) ? result : [result]).map((o) => {
        const out = backend.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId) as tf.backend_util.BackendValues);
        cpu.disposeData(o.dataId);
        return out;
      });
      return Array.isArray(result) ? outputs : outputs[0];
    } finally {
      for (const c of copies) cpu.disposeData(c.dataId);
    }
  };
}
