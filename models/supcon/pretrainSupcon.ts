// DAMSM pretraining with SupCon (design §4.1 item 2, our reading): on a
// two-branch batch (rows [0, N) branch A, [N, 2N) branch B), the four DAMSM
// losses on each branch separately (negatives within a branch, as T2I_CL
// does) summed, plus weight·SupCon over the 2N global codes of
//   images  (v̄_A, v̄_B as two views),
//   texts   (ē_A, ē_B),
//   both    (v̄_A, v̄_B, ē_A, ē_B as four views: cross-modal),
// with label equality ("label") or the pair ("same-image") as positives.
import * as tf from '@tensorflow/tfjs-core';
import type { DamsmConfig } from '../config/config';
import { sentenceLoss, wordsLoss } from '../damsm/damsmLoss';
import { modeLabels, supconLoss } from './supconLoss';

export const SUPCON_PRETRAIN_LOSS_NAMES = ['w_i2t', 'w_t2i', 's_i2t', 's_t2i', 'sc_img', 'sc_txt', 'sc_cross', 'total'];

export function twoBranchPretrainLoss(
  img: { regions: tf.Tensor3D; global: tf.Tensor2D },
  txt: { words: tf.Tensor3D; sentence: tf.Tensor2D; mask: tf.Tensor2D },
  maskLabels: Int32Array | undefined,
  labels: Int32Array,
  cfg: DamsmConfig,
): { parts: Record<string, tf.Scalar>; total: tf.Scalar } {
  const rows = img.global.shape[0];
  if (rows % 2 !== 0) throw new Error(`SupCon pretraining needs a two-branch batch (even row count), got ${rows}`);
  const n = rows / 2;
  const half = <T extends tf.Tensor>(x: T) => tf.split(x, 2, 0) as [T, T];
  const [ra, rb] = half(img.regions);
  const [wa, wb] = half(txt.words);
  const [ma, mb] = half(txt.mask);
  const [ga, gb] = half(img.global);
  const [sa, sb] = half(txt.sentence);
  const w = [wordsLoss(ra, wa, ma, maskLabels?.subarray(0, n), cfg), wordsLoss(rb, wb, mb, maskLabels?.subarray(n), cfg)];
  const s = [sentenceLoss(ga, sa, maskLabels?.subarray(0, n), cfg.gamma3), sentenceLoss(gb, sb, maskLabels?.subarray(n), cfg.gamma3)];
  const sc = cfg.supcon;
  const lab = modeLabels(sc.mode, labels.subarray(0, n));
  const opts = { temperature: sc.temperature };
  const parts: Record<string, tf.Scalar> = {
    w_i2t: tf.add(w[0].imageToText, w[1].imageToText) as tf.Scalar,
    w_t2i: tf.add(w[0].textToImage, w[1].textToImage) as tf.Scalar,
    s_i2t: tf.add(s[0].imageToText, s[1].imageToText) as tf.Scalar,
    s_t2i: tf.add(s[0].textToImage, s[1].textToImage) as tf.Scalar,
    sc_img: supconLoss(tf.stack([ga, gb], 1) as tf.Tensor3D, lab, opts),
    sc_txt: supconLoss(tf.stack([sa, sb], 1) as tf.Tensor3D, lab, opts),
    sc_cross: supconLoss(tf.stack([ga, gb, sa, sb], 1) as tf.Tensor3D, lab, opts),
  };
  const damsm = tf.addN([parts.w_i2t, parts.w_t2i, parts.s_i2t, parts.s_t2i]);
  const total = tf.add(damsm, tf.mul(tf.addN([parts.sc_img, parts.sc_txt, parts.sc_cross]), sc.weight)) as tf.Scalar;
  return { parts, total };
}
