// Adam with PyTorch's update rule and named, checkpointable state. tfjs's own
// AdamOptimizer keys its moments by engine-generated variable names, which
// differ between processes, so its state cannot be restored by name.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has no gradient functions; anything that trains needs them.
import '../backend/registerGradients';
import { addon } from '../backend/kernels/addonKernels';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../backend/kernels/adamUpdate';
import { ownedVariable } from '../layers/variable';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps?: number;
}

/** Clip the joint L2 norm of some variables' gradients (AttnGAN clips its RNN's at 0.25). */
export interface GradientClip {
  applies: (name: string) => boolean;
  maxNorm: number;
}

function clipGradients(vars: [string, tf.Variable][], grads: tf.NamedTensorMap, clip: GradientClip): void {
  const chosen = vars.filter(([n, w]) => clip.applies(n) && grads[w.name]);
  if (!chosen.length) return;
  const norm = Math.sqrt(tf.tidy(() => tf.addN(chosen.map(([, w]) => tf.sum(tf.square(grads[w.name])))).dataSync()[0]));
  if (norm <= clip.maxNorm) return;
  for (const [, w] of chosen) {
    const g = grads[w.name];
    grads[w.name] = tf.mul(g, clip.maxNorm / norm);
    g.dispose();
  }
}

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;
  /** Multiplies `lr`; the NaN guard lowers it on each rollback, and checkpoints keep it. */
  lrScale = 1;

  constructor(readonly name: string, readonly vars: [string, tf.Variable][], readonly opts: AdamOptions) {
    for (const [n, w] of vars) {
      this.m.set(n, ownedVariable(tf.zerosLike(w), false));
      this.v.set(n, ownedVariable(tf.zerosLike(w), false));
    }
  }

  /**
   * Minimises `loss` over this optimiser's variables. `loss` returns a scalar
   * and may return extra scalars to report; everything it makes is disposed.
   */
  minimize(loss: () => tf.Scalar, clip?: GradientClip): number {
    const list = this.vars.map(([, w]) => w);
    const { value, grads } = tf.variableGrads(loss, list);
    if (clip) clipGradients(this.vars, grads, clip);
    this.apply(this.vars.map(([n, w]) => [n, w, grads[w.name]]));
    const out = value.dataSync()[0];
    value.dispose();
    tf.dispose(Object.values(grads));
    return out;
  }

  apply(items: [string, tf.Variable, tf.Tensor | undefined][]): void {
    this.step++;
    const { lr, beta1, beta2 } = this.opts;
    const eps = this.opts.eps ?? 1e-8;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = Math.sqrt(1 - Math.pow(beta2, this.step));
    // On wasm with our C++ kernels, one fused kernel per variable instead of a dozen ops.
    const fused = tf.getBackend() === 'wasm' && addon() !== undefined;
    const attrs: AdamUpdateAttrs = { beta1, beta2, step: (lr * this.lrScale) / bc1, eps, bc2 };
    tf.tidy(() => {
      for (const [n, w, g] of items) {
        if (!g) continue; // a variable the loss does not reach
        const m = this.m.get(n)!;
        const v = this.v.get(n)!;
        if (fused) {
          const [w2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { w, g, m, v }, attrs) as tf.Tensor[];
          m.assign(m2);
          v.assign(v2);
          w.assign(w2);
          continue;
        }
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2), eps);
        w.assign(tf.sub(w, tf.mul(tf.div(m, denom), (lr * this.lrScale) / bc1)));
      }
    });
  }

  /** Moments and step, named `<opt>/m/<var>`, `<opt>/v/<var>`, `<opt>/step`. */
  state(): [string, tf.Tensor][] {
    const out: [string, tf.Tensor][] = [];
    for (const [n] of this.vars) {
      out.push([`${this.name}/m/${n}`, this.m.get(n)!]);
      out.push([`${this.name}/v/${n}`, this.v.get(n)!]);
    }
    return out;
  }

  loadState(get: (name: string) => tf.Tensor, step: number): void {
    for (const [n] of this.vars) {
      this.m.get(n)!.assign(get(`${this.name}/m/${n}`));
      this.v.get(n)!.assign(get(`${this.name}/v/${n}`));
    }
    this.step = step;
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
  }
}
