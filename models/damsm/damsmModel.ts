// The pair of DAMSM encoders and one pretraining step (AttnGAN's
// pretrain_DAMSM.py): L = L_w(image→text) + L_w(text→image) + L_s(image→text) + L_s(text→image).
import * as tf from '@tensorflow/tfjs-core';
import type { DamsmConfig } from '../config/config';
import { Params, type RandomSource } from '../layers/params';
import { DamsmTextEncoder } from '../text/damsmTextEncoder';
import { Adam } from '../train/adam';
import { restoreVariables } from '../train/checkpoint';
import type { Batch, Checkpointable } from '../train/method';
import { sentenceLoss, wordsLoss } from './damsmLoss';
import { DamsmImageEncoder } from './imageEncoder';
import { SUPCON_PRETRAIN_LOSS_NAMES, twoBranchPretrainLoss } from '../supcon/pretrainSupcon';

export const DAMSM_LOSS_NAMES = ['w_i2t', 'w_t2i', 's_i2t', 's_t2i', 'total'];

export class DamsmModel implements Checkpointable {
  readonly name = 'damsm';
  readonly params: Params;
  readonly text: DamsmTextEncoder;
  readonly image: DamsmImageEncoder;
  private opt?: Adam;

  constructor(readonly cfg: DamsmConfig, vocabSize: number, imageSize: number, rand: RandomSource) {
    this.params = Params.root(rand);
    this.text = new DamsmTextEncoder(this.params.scope('text'), vocabSize, { embedDim: cfg.embedDim, hidden: cfg.hidden, dropout: cfg.dropout }, rand);
    this.image = new DamsmImageEncoder(this.params.scope('image'), imageSize, { width: cfg.imageWidth, dim: this.text.dim });
  }

  /** SupCon pretraining (`damsm.supcon.mode` other than "none"): batches are two-branch. */
  get supconOn(): boolean {
    return (this.cfg.supcon?.mode ?? 'none') !== 'none';
  }

  get lossNames(): string[] {
    return this.supconOn ? SUPCON_PRETRAIN_LOSS_NAMES : DAMSM_LOSS_NAMES;
  }

  /** Only pretraining needs an optimiser; frozen encoders never make one. */
  private optimizer(): Adam {
    this.opt ??= new Adam('opt', this.params.entries().filter(([, v]) => v.trainable), { lr: this.cfg.lr, beta1: 0.5, beta2: 0.999 });
    return this.opt;
  }

  trainStep(batch: Batch): Record<string, number> {
    const labels = this.cfg.classMasking ? batch.labels : undefined;
    const parts: Record<string, tf.Scalar> = {};
    const total = this.optimizer().minimize(
      () => {
        const txt = this.text.encode(batch.ids, batch.lengths, true);
        const img = this.image.encode(batch.images, true);
        if (this.supconOn) {
          // Two-branch batch: DAMSM per branch + SupCon (models/supcon/pretrainSupcon.ts).
          const r = twoBranchPretrainLoss(img, txt, labels, batch.labels, this.cfg);
          for (const [k, v] of Object.entries(r.parts)) parts[k] = tf.keep(v.clone());
          return r.total;
        }
        const w = wordsLoss(img.regions, txt.words, txt.mask, labels, this.cfg);
        const s = sentenceLoss(img.global, txt.sentence, labels, this.cfg.gamma3);
        parts.w_i2t = tf.keep(w.imageToText.clone());
        parts.w_t2i = tf.keep(w.textToImage.clone());
        parts.s_i2t = tf.keep(s.imageToText.clone());
        parts.s_t2i = tf.keep(s.textToImage.clone());
        return tf.addN([w.imageToText, w.textToImage, s.imageToText, s.textToImage]) as tf.Scalar;
      },
      { applies: (n) => n.startsWith('text/rnn/'), maxNorm: this.cfg.gradClip },
    );
    const out: Record<string, number> = { total };
    for (const [k, t] of Object.entries(parts)) {
      out[k] = t.dataSync()[0];
      t.dispose();
    }
    return out;
  }

  state(): [string, tf.Tensor][] {
    return [...this.params.entries(), ...(this.opt?.state() ?? [])];
  }

  /** Restores the encoders (and the optimiser when pretraining resumes). */
  loadState(get: (name: string) => tf.Tensor | undefined): void {
    restoreVariables(this.params.entries(), get);
    if (this.opt) restoreVariables(this.opt.state(), get);
  }

  counters(): Record<string, number> {
    return { opt_step: this.opt?.step ?? 0 };
  }

  loadCounters(c: Record<string, number>): void {
    if (this.opt) this.opt.step = c.opt_step ?? 0;
  }

  dispose(): void {
    this.opt?.dispose();
    this.params.dispose();
  }
}
