// `t2i train`: a GAN method on its dataset, with fixed-noise sample grids and
// checkpoints on the config's schedule. The loop itself is runSession's.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadConfig, loadRunSnapshot } from '../config/config';
import { initBackend } from '../backend/select';
import { loadFrozenEncoders } from '../damsm/frozenEncoders';
import { loadFrozenStream } from '../mirrorgan/streamPretrain';
import { pretrainDamsm } from '../damsm/pretrain';
import { allCaptions, openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES, attentionPath, sampleMetaPath, samplePath } from '../run/layout';
import { Vocabulary } from '../text/vocabulary';
import { classifierFeatureNet, type FeatureNet } from '../eval/featureNets';
import { loadOrTrainClassifier } from '../eval/classifierCache';
import { SlicedEvaluator } from '../eval/slicedEvaluator';
import { trainingEvaluations } from '../eval/trainingEval';
import { buildAttentionExport } from './attentionExport';
import { Batcher, disposeBatch, type BatcherState } from './batcher';
import { loadCheckpoint } from './checkpoint';
import { trainingBatcher } from '../supcon/twoBranchSampler';
import { createMethod, METHODS_WITH_ENCODERS } from './createMethod';
import { makePreviewSet } from './preview';
import { runSession, type TrainOptions, type TrainResult, type TrainingJob } from './runSession';
import { gridLayout, tileGridPng, toRgbBytes } from './sampleGrid';

export type { TrainOptions, TrainResult } from './runSession';

