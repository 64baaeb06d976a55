// Maps a config's `method` to its implementation.
import { BaselineGAN } from '../baseline/baseline';
import type { T2IConfig } from '../config/config';
import type { RandomSource } from '../layers/params';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import type { T2IMethod } from './method';

/** Methods that condition on the frozen, pretrained DAMSM encoders (and so use their vocabulary). */
export const METHODS_WITH_ENCODERS: ReadonlySet<string> = new Set<string>([]);

/**
 * Builds a config's method. `encoders` is given exactly for the methods in
 * METHODS_WITH_ENCODERS; the method owns and disposes it.
 */
export function createMethod(cfg: T2IConfig, vocabSize: number, rand: RandomSource, encoders?: FrozenEncoders): T2IMethod {
  if (METHODS_WITH_ENCODERS.has(cfg.method) && !encoders) throw new Error(`method "${cfg.method}" needs the pretrained DAMSM encoders`);
  switch (cfg.method) {
    case 'baseline':
      return new BaselineGAN({ sizes: cfg.baseline, train: cfg.train, imageSize: cfg.imageSize, vocabSize }, rand);
    case 'damsm':
      throw new Error('method "damsm" pretrains encoders and has no generator; sample from a GAN run instead');
  }
}
