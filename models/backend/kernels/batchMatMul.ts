// BatchMatMul and _FusedMatMul that always reach XNNPACK's GEMM.
//
// wasm's kernels are only fast for batch 1 with no transpose flags; with a flag or a batch
// they fall to a naive loop (0.3-1.4 GFLOP/s), and every matMul gradient uses a flag. Here
// transposes are materialised and batches split (or folded into rows), so each product is
// one fast GEMM. _FusedMatMul is also *wrong* on wasm with a transpose flag and a bias, or
// with a bias that is not [N]; those cases are computed as matmul + Add + activation.
// When our C++ addon is loaded (addonKernels.ts), every float product runs there instead, with
// transposes and batch strides handled by its packing (no copies).
import { broadcast_util, util } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelFunc, NamedAttrMap, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addon, addonHeap, heapOffset, type AddonKernels } from './addonKernels';
import { transpose2d } from './im2col';
import { fastMatMul, native } from './nativeKernels';
import { allocate, heapF32, release, withShape } from './wasmHeap';

interface ProductShape {
  m: number; k: number; n: number;
  outer: number[]; batch: number; batchA: number; batchB: number;
}

function productShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): ProductShape {
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kB) {
    throw new Error(`matMul: inner dimensions ${k} and ${kB} of shapes ${a.shape} and ${b.shape} ` +
      `(transposeA=${transposeA}, transposeB=${transposeB}) must match`);
  }
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return { m, k, n, outer, batch: util.sizeFromShape(outer), batchA: util.sizeFromShape(outerA), batchB: util.sizeFromShape(outerB) };
}

/** Maps a flat index over the broadcast batch shape to the flat batch index of one operand. */
function batchIndexer(operandOuter: number[], outer: number[]): (i: number) => number {
  const rank = outer.length, offset = rank - operandOuter.length;
  const outStrides = [...util.computeStrides(outer), 1];
  const strides = [...util.computeStrides(operandOuter), 1];
  return (i: number) => {
    let index = 0, rest = i;
    for (let d = 0; d < rank; d++) {
      const coord = Math.floor(rest / outStrides[d]);
      rest -= coord * outStrides[d];
      const od = d - offset;
      if (od >= 0 && operandOuter[od] !== 1) index += coord * strides[od];
    }
    return index;
  };
}

interface Operand { info: TensorInfo; owned: boolean }

/** Matrix `index` of a batched operand as a plain [rows, cols] heap tensor (copied only when needed). */
function operand(backend: BackendWasm, t: TensorInfo, index: number, transposed: boolean, rows: number, cols: number): Operand {
  const size = rows * cols;
  if (!transposed && index === 0 && util.sizeFromShape(t.shape) === size) return { info: t, owned: false };
  const info = allocate(backend, [rows, cols]);
  const src = heapF32(backend, t), dst = heapF32(backend, info);
  if (transposed) transpose2d(src, index * size, cols, rows, dst);
  else dst.set(src.subarray(index * size, (index + 1) * size));
  return { info, owned: true };
}

function zeros(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = allocate(backend, shape);
  heapF32(backend, out).fill(0);
  return out;
}

/** Every product of the batch through the addon's GEMM, in place on the heap. */
function addonBatchMatMul(kernels: AddonKernels, backend: BackendWasm, a: TensorInfo, b: TensorInfo, s: ProductShape,
  transposeA: boolean, transposeB: boolean, outShape: number[]): TensorInfo {
  const { m, k, n, batch } = s;
  const out = allocate(backend, outShape);
  const heap = addonHeap(backend);
  const aOff = heapOffset(backend, a), bOff = heapOffset(backend, b), cOff = heapOffset(backend, out);
  const t = (v: boolean) => (v ? 1 : 0);
  // An operand whose batch is the full broadcast batch is indexed by i itself (each of its outer
  // dims equals the output's), and one of batch 1 by 0: one call with strides (0 = broadcast).
  const uniform = (operandBatch: number) => operandBatch === 1 || operandBatch === batch;
  if (uniform(s.batchA) && uniform(s.batchB)) {
    kernels.gemm(heap, Int32Array.of(aOff, bOff, cOff, batch, m, n, k, t(transposeA), t(transposeB),
      s.batchA === 1 ? 0 : m * k, s.batchB === 1 ? 0 : k * n, 0));
    return out;
  }
  const indexA = batchIndexer(a.shape.slice(0, -2), s.outer), indexB = batchIndexer(b.shape.slice(0, -2), s.outer);
  for (let i = 0; i < batch; i++) {
    kernels.gemm(heap, Int32Array.of(aOff + indexA(i) * m * k, bOff + indexB(i) * k * n, cOff + i * m * n, 1, m, n, k,
      t(transposeA), t(transposeB), 0, 0, 0));
  }
  return out;
}

function fastBatchMatMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const s = productShape(a, b, transposeA, transposeB);
  const { m, k, n, batch } = s;
  const outShape = [...s.outer, m, n];
  if (batch * m * n === 0) return allocate(backend, outShape);
  if (k === 0) return zeros(backend, outShape);
  const kernels = addon();
  if (kernels) return addonBatchMatMul(kernels, backend, a, b, s, transposeA, transposeB, outShape);
  if (s.batchB === 1 && !transposeA) {
    // Fold A's batch into its rows: one [batch*m, k] @ [k, n] product, already in output layout.
    const B = operand(backend, b, 0, transposeB, k, n);
    const out = fastMatMul(backend, a, B.info, batch * m, k, n);
    if (B.owned) release(backend, B.info);
    return withShape(out, outShape);
  }
  const indexA = batchIndexer(a.shape.slice(0, -2), s.outer), indexB = batchIndexer(b.shape.slice(0, -2), s.outer);
  const sharedA = s.batchA === 1 ? operand(backend, a, 0, transposeA, m, k) : undefined;
  const sharedB = s.batchB === 1 ? operand(backend, b, 0, transposeB, k, n) : undefined;
  const out = allocate(backend, outShape);
  for (let i = 0; i < batch; i++) {
    const A = sharedA ?? operand(backend, a, indexA(i), transposeA, m, k);
    const B = sharedB ?? operand(backend, b, indexB(i), transposeB, k, n);
    const product = fastMatMul(backend, A.info, B.info, m, k, n);
    heapF32(backend, out).set(heapF32(backend, product), i * m * n);
    release(backend, product);
    if (!sharedA && A.owned) release(backend, A.info);
    if (!sharedB && B.owned) release(backend, B.info);
  }
  if (sharedA?.owned) release(backend, sharedA.info);
  if (sharedB?.owned) release(backend, sharedB.info);
  return out;
}

export const batchMatMul: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return native('BatchMatMul')(args);
  return fastBatchMatMul(backend, a, b, !!transposeA, !!transposeB);
};

function applyActivation(backend: BackendWasm, x: TensorInfo, attrs: _FusedMatMulAttrs, preluWeights?: TensorInfo): TensorInfo {
  const run = (name: 'Relu' | 'Relu6' | 'Sigmoid' | 'Elu' | 'LeakyRelu' | 'Prelu', inputs: Record<string, TensorInfo>, extra: NamedAttrMap = {}) => {
    const y = native(name)({ inputs, backend, attrs: extra }) as TensorInfo;
    release(backend, x);
    return y;
  };
  switch (attrs.activation) {
    case undefined: case 'linear': return x;
    case 'relu': return run('Relu', { x });
    case 'relu6': return run('Relu6', { x });
    case 'sigmoid': return run('Sigmoid', { x });
    case 'elu': return run('Elu', { x });
    case 'leakyrelu': return run('LeakyRelu', { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case 'prelu':
      if (!preluWeights) throw new Error('_FusedMatMul: prelu activation needs preluActivationWeights');
      return run('Prelu', { x, alpha: preluWeights });
    default: throw new Error(`_FusedMatMul: unknown activation ${String(attrs.activation)}`);
  }
}

export const fusedMatMul: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { a, b, bias, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const attrs = args.attrs as unknown as _FusedMatMulAttrs;
  const transposeA = !!attrs.transposeA, transposeB = !!attrs.transposeB;
  const s = productShape(a, b, transposeA, transposeB);
  const biasPerColumn = !bias || (bias.shape.length === 1 && bias.shape[0] === s.n);
  const oneGemm = s.batchB === 1 && (!transposeA || s.batchA === 1);
  if (biasPerColumn && oneGemm && s.m * s.n * s.k > 0 && !addon()) {
    // XNNPACK's fused GEMM (bias + clamp in one pass): materialise transposes, fold batch into rows.
    if (!transposeA && !transposeB && s.batchA === 1) return native('_FusedMatMul')(args);
    const rows = s.batch * s.m;
    const A = operand(backend, a, 0, transposeA, rows, s.k);
    const B = operand(backend, b, 0, transposeB, s.k, s.n);
    const out = native('_FusedMatMul')({
      inputs: { a: withShape(A.info, [1, rows, s.k]), b: withShape(B.info, [1, s.k, s.n]), ...(bias ? { bias } : {}), ...(preluActivationWeights ? { preluActivationWeights } : {}) },
      backend, attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
    if (A.owned) release(backend, A.info);
    if (B.owned) release(backend, B.info);
    return withShape(out, [...s.outer, s.m, s.n]);
  }
  let y = fastBatchMatMul(backend, a, b, transposeA, transposeB);
  if (bias) {
    const withBias = native('Add')({ inputs: { a: y, b: bias }, backend, attrs: {} }) as TensorInfo;
    release(backend, y);
    y = withBias;
  }
  return applyActivation(backend, y, attrs, preluActivationWeights);
};
