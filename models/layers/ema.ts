import * as tf from '@tensorflow/tfjs-core';
import { ownedVariable } from './variable';

/**
 * Exponential moving average of weights (the EMA generator used for samples
 * and evaluation): shadow ← decay·shadow + (1 − decay)·w after each step.
 * `swap()` exchanges live and shadow weights, so sampling code can use the
 * ordinary model, then swap back.
 */
export class Ema {
  readonly shadow = new Map<string, tf.Variable>();

  constructor(readonly vars: [string, tf.Variable][], readonly decay = 0.999) {
    for (const [n, v] of vars) this.shadow.set(n, ownedVariable(v.clone(), false));
  }

  /**
   * The decay after `updates` updates: min(decay, (1 + n) / (10 + n)), the warm-up of
   * TensorFlow's ExponentialMovingAverage(num_updates). Without it a short run's
   * average still holds a large share of the random initial weights (0.995^300 ≈ 22%).
   */
  decayAfter(updates?: number): number {
    return updates === undefined ? this.decay : Math.min(this.decay, (1 + updates) / (10 + updates));
  }

  /** One averaging step; `updates` (steps taken so far, e.g. G's optimiser step) turns on the warm-up. */
  update(updates?: number): void {
    const d = this.decayAfter(updates);
    tf.tidy(() => {
      for (const [n, v] of this.vars) {
        const s = this.shadow.get(n)!;
        s.assign(tf.add(tf.mul(s, d), tf.mul(v, 1 - d)));
      }
    });
  }

  swap(): void {
    for (const [n, v] of this.vars) {
      const s = this.shadow.get(n)!;
      const live = v.clone();
      v.assign(s);
      s.assign(live);
      live.dispose();
    }
  }

  /** Runs `fn` with the averaged weights in place, then restores the live ones. */
  withAveraged<T>(fn: () => T): T {
    this.swap();
    try {
      return fn();
    } finally {
      this.swap();
    }
  }

  state(prefix = 'ema'): [string, tf.Tensor][] {
    return [...this.shadow.entries()].map(([n, s]) => [`${prefix}/${n}`, s]);
  }

  dispose(): void {
    tf.dispose([...this.shadow.values()]);
  }
}
