// One training step of a method, built from its config exactly as `t2i train`
// builds it (trainer.ts: dataset, vocabulary, Rng forks, createMethod, the
// training batcher), for `npm run bench`'s `method:*` cases and their test.
// The frozen DAMSM encoders and MirrorGAN's STREAM captioner are the same
// classes frozenEncoders.ts / streamPretrain.ts load, with freshly initialised
// weights instead of a checkpoint: a step costs the same with or without
// trained weights, and a bench must not pretrain. Only trainStep is timed:
// the batch is drawn once from the real dataset and reused for every step.
import path from 'node:path';
import { loadConfig, type T2IConfig } from '../config/config';
import { DamsmModel } from '../damsm/damsmModel';
import type { FrozenEncoders } from '../damsm/frozenEncoders';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { StreamCaptioner } from '../mirrorgan/stream';
import type { FrozenStream } from '../mirrorgan/streamPretrain';
import { trainingBatcher } from '../supcon/twoBranchSampler';
import { Vocabulary } from '../text/vocabulary';
import { disposeBatch } from './batcher';
import { createMethod, METHODS_WITH_ENCODERS } from './createMethod';
import type { Batch, T2IMethod } from './method';

/** The sample config of each GAN method (under samples/), in bench order. */
export const METHOD_SAMPLE_CONFIGS: Readonly<Record<string, string>> = {
  baseline: 'shapes-baseline.t2i.json',
  xmcgan: 'shapes-xmcgan.t2i.json',
  mirrorgan: 'shapes-mirrorgan.t2i.json',
  'supcon-dfgan': 'shapes-supcon-dfgan.t2i.json',
  'supcon-attngan': 'shapes-supcon-attngan.t2i.json',
};

export interface MethodBench {
  cfg: T2IConfig;
  method: T2IMethod;
  batch: Batch;
  /** What the JSON reports beside the times; `lastLosses` is updated by every step. */
  info: { config: string; batchRows: number; vocabSize: number; weights: 'fresh (untrained)'; lastLosses?: Record<string, number> };
  /** One full method.trainStep on the fixed batch; its losses. */
  step(): Record<string, number>;
  dispose(): void;
}

const FRESH = '(fresh, untrained: bench only)';

/** The frozen encoders' classes with initial weights (what loadFrozenEncoders builds before loading its checkpoint). */
export function freshEncoders(cfg: T2IConfig, vocab: Vocabulary): FrozenEncoders {
  return { model: new DamsmModel(cfg.damsm, vocab.size, cfg.imageSize, new Rng(0)), vocab, checkpoint: FRESH, codeScale: cfg.damsm.codeScale };
}

/** MirrorGAN's STREAM captioner with initial weights (what loadFrozenStream builds before loading its checkpoint). */
export function freshStream(cfg: T2IConfig, vocab: Vocabulary): FrozenStream {
  return { model: new StreamCaptioner(cfg.stream, vocab.size, cfg.imageSize, new Rng(0)), checkpoint: FRESH };
}

/**
 * Builds `cfg`'s method on the active backend with one real training batch
 * (train.batchSize; two-branch, 2x the rows, for supcon-*). `configPath` only
 * names the config (and anchors dataset paths for non-shapes datasets).
 */
export function createMethodBench(cfg: T2IConfig, configPath: string): MethodBench {
  if (cfg.method === 'damsm') throw new Error(`${configPath}: method "damsm" has no GAN step to bench`);
  const ds = openDataset(cfg, { configPath, cacheDir: false });
  const owned: { dispose(): void }[] = [];
  try {
    // trainer.ts: encoder-based methods use the encoders' vocabulary, which
    // pretraining builds from the same captions (damsm/pretrain.ts).
    const vocab = Vocabulary.fromCaptions(allCaptions(ds));
    const encoders = METHODS_WITH_ENCODERS.has(cfg.method) ? freshEncoders(cfg, vocab) : undefined;
    if (encoders) owned.push(encoders.model);
    const stream = cfg.method === 'mirrorgan' ? freshStream(cfg, vocab) : undefined;
    if (stream) owned.push(stream.model);
    const rng = new Rng(cfg.train.seed);
    const methodRng = rng.fork();
    const method = createMethod(cfg, vocab.size, methodRng, encoders, stream);
    owned.length = 0; // the method owns the encoders and the captioner now
    owned.push(method);
    const batcher = trainingBatcher(cfg, 'gan', ds.train, vocab, rng.fork());
    const batch = batcher.next(cfg.train.batchSize);
    const info: MethodBench['info'] = {
      config: path.basename(configPath), batchRows: batch.images.shape[0], vocabSize: vocab.size, weights: 'fresh (untrained)',
    };
    return {
      cfg, method, batch, info,
      step() {
        const losses = method.trainStep(batch);
        info.lastLosses = losses;
        return losses;
      },
      dispose() {
        disposeBatch(batch);
        method.dispose();
      },
    };
  } catch (e) {
    for (const o of owned) o.dispose();
    throw e;
  } finally {
    ds.close?.();
  }
}

/** createMethodBench for a config file, after an optional edit of the resolved config (tests shrink it). */
export function methodBenchFromFile(configPath: string, edit?: (cfg: T2IConfig) => void): MethodBench {
  const cfg = loadConfig(configPath, { checkPaths: true });
  edit?.(cfg);
  return createMethodBench(cfg, configPath);
}
