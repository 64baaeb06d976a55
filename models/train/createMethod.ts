// Maps a config's `method` to its implementation.
import { BaselineGAN } from '../baseline/baseline';
import type { T2IConfig } from '../config/config';
import type { RandomSource } from '../layers/params';
import type { T2IMethod } from './method';

export function createMethod(cfg: T2IConfig, vocabSize: number, rand: RandomSource): T2IMethod {
  switch (cfg.method) {
    case 'baseline':
      return new BaselineGAN({ sizes: cfg.baseline, train: cfg.train, imageSize: cfg.imageSize, vocabSize }, rand);
    case 'damsm':
      throw new Error('method "damsm" pretrains encoders and has no generator; sample from a GAN run instead');
  }
}
