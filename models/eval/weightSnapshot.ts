// A copy of a model's checkpoint state at one step, so that an evaluation
// running in slices while training goes on still scores the weights of the
// step it names: each slice swaps the snapshot in and the live state back.
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpointable } from '../train/method';

export class WeightSnapshot {
  private readonly tensors: Map<string, tf.Tensor>;

  constructor(private readonly model: Checkpointable) {
    this.tensors = new Map(model.state().map(([name, t]) => [name, tf.clone(t)]));
  }

  /** Runs `fn` with the snapshot's weights in the model; the live weights are back afterwards, even on error. */
  use<T>(fn: () => T): T {
    const live = new Map(this.model.state().map(([name, t]) => [name, tf.clone(t)]));
    try {
      this.model.loadState((name) => this.tensors.get(name));
      return fn();
    } finally {
      this.model.loadState((name) => live.get(name));
      tf.dispose([...live.values()]);
    }
  }

  dispose(): void {
    tf.dispose([...this.tensors.values()]);
    this.tensors.clear();
  }
}
