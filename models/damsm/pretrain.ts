// `t2i pretrain <config>` (and `t2i train` on a `"method": "damsm"` config):
// trains the DAMSM encoders on the config's dataset into an ordinary run
// folder beside the config's other runs, so the same dashboard shows its
// losses and retrieval accuracy. GAN methods load the encoders from the
// latest finished pretraining run. The loop itself is runSession's.
import path from 'node:path';
import { loadConfig } from '../config/config';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES } from '../run/layout';
import { listRuns, readRunStarted, readStatus } from '../run/runReader';
import { Vocabulary } from '../text/vocabulary';
import { disposeBatch } from '../train/batcher';
import { trainingBatcher } from '../supcon/twoBranchSampler';
import { runSession, type TrainOptions, type TrainResult, type TrainingJob } from '../train/runSession';
import { DamsmModel } from './damsmModel';
import { imageToTextRetrieval } from './retrieval';

export interface PretrainResult extends TrainResult {
  /** Image→text top-1 retrieval on the test split at the last evaluation. */
  top1: number;
  /** The final encoders. */
  checkpoint: string;
}

export async function pretrainDamsm(opts: TrainOptions): Promise<PretrainResult> {
  const configPath = path.resolve(opts.configPath);
  const cfg = loadConfig(configPath);
  const dc = cfg.damsm;
  if (opts.steps !== undefined) dc.steps = opts.steps;
  if (opts.maxMinutes !== undefined) dc.maxMinutes = opts.maxMinutes;
  let top1 = 0;
  let checkpoint = '';

  const result = await runSession(opts, cfg, { totalSteps: dc.steps, maxMinutes: dc.maxMinutes }, (ctx): TrainingJob => {
    const ds = openDataset(cfg, { configPath, log: ctx.info, warn: ctx.warn });
    const vocab = Vocabulary.fromCaptions(allCaptions(ds));
    ctx.run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    ctx.info(`DAMSM pretraining on ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, vocabulary ${vocab.size} words`);
    const rng = new Rng(cfg.train.seed);
    const model = new DamsmModel(dc, vocab.size, cfg.imageSize, rng.fork());
    ctx.info(`encoders: text ${model.params.scope('text').count()} parameters, image ${model.params.scope('image').count()} parameters`);
    const batcher = trainingBatcher(cfg, 'pretrain', ds.train, vocab, rng.fork()); // two-branch when damsm.supcon is on
    const evalSplit = ds.test.length ? ds.test : ds.train;
    let evaluatedAt = -1;
    let savedAt = -1;

    const evaluate = (step: number) => {
      const r = imageToTextRetrieval(model, evalSplit, vocab, cfg.text.maxWords);
      top1 = r.top1;
      evaluatedAt = step;
      ctx.run.event({ type: 'metrics', step, metrics: { retrieval_top1: r.top1 } });
      ctx.info(`step ${step}: image→text top-1 ${(100 * r.top1).toFixed(1)}% (1 in ${r.candidates}, ${r.images} test images)`);
    };
    const save = (step: number) => {
      checkpoint = path.join(ctx.run.dir, ctx.checkpoint(step, model, { batcher: batcher.state() }));
      savedAt = step;
    };

    return {
      method: 'damsm',
      lossNames: model.lossNames,
      step() {
        const batch = batcher.next(dc.batchSize);
        try {
          return model.trainStep(batch);
        } finally {
          disposeBatch(batch);
        }
      },
      afterStep(step) {
        if (step % dc.evalEvery === 0) evaluate(step);
        if (step % dc.checkpointEvery === 0) save(step);
      },
      finish(step) {
        if (evaluatedAt !== step) evaluate(step);
        if (savedAt !== step) save(step);
      },
      dispose() {
        model.dispose();
        ds.close?.();
      },
    };
  });
  return { ...result, top1, checkpoint };
}

/** The final checkpoint of the latest finished DAMSM pretraining run of a config, if any. */
export function latestDamsmCheckpoint(configPath: string): string | undefined {
  for (const dir of listRuns(configPath).reverse()) {
    const started = readRunStarted(dir); // the head of the log only: runs can be long
    const st = readStatus(dir);
    if (started?.method === 'damsm' && st?.lastCheckpoint && st.state !== 'failed') {
      return path.join(dir, st.lastCheckpoint);
    }
  }
  return undefined;
}
