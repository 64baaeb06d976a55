import * as tf from '@tensorflow/tfjs-core';
import { normalInit, type Params } from './params';

/**
 * Spectral normalisation (Miyato et al. 2018): W / σ(W), σ estimated by one
 * power iteration per call with a persistent vector u. u and v are variables
 * outside every optimiser's list, so gradients reach W only through σ = vᵀWu
 * and W/σ, as in the reference implementations (which update u under
 * no_grad). The weight is viewed as a matrix [fan_in, out].
 */
export class SpectralNorm {
  readonly u: tf.Variable;
  readonly v: tf.Variable;

  constructor(p: Params, readonly weight: tf.Variable, private readonly eps = 1e-12) {
    const out = weight.shape[weight.rank - 1];
    const fanIn = weight.size / out;
    this.u = p.add('sn_u', [out, 1], normalInit(1), false);
    this.v = p.add('sn_v', [fanIn, 1], normalInit(1), false);
  }

  private matrix(): tf.Tensor2D {
    const out = this.weight.shape[this.weight.rank - 1];
    return tf.reshape(this.weight, [-1, out]);
  }

  /** One power iteration (when training), then the normalised weight. */
  apply(training: boolean): tf.Tensor {
    if (training) {
      tf.tidy(() => {
        const w = this.matrix();
        const v = tf.matMul(w, this.u as tf.Tensor2D);
        this.v.assign(tf.div(v, tf.add(tf.norm(v), this.eps)));
        const u = tf.matMul(w, this.v as tf.Tensor2D, true, false);
        this.u.assign(tf.div(u, tf.add(tf.norm(u), this.eps)));
      });
    }
    const sigma = tf.sum(tf.mul(this.v, tf.matMul(this.matrix(), this.u as tf.Tensor2D)));
    return tf.div(this.weight, sigma);
  }

  /** The current estimate of the top singular value (for tests and logs). */
  sigma(): number {
    return tf.tidy(() => tf.sum(tf.mul(this.v, tf.matMul(this.matrix(), this.u as tf.Tensor2D))).dataSync()[0]);
  }
}
