// The fixed "dcgan-bench" network of docs (compute.md), the yardstick for training speed;
// mirrors /bench/torch_bench.py's `dcgan` op for op.
//
//   G: z[100] -> Linear 4096 + ReLU -> 4x4x256 -> 3 x [nearest x2, conv3x3 (no bias),
//      BatchNorm (batch statistics), ReLU] with channels 256->128->64->32 -> conv3x3 32->3 + bias -> tanh
//   D: 3 x [conv3x3 + bias, LeakyReLU 0.2, avgpool 2] with channels 3->64->128->256 -> Linear 4096->1
//   step: one D update (real + detached fake, BCE with logits), then one G update
//         (non-saturating, no D weight gradients); Adam 2e-4, betas 0.5 / 0.999 (the project's
//         Adam, models/train/adam.ts, as every method trains with). NHWC.
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../train/adam';
import { seededValues } from './backendCompare';

export interface DcganBench {
  /** One D step and one G step; returns [lossD, lossG]. */
  step(): [number, number];
  dispose(): void;
  gflopPerStep: number;
}

const LATENT = 100;

/** Convolution and dense FLOPs of one step (multiply-add = 2), as the prototype counted them. */
export function dcganStepGflop(batch: number): number {
  const conv = (hw: number, ci: number, co: number) => 2 * batch * hw * hw * ci * co * 9;
  const g = conv(8, 256, 128) + conv(16, 128, 64) + conv(32, 64, 32) + conv(32, 32, 3) + 2 * batch * LATENT * 4096;
  const d = conv(32, 3, 64) + conv(16, 64, 128) + conv(8, 128, 256) + 2 * batch * 4096;
  const dFirstInputGrad = conv(32, 3, 64);
  const dStep = g + 2 * d + 2 * (2 * d - dFirstInputGrad); // G fwd, D fwd x2, D weight + input grads x2
  const gStep = g + d + d + 2 * g;                         // G fwd, D fwd, D input grads, G weight + input grads
  return (dStep + gStep) / 1e9;
}

export function createDcganBench(opts: { batch?: number; seed?: number } = {}): DcganBench {
  const batch = opts.batch ?? 16;
  let seed = opts.seed ?? 1;
  const param = (shape: number[], scale: number) =>
    tf.variable(tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed++, scale), shape));
  const G = {
    dense: param([LATENT, 4096], 0.1), denseBias: tf.variable(tf.zeros([4096])),
    blocks: [[256, 128, 0.03], [128, 64, 0.04], [64, 32, 0.06]].map(([ci, co, scale]) => ({
      filter: param([3, 3, ci, co], scale), gamma: tf.variable(tf.ones([co])), beta: tf.variable(tf.zeros([co])),
    })),
    out: param([3, 3, 32, 3], 0.08), outBias: tf.variable(tf.zeros([3])),
  };
  const D = {
    blocks: [[3, 64, 0.2], [64, 128, 0.04], [128, 256, 0.03]].map(([ci, co, scale]) => ({
      filter: param([3, 3, ci, co], scale), bias: tf.variable(tf.zeros([co])),
    })),
    dense: param([4096, 1], 0.02), denseBias: tf.variable(tf.zeros([1])),
  };
  const gVars = [G.dense, G.denseBias, ...G.blocks.flatMap((b) => [b.filter, b.gamma, b.beta]), G.out, G.outBias];
  const dVars = [...D.blocks.flatMap((b) => [b.filter, b.bias]), D.dense, D.denseBias];

  const batchNorm = (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor4D;
  };
  const generate = (z: tf.Tensor2D): tf.Tensor4D => {
    let h = tf.reshape(tf.relu(tf.add(tf.matMul(z, G.dense), G.denseBias)), [-1, 4, 4, 256]) as tf.Tensor4D;
    for (const b of G.blocks) {
      const size = h.shape[1] * 2;
      h = tf.relu(batchNorm(tf.conv2d(tf.image.resizeNearestNeighbor(h, [size, size]), b.filter as tf.Tensor4D, 1, 'same'), b.gamma, b.beta));
    }
    return tf.tanh(tf.add(tf.conv2d(h, G.out as tf.Tensor4D, 1, 'same'), G.outBias)) as tf.Tensor4D;
  };
  const discriminate = (x: tf.Tensor4D): tf.Tensor => {
    let h = x;
    for (const b of D.blocks) {
      h = tf.avgPool(tf.leakyRelu(tf.add(tf.conv2d(h, b.filter as tf.Tensor4D, 1, 'same'), b.bias), 0.2) as tf.Tensor4D, 2, 2, 'valid');
    }
    return tf.add(tf.matMul(tf.reshape(h, [-1, 4096]), D.dense), D.denseBias);
  };
  const bce = (logits: tf.Tensor, label: 0 | 1) =>
    tf.losses.sigmoidCrossEntropy(label ? tf.onesLike(logits) : tf.zerosLike(logits), logits) as tf.Scalar;

  const named = (vars: tf.Variable[], prefix: string) => vars.map((v, i) => [`${prefix}${i}`, v] as [string, tf.Variable]);
  const adam = { lr: 2e-4, beta1: 0.5, beta2: 0.999 };
  const optD = new Adam('d', named(dVars, 'd'), adam), optG = new Adam('g', named(gVars, 'g'), adam);
  const real = tf.tensor(seededValues(batch * 32 * 32 * 3, 999), [batch, 32, 32, 3]) as tf.Tensor4D;

  return {
    gflopPerStep: dcganStepGflop(batch),
    step() {
      const fake = tf.tidy(() => generate(tf.randomNormal([batch, LATENT])));
      const lossD = optD.minimize(() => tf.add(bce(discriminate(real), 1), bce(discriminate(fake), 0)) as tf.Scalar);
      const lossG = optG.minimize(() => bce(discriminate(generate(tf.randomNormal([batch, LATENT]))), 1));
      fake.dispose();
      return [lossD, lossG];
    },
    dispose() {
      tf.dispose([...gVars, ...dVars, real]);
      optD.dispose();
      optG.dispose();
    },
  };
}
