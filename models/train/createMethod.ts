// Maps a config's `method` to its implementation.
import { BaselineGAN } from '../baseline/baseline';
import type { T2IConfig } from '../config/config';
import type { RandomSource } from '../layers/params';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import type { T2IMethod } from './method';
import { XmcGan } from '../xmcgan/xmcgan';
import { MirrorGAN } from '../mirrorgan/mirrorgan';
import type { FrozenStream } from '../mirrorgan/streamPretrain';
import { SupconAttngan } from '../supcon/attnganLite';
import { SupconDfgan } from '../supcon/dfganLite';

/** Methods that condition on the frozen, pretrained DAMSM encoders (and so use their vocabulary). */
export const METHODS_WITH_ENCODERS: ReadonlySet<string> = new Set<string>(['xmcgan', 'mirrorgan', 'supcon-dfgan', 'supcon-attngan']);

/**
 * Builds a config's method. `encoders` is given exactly for the methods in
 * METHODS_WITH_ENCODERS; the method owns and disposes it. `stream` is MirrorGAN's
 * frozen captioner (owned likewise); training needs it, sampling does not.
 */
export function createMethod(cfg: T2IConfig, vocabSize: number, rand: RandomSource, encoders?: FrozenEncoders, stream?: FrozenStream): T2IMethod {
  if (METHODS_WITH_ENCODERS.has(cfg.method) && !encoders) throw new Error(`method "${cfg.method}" needs the pretrained DAMSM encoders`);
  switch (cfg.method) {
    case 'baseline':
      return new BaselineGAN({ sizes: cfg.baseline, train: cfg.train, imageSize: cfg.imageSize, vocabSize }, rand);
    case 'damsm':
      throw new Error('method "damsm" pretrains encoders and has no generator; sample from a GAN run instead');
    case 'xmcgan':
      return new XmcGan({ sizes: cfg.xmcgan, train: cfg.train, imageSize: cfg.imageSize, vocabSize }, encoders!, rand);
    case 'mirrorgan':
      return new MirrorGAN({ mirrorgan: cfg.mirrorgan, train: cfg.train, imageSize: cfg.imageSize, vocabSize, maxWords: cfg.text.maxWords }, encoders!, stream, rand);
    case 'supcon-dfgan':
      return new SupconDfgan({ sizes: cfg.dfganLite, supcon: cfg.supcon, imageSize: cfg.imageSize }, encoders!, rand);
    case 'supcon-attngan':
      return new SupconAttngan({ sizes: cfg.attnganLite, supcon: cfg.supcon, train: cfg.train, imageSize: cfg.imageSize }, encoders!, rand);
  }
}
