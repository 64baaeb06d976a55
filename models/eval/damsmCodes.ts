// DAMSM global codes for R-precision: sentence codes of captions (each
// distinct caption encoded once) and image codes of RGB byte images.
import * as tf from '@tensorflow/tfjs-core';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { bytesToTensor, rows } from './labelClassifier';

export function sentenceCodes(enc: FrozenEncoders, captions: string[], maxWords: number, batch = 256): Map<string, Float64Array> {
  const unique = [...new Set(captions)];
  const out = new Map<string, Float64Array>();
  for (let start = 0; start < unique.length; start += batch) {
    const chunk = unique.slice(start, start + batch);
    const ids = new Int32Array(chunk.length * maxWords);
    // An all-unknown caption still gets one (padding) step, so the LSTM has an output.
    const lengths = chunk.map((c, k) => {
      const e = enc.vocab.encode(c, maxWords);
      ids.set(e.ids, k * maxWords);
      return Math.max(1, e.length);
    });
    const codes = tf.tidy(() => enc.model.text.encode(tf.tensor2d(ids, [chunk.length, maxWords], 'int32'), lengths, false).sentence);
    rows(codes).forEach((r, k) => out.set(chunk[k], r));
    codes.dispose();
  }
  return out;
}

export function imageCodes(enc: FrozenEncoders, images: Uint8Array[], S: number, batch = 64): Float64Array[] {
  const out: Float64Array[] = [];
  for (let start = 0; start < images.length; start += batch) {
    const codes = tf.tidy(() => enc.model.image.encode(bytesToTensor(images.slice(start, start + batch), S), false).global);
    out.push(...rows(codes));
    codes.dispose();
  }
  return out;
}