export async function train(opts: TrainOptions): Promise<TrainResult> {
  // A resumed run keeps its own config snapshot, whatever the config file says now.
  const snapshot = opts.resume ? loadRunSnapshot(path.resolve(opts.resume)) : undefined;
  const configPath = snapshot?.source ?? path.resolve(opts.configPath);
  const cfg = snapshot?.cfg ?? loadConfig(configPath, { checkPaths: true }); // throws ConfigError before anything is written
  // A DAMSM config trains the encoders: same run folder, same dashboard.
  if (cfg.method === 'damsm') return pretrainDamsm(opts);
  if (opts.steps !== undefined) cfg.train.steps = opts.steps;
  if (opts.maxMinutes !== undefined) cfg.train.maxMinutes = opts.maxMinutes;
  const t = cfg.train;
  // Before this run's folder exists, so that a pretraining run made here
  // sorts before it and the GAN run stays the config's latest.
  // Loading existing encoders makes tensors: the backend must be up first (runSession starts it again, same choice).
  if (METHODS_WITH_ENCODERS.has(cfg.method)) await initBackend({ choice: opts.backend ?? cfg.backend, threads: (opts.threads ?? cfg.threads) || undefined });
  const encoders = METHODS_WITH_ENCODERS.has(cfg.method)
    ? await loadFrozenEncoders(cfg, configPath, { log: opts.log ?? console.log, pretrain: { backend: opts.backend, threads: opts.threads, shouldStop: opts.shouldStop } })
    : undefined;
  // The run's config snapshot names the exact encoders, so sampling and
  // evaluation use them even after newer encoders are pretrained.
  if (encoders) cfg.damsm.encoders = encoders.checkpoint;
  // MirrorGAN's frozen STREAM captioner, after the encoders, whose vocabulary it shares; recorded likewise.
  const stream = cfg.method === 'mirrorgan'
    ? await loadFrozenStream(cfg, configPath, encoders!.vocab, { log: opts.log ?? console.log, pretrain: { backend: opts.backend, threads: opts.threads, shouldStop: opts.shouldStop } })
    : undefined;
  if (stream) cfg.stream.captioner = stream.checkpoint;

  return runSession({ ...opts, configPath }, cfg, { totalSteps: t.steps, maxMinutes: t.maxMinutes, logEvery: t.logEvery }, (ctx): TrainingJob => {
    const { run } = ctx;
    const t0 = Date.now();
    const ds = openDataset(cfg, { configPath, log: ctx.info, warn: ctx.warn });
    // Encoder-based methods must use the encoders' vocabulary (their embedding rows).
    const vocab = encoders?.vocab ?? Vocabulary.fromCaptions(allCaptions(ds));
    run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    ctx.info(`dataset ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, vocabulary ${vocab.size} words (${Date.now() - t0} ms)`);

    const rng = new Rng(t.seed);
    const methodRng = rng.fork(); // weights init, then noise: checkpointed for exact resume
    const method = createMethod(cfg, vocab.size, methodRng, encoders, stream);
    const batcher = trainingBatcher(cfg, 'gan', ds.train, vocab, rng.fork()); // two-branch batches for supcon-*
    const preview = makePreviewSet(cfg, ds, vocab, method.noiseDim);
    if (preview.unknown.length) ctx.warn(`preview captions use words the dataset never uses: ${preview.unknown.join(', ')}`);
    const layout = gridLayout(preview.captions.length, cfg.imageSize);
    let sampledAt = -1;
    let checkpointedAt = -1;

    // Evaluations every evalEvery steps, in slices between steps within evalShare of the wall time.
    const evaluator = t.evalEvery > 0 ? makeEvaluator() : undefined;
    function makeEvaluator() {
      let classifier: FeatureNet | undefined;
      if (cfg.eval.duringTraining.some((m) => m !== 'oracle')) {
        try {
          classifier = classifierFeatureNet(loadOrTrainClassifier(cfg, configPath, ds, { training: { steps: cfg.eval.classifierSteps }, mustExist: true }));
        } catch (e) {
          ctx.info(`evaluations during training: no fid_cls/kid_cls/is_cls (${(e as Error).message})`);
        }
      }
      if (ds.kind !== 'shapes' && !classifier) return undefined;
      const evaluation = trainingEvaluations({ cfg, ds, method, vocab, classifier });
      const evaluator = new SlicedEvaluator({
        share: t.evalShare,
        onResult(step, metrics) {
          run.event({ type: 'metrics', step, metrics });
          ctx.info(`evaluation of step ${step}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
        },
        onSkipped: (step) => ctx.warn(`evaluation of step ${step} skipped: the previous one is still running within train.evalShare ${t.evalShare}`),
      });
      const dispose = () => {
        evaluator.dispose();
        classifier?.dispose?.();
      };
      return { evaluation, evaluator, dispose };
    }

    const writeSamples = (step: number) => {
      const images = method.generate(preview.ids, preview.noise);
      const png = tileGridPng(toRgbBytes(images), layout);
      images.dispose();
      run.file(samplePath(step), png);
      // What a method's captioner reads back from each cell (MirrorGAN's STREAM), beside the captions.
      const redescribed = method.redescribe?.(preview.ids, preview.noise);
      const redescriptions = redescribed ? { redescriptions: redescribed.map((row) => vocab.decode(row)) } : {};
      run.file(sampleMetaPath(step), JSON.stringify({ step, ...layout, captions: preview.captions, real: preview.real ? RUN_FILES.realGrid : '', ...redescriptions }) + '\n');
      let attention: string | undefined;
      if (method.attention) {
        const stages = method.attention(preview.ids, preview.noise);
        run.file(attentionPath(step), JSON.stringify(buildAttentionExport(step, preview.ids, stages, vocab)) + '\n');
        tf.dispose(stages.map((s) => s.weights));
        attention = attentionPath(step);
      }
      run.event({ type: 'sample', step, path: samplePath(step), meta: sampleMetaPath(step), attention });
      sampledAt = step;
    };
    const writeCheckpoint = (step: number) => {
      ctx.checkpoint(step, method, { batcher: batcher.state(), method: methodRng.getState() });
      checkpointedAt = step;
    };

    return {
      method: cfg.method,
      lossNames: method.lossNames,
      restore(file, meta) {
        loadCheckpoint(file, method);
        const r = meta.resume as { batcher?: BatcherState; method?: number[] };
        if (!r.batcher || !r.method) throw new Error(`${file}: no resume state (written by an older version?)`);
        batcher.restore(r.batcher);
        methodRng.setState(r.method);
        sampledAt = checkpointedAt = meta.step;
        // After a NaN-guard rollback, evaluations of the undone steps must not report.
        const dropped = evaluator?.evaluator.dropAfter(meta.step) ?? 0;
        if (dropped) ctx.info(`dropped ${dropped} evaluation(s) of steps after ${meta.step} (rolled back)`);
      },
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
      get learningRateScale() {
        return method.learningRateScale;
      },
      set learningRateScale(scale) {
        if (scale !== undefined) method.learningRateScale = scale;
      },
      afterStep(step) {
        if (evaluator && step % t.evalEvery === 0) evaluator.evaluator.enqueue(evaluator.evaluation(step));
        evaluator?.evaluator.tick();
        ctx.heartbeat();
        if (step % t.sampleEvery === 0) writeSamples(step);
        if (step % t.checkpointEvery === 0) writeCheckpoint(step);
      },
      finish(step) {
        // A run that stops between evaluations (time limit, Stop) is also measured where it ended.
        if (evaluator && step > 0 && step % t.evalEvery !== 0) evaluator.evaluator.enqueue(evaluator.evaluation(step));
        evaluator?.evaluator.drain(() => ctx.heartbeat()); // the last evaluations, before the final checkpoint
        if (sampledAt !== step) writeSamples(step);
        if (checkpointedAt !== step) writeCheckpoint(step);
      },
      dispose() {
        tf.dispose([preview.ids, preview.noise]);
        evaluator?.dispose();
        method.dispose();
        ds.close?.();
      },
    };
  });
}
