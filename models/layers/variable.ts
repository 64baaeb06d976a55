import * as tf from '@tensorflow/tfjs-core';

/**
 * A variable that owns its data: tf.variable(t) shares t's data but leaves the
 * tensor t alive as well, so every model disposed later would leave one tensor
 * per weight behind. The initial tensor is disposed here (the data stays, the
 * variable holds a reference to it).
 */
export function ownedVariable(initial: tf.Tensor, trainable = true, name?: string): tf.Variable {
  const v = tf.variable(initial, trainable, name);
  initial.dispose();
  return v;
}
