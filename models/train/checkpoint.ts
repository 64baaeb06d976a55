// Checkpoints: a method's named tensors plus the counters and RNG state needed
// to resume, in one safetensors file written atomically.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../run/atomicWrite';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors';
import type { Adam } from './adam';
import { checkpointWritePause } from './faultInjection';
import type { Checkpointable } from './method';

export interface CheckpointMeta {
  format: 't2i-lab-checkpoint';
  version: 1;
  method: string;
  step: number;
  counters: Record<string, number>;
  /** Everything else a bit-exact resume needs (RNG states, data order), as JSON. */
  resume: Record<string, unknown>;
}

export function saveCheckpoint(file: string, method: Checkpointable, meta: Omit<CheckpointMeta, 'format' | 'version' | 'method' | 'counters'>): void {
  const tensors: [string, SafeTensor][] = method.state().map(([name, t]) => [
    name,
    { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: t.shape, data: t.dataSync() as Float32Array | Int32Array },
  ]);
  // A NaN/Inf state must never become the latest checkpoint: resume and rollback would load it.
  for (const [name, t] of tensors) {
    if (t.dtype === 'F32' && !t.data.every(Number.isFinite)) throw new Error(`${file}: not written, tensor "${name}" holds NaN or Inf`);
  }
  const full: CheckpointMeta = { format: 't2i-lab-checkpoint', version: 1, method: method.name, counters: method.counters(), ...meta };
  writeFileAtomic(file, encodeSafetensors(tensors, { t2i: JSON.stringify(full) }), checkpointWritePause(meta.step));
}

/** Reads a checkpoint's metadata and tensors; errors name the file. */
export function readCheckpoint(file: string): { meta: CheckpointMeta; tensors: Map<string, SafeTensor> } {
  let parsed;
  try {
    parsed = decodeSafetensors(fs.readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(parsed.metadata.t2i ?? '');
  } catch {
    throw new Error(`${file}: not a T2I Lab checkpoint (no "t2i" metadata)`);
  }
  if (typeof meta !== 'object' || meta === null || meta.format !== 't2i-lab-checkpoint') throw new Error(`${file}: not a T2I Lab checkpoint`);
  if (typeof meta.method !== 'string' || !Number.isSafeInteger(meta.step) || meta.step < 0 || typeof meta.counters !== 'object' || meta.counters === null) {
    throw new Error(`${file}: malformed checkpoint metadata (method, step or counters)`);
  }
  return { meta, tensors: parsed.tensors };
}

/**
 * Assigns named tensors to variables, checking every name and shape first;
 * the error names the first tensor that is missing or differs.
 */
export function restoreVariables(vars: [string, tf.Tensor][], get: (name: string) => tf.Tensor | undefined): void {
  const found = vars.map(([name, v]) => {
    const t = get(name);
    if (!t) throw new Error(`checkpoint has no tensor "${name}"`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`checkpoint tensor "${name}" has shape [${t.shape}], the model needs [${v.shape}]`);
    }
    if (t.dtype !== v.dtype) throw new Error(`checkpoint tensor "${name}" is ${t.dtype}, the model needs ${v.dtype}`);
    return t;
  });
  vars.forEach(([, v], i) => (v as tf.Variable).assign(found[i]));
}

/** Loads a checkpoint into a method; throws naming the file and the first tensor that differs. */
export function loadCheckpoint(file: string, method: Checkpointable): CheckpointMeta {
  const { meta, tensors } = readCheckpoint(file);
  if (meta.method !== method.name) throw new Error(`${file}: checkpoint is for method "${meta.method}", the config says "${method.name}"`);
  const made: tf.Tensor[] = [];
  try {
    method.loadState((name) => {
      const t = tensors.get(name);
      if (!t) return undefined;
      const tensor = tf.tensor(t.data, t.shape, t.dtype === 'I32' ? 'int32' : 'float32');
      made.push(tensor);
      return tensor;
    });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    tf.dispose(made);
  }
  method.loadCounters(meta.counters);
  return meta;
}

/**
 * The checkpoint side of a GAN method: its named tensors (weights, running
 * statistics, EMA shadows) plus its Adam optimisers, whose moments are saved
 * as tensors and whose step counters as `<optimiser>_step`. Methods extend it
 * and name the two parts.
 */
export abstract class CheckpointedModel implements Omit<Checkpointable, 'name'> {
  protected abstract checkpointTensors(): [string, tf.Tensor][];
  protected abstract optimizers(): readonly Adam[];
  /** What the model frees with itself besides its optimisers: parameters, EMA copy, frozen encoders. */
  protected abstract owned(): readonly ({ dispose(): void } | undefined)[];

  dispose(): void {
    for (const o of this.optimizers()) o.dispose();
    for (const x of this.owned()) x?.dispose();
  }

  state(): [string, tf.Tensor][] {
    return [...this.checkpointTensors(), ...this.optimizers().flatMap((o) => o.state())];
  }

  loadState(get: (name: string) => tf.Tensor | undefined): void {
    restoreVariables(this.state(), get);
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.optimizers().flatMap((o) => [
      [`${o.name}_step`, o.step],
      // Only after a NaN-guard rollback, so other checkpoints stay as before.
      ...(o.lrScale !== 1 ? [[`${o.name}_lrScale`, o.lrScale]] : []),
    ]));
  }

  loadCounters(c: Record<string, number>): void {
    for (const o of this.optimizers()) {
      o.step = c[`${o.name}_step`] ?? 0;
      o.lrScale = c[`${o.name}_lrScale`] ?? 1;
    }
  }

  /** The factor every optimiser's learning rate is multiplied by (1 until a NaN-guard rollback). */
  get learningRateScale(): number {
    return this.optimizers()[0]?.lrScale ?? 1;
  }

  set learningRateScale(scale: number) {
    for (const o of this.optimizers()) o.lrScale = scale;
  }
}
