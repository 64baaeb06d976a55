// What the trainer needs from a method. Each paper method (and the baseline)
// implements this in its own folder; the trainer, sampling and the run folder
// stay the same for all of them.
import type * as tf from '@tensorflow/tfjs-core';

export interface Batch {
  /** Real images [B, S, S, 3] in [-1, 1]. */
  images: tf.Tensor4D;
  /** Word ids [B, T] (int32), 0-padded. */
  ids: tf.Tensor2D;
  /** Real word count per caption. */
  lengths: Int32Array;
  /** Class labels, -1 where unknown. */
  labels: Int32Array;
}

/** Anything saved in and restored from a checkpoint. */
export interface Checkpointable {
  readonly name: string;
  /** Every tensor a checkpoint must hold (weights, running stats, optimiser state), by name. */
  state(): [string, tf.Tensor][];
  /** Restores from named tensors; throws naming any missing tensor or shape mismatch. */
  loadState(get: (name: string) => tf.Tensor | undefined): void;
  /** Scalar counters to checkpoint (e.g. optimiser steps). */
  counters(): Record<string, number>;
  loadCounters(c: Record<string, number>): void;
}

export interface T2IMethod extends Checkpointable {
  /** Loss series this method reports every step, in display order. */
  readonly lossNames: string[];
  readonly noiseDim: number;
  /** One full training step (all D and G updates); returns each loss as a number. */
  trainStep(batch: Batch): Record<string, number>;
  /** Images [N, S, S, 3] in [-1, 1] for word ids [N, T] and noise [N, noiseDim], eval mode. */
  generate(ids: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor4D;
  /**
   * Word-attention maps for the same inputs, per attention layer: weights
   * [N, T, H, W] (T = the ids' width; padded words get zeros). Methods with
   * word attention implement it; the trainer exports it beside each grid.
   */
  attention?(ids: tf.Tensor2D, noise: tf.Tensor2D): { name: string; weights: tf.Tensor4D }[];
  /**
   * What the method's own captioner reads back from the generated images for
   * the same inputs (MirrorGAN's STREAM): token ids per image, 0 = <end>.
   * The trainer writes them, decoded, into the grid's sidecar (`redescriptions`).
   * Undefined when the captioner is not loaded (e.g. sampling).
   */
  redescribe?(ids: tf.Tensor2D, noise: tf.Tensor2D): number[][] | undefined;
  /** Multiplies every learning rate (the NaN guard lowers it on rollback); checkpointed with the counters. */
  learningRateScale?: number;
  dispose(): void;
}
