import * as tf from '@tensorflow/tfjs-core';
import { uniformInit, zeros, type Params } from './params';

/**
 * One LSTM direction (PyTorch gate order i, f, g, o), run over padded
 * sequences with a mask instead of packed sequences: at a padded step the
 * state is carried unchanged and the output is zero, so the final state is
 * the state at each sequence's true length.
 */
export class LstmDirection {
  readonly wx: tf.Variable;
  readonly wh: tf.Variable;
  readonly b: tf.Variable;

  constructor(p: Params, readonly inDim: number, readonly hidden: number) {
    const k = 1 / Math.sqrt(hidden); // PyTorch's U(-1/√H, 1/√H)
    this.wx = p.add('wx', [inDim, 4 * hidden], uniformInit(k));
    this.wh = p.add('wh', [hidden, 4 * hidden], uniformInit(k));
    this.b = p.add('b', [4 * hidden], zeros);
  }

  /** x[B, T, E], mask[B, T] → outputs [B, T, H] and final h, c [B, H]. */
  run(x: tf.Tensor3D, mask: tf.Tensor2D): { outputs: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } {
    const [b, t, e] = x.shape;
    const H = this.hidden;
    // All input projections in one product; the recurrence only multiplies by wh.
    const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [b * t, e]), this.wx as tf.Tensor2D), this.b), [b, t, 4 * H]);
    const xs = tf.unstack(xw, 1) as tf.Tensor2D[];
    const ms = tf.unstack(tf.expandDims(mask, 2), 1) as tf.Tensor2D[]; // each [B, 1]
    let h: tf.Tensor2D = tf.zeros([b, H]);
    let c: tf.Tensor2D = tf.zeros([b, H]);
    const outs: tf.Tensor2D[] = [];
    for (let i = 0; i < t; i++) {
      const gates = tf.add(xs[i], tf.matMul(h, this.wh as tf.Tensor2D));
      const [gi, gf, gg, go] = tf.split(gates, 4, 1);
      const cNew = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
      const hNew = tf.mul(tf.sigmoid(go), tf.tanh(cNew));
      const m = ms[i];
      const keep = tf.sub(1, m);
      c = tf.add(tf.mul(cNew, m), tf.mul(c, keep)) as tf.Tensor2D;
      h = tf.add(tf.mul(hNew, m), tf.mul(h, keep)) as tf.Tensor2D;
      outs.push(tf.mul(hNew, m) as tf.Tensor2D);
    }
    return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h, c };
  }
}

/**
 * [B, T, T] matrices that reverse each sequence's valid prefix (position
 * t < L maps to L−1−t) and zero the padding; applying one twice restores the
 * prefix, which is how the backward direction sees the words in reverse.
 */
export function prefixReversal(lengths: ArrayLike<number>, t: number): tf.Tensor3D {
  const b = lengths.length;
  const m = new Float32Array(b * t * t);
  for (let i = 0; i < b; i++) {
    const L = Math.min(lengths[i], t);
    for (let k = 0; k < L; k++) m[i * t * t + k * t + (L - 1 - k)] = 1;
  }
  return tf.tensor3d(m, [b, t, t]);
}

/** Masked bidirectional LSTM: outputs [B, T, 2H] and the final state of each direction. */
export class BiLstm {
  readonly fwd: LstmDirection;
  readonly bwd: LstmDirection;

  constructor(p: Params, inDim: number, readonly hidden: number) {
    this.fwd = new LstmDirection(p.scope('fwd'), inDim, hidden);
    this.bwd = new LstmDirection(p.scope('bwd'), inDim, hidden);
  }

  run(x: tf.Tensor3D, lengths: ArrayLike<number>): { outputs: tf.Tensor3D; hFwd: tf.Tensor2D; hBwd: tf.Tensor2D } {
    const [b, t] = x.shape;
    const mask = tf.tensor2d(Float32Array.from({ length: b * t }, (_, k) => (k % t < lengths[Math.floor(k / t)] ? 1 : 0)), [b, t]);
    const f = this.fwd.run(x, mask);
    const rev = prefixReversal(lengths, t);
    const r = this.bwd.run(tf.matMul(rev, x), mask);
    const bwdOut = tf.matMul(rev, r.outputs); // back to word order
    return { outputs: tf.concat([f.outputs, bwdOut], 2) as tf.Tensor3D, hFwd: f.h, hBwd: r.h };
  }
}
