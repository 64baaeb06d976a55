// Runs the same gradient computation on two backends and measures how far apart they are.
// Used by the backend tests; handy when checking a new kernel by hand too.
import * as tf from '@tensorflow/tfjs-core';
import { withBackend } from './select';

/** Deterministic values in [-scale, scale) (mulberry32), so both backends see the same inputs. */
export function seededValues(count: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
}

export type ScalarLoss = (...inputs: tf.Tensor[]) => tf.Scalar;

/** Gradients of loss w.r.t. seeded inputs of the given shapes, computed on `backend`, as plain arrays. */
export async function gradientsOn(backend: string, shapes: number[][], loss: ScalarLoss, seed = 1): Promise<Float32Array[]> {
  return withBackend(backend, () => {
    const inputs = shapes.map((shape, i) => seededTensor(shape, seed + 7919 * i));
    const grads = tf.grads(loss)(inputs);
    const values = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose([...grads, ...inputs]);
    return values;
  });
}

/** Outputs of fn on seeded inputs, computed on `backend`, as plain arrays. */
export async function outputsOn(backend: string, shapes: number[][], fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], seed = 1): Promise<Float32Array[]> {
  return withBackend(backend, () => {
    const inputs = shapes.map((shape, i) => seededTensor(shape, seed + 7919 * i));
    const result = fn(...inputs);
    const outs = Array.isArray(result) ? result : [result];
    const values = outs.map((o) => o.dataSync() as Float32Array);
    tf.dispose([...outs, ...inputs]);
    return values;
  });
}

/** max |expected - actual| / max |expected| over all arrays (shapes must match). */
export function maxRelativeError(expected: ArrayLike<number>[], actual: ArrayLike<number>[]): number {
  if (expected.length !== actual.length) throw new Error(`${expected.length} arrays vs ${actual.length}`);
  let maxErr = 0, maxAbs = 0;
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e.length !== a.length) throw new Error(`array ${i}: length ${e.length} vs ${a.length}`);
    for (let j = 0; j < e.length; j++) {
      const diff = Math.abs(e[j] - a[j]);
      maxErr = Math.max(maxErr, Number.isNaN(diff) ? Infinity : diff);
      maxAbs = Math.max(maxAbs, Math.abs(e[j]));
    }
  });
  return maxErr / Math.max(maxAbs, 1e-12);
}
