// Opens the dataset a config names, at the config's resolution.
import type { T2IConfig } from '../config/config';
import type { T2IDataset } from './dataset';
import { buildShapesDataset } from './shapes';

export function openDataset(cfg: T2IConfig): T2IDataset {
  switch (cfg.dataset.kind) {
    case 'shapes':
      return buildShapesDataset({
        count: cfg.dataset.count,
        seed: cfg.dataset.seed,
        size: cfg.imageSize,
        holdout: cfg.dataset.holdout,
        testFraction: cfg.dataset.testFraction,
      });
  }
}

/** Every caption of both splits (the vocabulary covers train and test, as in AttnGAN). */
export function* allCaptions(ds: T2IDataset): Generator<string> {
  for (const split of [ds.train, ds.test]) {
    for (let i = 0; i < split.length; i++) yield* split.captions(i);
  }
}
