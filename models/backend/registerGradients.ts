// tfjs-core's package entry registers no gradients and no chained ops (x.square(), ...):
// the @tensorflow/tfjs union package normally does that, and we depend on tfjs-core alone.
// Several core gradients call chained ops internally (Prod's gradient uses x.reshape()),
// so both are needed to train. Import this module once, for its side effects, before any
// tf.grad / optimizer.minimize. initBackend() imports it.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
