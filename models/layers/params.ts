// A named collection of variables. Names like `g/up0/conv/w` identify tensors
// in checkpoints; tfjs's own variable names are left unset so two models can
// live in one process (tests build many).
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has no gradient functions; anything that trains needs them.
import '../backend/registerGradients';
import { ownedVariable } from './variable';

/** A source of uniform [0,1) and standard-normal numbers (seeded, so init is reproducible). */
export interface RandomSource {
  uniform(): number;
  normal(): number;
}

export type Initializer = (shape: number[], rand: RandomSource) => Float32Array;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export const zeros: Initializer = (shape) => new Float32Array(size(shape));
export const ones: Initializer = (shape) => new Float32Array(size(shape)).fill(1);

/** Glorot/Xavier uniform with the given fans (conv: fan = k*k*channels). */
export function glorotUniform(fanIn: number, fanOut: number): Initializer {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return (shape, rand) => Float32Array.from({ length: size(shape) }, () => (rand.uniform() * 2 - 1) * limit);
}

export function normalInit(std: number, mean = 0): Initializer {
  return (shape, rand) => Float32Array.from({ length: size(shape) }, () => mean + std * rand.normal());
}

export function uniformInit(limit: number): Initializer {
  return (shape, rand) => Float32Array.from({ length: size(shape) }, () => (rand.uniform() * 2 - 1) * limit);
}

export class Params {
  constructor(
    private readonly store: Map<string, tf.Variable>,
    private readonly prefix: string,
    private readonly rand: RandomSource,
  ) {}

  static root(rand: RandomSource): Params {
    return new Params(new Map(), '', rand);
  }

  /** A child scope: variables it creates are named `<prefix>/<name>/...`. */
  scope(name: string): Params {
    return new Params(this.store, this.prefix + name + '/', this.rand);
  }

  add(name: string, shape: number[], init: Initializer, trainable = true): tf.Variable {
    const full = this.prefix + name;
    if (this.store.has(full)) throw new Error(`duplicate parameter name ${full}`);
    const v = ownedVariable(tf.tensor(init(shape, this.rand), shape, 'float32'), trainable);
    this.store.set(full, v);
    return v;
  }

  /** Every variable of this scope and below, by full name. */
  entries(): [string, tf.Variable][] {
    return [...this.store.entries()].filter(([k]) => k.startsWith(this.prefix));
  }

  trainable(): tf.Variable[] {
    return this.entries().filter(([, v]) => v.trainable).map(([, v]) => v);
  }

  count(): number {
    return this.entries().reduce((n, [, v]) => n + v.size, 0);
  }

  dispose(): void {
    for (const [k, v] of this.entries()) {
      v.dispose();
      this.store.delete(k);
    }
  }
}
