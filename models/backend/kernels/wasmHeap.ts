// Small helpers for kernels that work directly on the wasm heap.
//
// A view taken with `heapF32` becomes stale as soon as anything allocates on the
// heap (our own `allocate`, or any native wasm kernel, which may grow memory), so
// take views after the last allocation and never keep them across calls.
import type { DataType, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A fresh, uninitialised heap tensor; the caller owns it (release or return it). */
export function allocate(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/**
 * In the threaded build the heap is a growable SharedArrayBuffer, and the module's HEAPU8
 * (which tfjs reads through) is only refreshed lazily by the glue; a pool thread that grows
 * memory would leave it short. Refresh it the way the glue does before taking views.
 */
export function refreshHeap(backend: BackendWasm): void {
  const module = backend.wasm as unknown as { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  const memory = module.wasmMemory;
  if (memory && module.HEAPU8.buffer !== memory.buffer) module.HEAPU8 = new Uint8Array(memory.buffer);
}

export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  refreshHeap(backend);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function heapView(backend: BackendWasm, info: TensorInfo): TypedArray {
  refreshHeap(backend);
  return backend.typedArrayFromHeap(info) as TypedArray;
}

export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same heap data seen with another shape of the same size (no copy, not owned). */
export function withShape(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}
