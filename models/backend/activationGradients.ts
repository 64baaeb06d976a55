// A cheaper LeakyRelu gradient, for every backend: dy * step(x, alpha).
// tfjs-core computes where(x > 0, dy, alpha * dy): Greater, three clones (its `where`
// broadcasts each operand with a copy), Multiply and Select, about 15x the time of
// Step + Multiply on wasm. Same values (except that a NaN input gives a NaN gradient),
// and Step and Multiply have gradients, so second-order gradients (e.g. gradient penalties)
// still work.
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig } from '@tensorflow/tfjs-core';
import './registerGradients';

const MARK = Symbol.for('t2i-lab.leakyReluGradient');
type MarkedGradConfig = GradConfig & { [MARK]?: true };

/** Idempotent. Importing this module registers tfjs-core's gradients first. */
export function useFastLeakyReluGradient(): void {
  const current = tf.getGradient('LeakyRelu') as MarkedGradConfig | undefined;
  if (current?.[MARK]) return;
  const config: MarkedGradConfig = {
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const alpha = (attrs as { alpha?: number }).alpha ?? 0.2;
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
    },
    [MARK]: true,
  };
  if (current) tf.unregisterGradient('LeakyRelu');
  tf.registerGradient(config);
}
