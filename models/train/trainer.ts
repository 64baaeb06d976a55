// `t2i train`: a GAN method on its dataset, with fixed-noise sample grids and
// checkpoints on the config's schedule. The loop itself is runSession's.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadConfig } from '../config/config';
import { pretrainDamsm } from '../damsm/pretrain';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES, sampleMetaPath, samplePath } from '../run/layout';
import { Vocabulary } from '../text/vocabulary';
import { Batcher, disposeBatch } from './batcher';
import { createMethod } from './createMethod';
import { makePreviewSet } from './preview';
import { runSession, type TrainOptions, type TrainResult, type TrainingJob } from './runSession';
import { gridLayout, tileGridPng, toRgbBytes } from './sampleGrid';

export type { TrainOptions, TrainResult } from './runSession';

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const configPath = path.resolve(opts.configPath);
  const cfg = loadConfig(configPath); // throws ConfigError before anything is written
  // A DAMSM config trains the encoders: same run folder, same dashboard.
  if (cfg.method === 'damsm') return pretrainDamsm(opts);
  if (opts.steps !== undefined) cfg.train.steps = opts.steps;
  if (opts.maxMinutes !== undefined) cfg.train.maxMinutes = opts.maxMinutes;
  const t = cfg.train;

  return runSession(opts, cfg, { totalSteps: t.steps, maxMinutes: t.maxMinutes, logEvery: t.logEvery }, (ctx): TrainingJob => {
    const { run } = ctx;
    const t0 = Date.now();
    const ds = openDataset(cfg, { configPath, log: ctx.info, warn: ctx.warn });
    const vocab = Vocabulary.fromCaptions(allCaptions(ds));
    run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    ctx.info(`dataset ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, vocabulary ${vocab.size} words (${Date.now() - t0} ms)`);

    const rng = new Rng(t.seed);
    const method = createMethod(cfg, vocab.size, rng.fork());
    const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, rng.fork());
    const preview = makePreviewSet(cfg, ds, vocab, method.noiseDim);
    if (preview.unknown.length) ctx.warn(`preview captions use words the dataset never uses: ${preview.unknown.join(', ')}`);
    const layout = gridLayout(preview.captions.length, cfg.imageSize);
    let sampledAt = -1;
    let checkpointedAt = -1;

    const writeSamples = (step: number) => {
      const images = method.generate(preview.ids, preview.noise);
      const png = tileGridPng(toRgbBytes(images), layout);
      images.dispose();
      run.file(samplePath(step), png);
      run.file(sampleMetaPath(step), JSON.stringify({ step, ...layout, captions: preview.captions, real: preview.real ? RUN_FILES.realGrid : '' }) + '\n');
      run.event({ type: 'sample', step, path: samplePath(step), meta: sampleMetaPath(step) });
      sampledAt = step;
    };
    const writeCheckpoint = (step: number) => {
      ctx.checkpoint(step, method, { batcher: batcher.state().rng });
      checkpointedAt = step;
    };

    return {
      method: cfg.method,
      lossNames: method.lossNames,
      begin() {
        if (preview.real) run.file(RUN_FILES.realGrid, tileGridPng(preview.real, layout));
        writeSamples(0); // what the untrained generator makes
      },
      step() {
        const batch = batcher.next(t.batchSize);
        try {
          return method.trainStep(batch);
        } finally {
          disposeBatch(batch);
        }
      },
      afterStep(step) {
        if (step % t.sampleEvery === 0) writeSamples(step);
        if (step % t.checkpointEvery === 0) writeCheckpoint(step);
      },
      finish(step) {
        if (sampledAt !== step) writeSamples(step);
        if (checkpointedAt !== step) writeCheckpoint(step);
      },
      dispose() {
        tf.dispose([preview.ids, preview.noise]);
        method.dispose();
        ds.close?.();
      },
    };
  });
}
