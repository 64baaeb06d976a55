// `t2i pretrain-stream <config>`: trains MirrorGAN's STREAM captioner on the
// config's real training images into an ordinary run folder (method
// "stream"), with the vocabulary of the config's frozen DAMSM encoders so
// that word ids match the STEM's (the reference trains its captioner with
// AttnGAN's captions.pickle vocabulary for the same reason). The encoders are
// found, or pretrained first, exactly as `t2i train` finds them. Greedy
// captions of real test images are scored (BLEU-1, exact match) as `metrics`.
//
// loadFrozenStream is STREAM's frozenEncoders: the captioner named by
// `stream.captioner`, or the latest finished STREAM run of the config, or one
// pretrained first (logged). Call it before the GAN run folder is made.
import fs from 'node:fs';
import path from 'node:path';
import type { T2IConfig } from '../config/config';
import { loadConfig, resolveConfig } from '../config/config';
import { loadFrozenEncoders } from '../damsm/frozenEncoders';
import { openDataset } from '../data/openDataset';
import { Rng } from '../data/rng';
import { RUN_FILES } from '../run/layout';
import { listRuns, readAllEvents, readRunStarted, readStatus } from '../run/runReader';
import { Vocabulary } from '../text/vocabulary';
import { Batcher, disposeBatch } from '../train/batcher';
import { loadCheckpoint } from '../train/checkpoint';
import { runSession, type TrainOptions, type TrainResult, type TrainingJob } from '../train/runSession';
import { STREAM_LOSS_NAMES, StreamCaptioner } from './stream';
import { scoreCaptioner } from './streamEval';
import { initBackend } from '../backend/select';

export interface StreamPretrainResult extends TrainResult {
  /** BLEU-1 of greedy captions of real test images at the last evaluation. */
  bleu1: number;
  exactMatch: number;
  /** The final captioner. */
  checkpoint: string;
}

export async function pretrainStream(opts: TrainOptions): Promise<StreamPretrainResult> {
  const configPath = path.resolve(opts.configPath);
  const cfg = loadConfig(configPath);
  const sc = cfg.stream;
  if (opts.steps !== undefined) sc.steps = opts.steps;
  if (opts.maxMinutes !== undefined) sc.maxMinutes = opts.maxMinutes;
  const log = opts.log ?? console.log;
  // The STEM's vocabulary (its embedding rows) fixes the word ids; the encoders
  // themselves are not needed here. Loading existing encoders makes tensors, so the
  // backend must be up first (runSession starts it again, same choice).
  await initBackend({ choice: opts.backend ?? cfg.backend, threads: (opts.threads ?? cfg.threads) || undefined });
  const encoders = await loadFrozenEncoders(cfg, configPath, { log, pretrain: { backend: opts.backend, threads: opts.threads, shouldStop: opts.shouldStop } });
  const vocab = encoders.vocab;
  encoders.model.dispose();
  let bleu1 = 0;
  let exactMatch = 0;
  let checkpoint = '';

  const result = await runSession(opts, cfg, { totalSteps: sc.steps, maxMinutes: sc.maxMinutes }, (ctx): TrainingJob => {
    const ds = openDataset(cfg, { configPath, log: ctx.info, warn: ctx.warn });
    ctx.run.file(RUN_FILES.vocab, JSON.stringify(vocab.toJSON()) + '\n');
    ctx.info(`STREAM pretraining on ${ds.kind}: ${ds.train.length} train / ${ds.test.length} test images at ${ds.size}px, the encoders' vocabulary (${vocab.size} words, ${path.relative(path.dirname(configPath), encoders.checkpoint)})`);
    const rng = new Rng(cfg.train.seed);
    const model = new StreamCaptioner(sc, vocab.size, cfg.imageSize, rng.fork());
    ctx.info(`captioner: CNN ${model.params.scope('cnn').count()} parameters, LSTM decoder ${model.params.scope('rnn').count()} parameters`);
    const batcher = new Batcher(ds.train, vocab, cfg.text.maxWords, cfg.imageSize, rng.fork());
    const evalSplit = ds.test.length ? ds.test : ds.train;
    let evaluatedAt = -1;
    let savedAt = -1;

    const evaluate = (step: number) => {
      const r = scoreCaptioner(model, evalSplit, vocab, cfg.text.maxWords);
      bleu1 = r.bleu1;
      exactMatch = r.exactMatch;
      evaluatedAt = step;
      ctx.run.event({ type: 'metrics', step, metrics: { bleu1: r.bleu1, exact_match: r.exactMatch } });
      ctx.info(`step ${step}: BLEU-1 ${(100 * r.bleu1).toFixed(1)}, exact match ${(100 * r.exactMatch).toFixed(1)}% on ${r.images} real ${ds.test.length ? 'test' : 'train'} images; e.g. "${r.examples[0]?.[0] ?? ''}" for "${r.examples[0]?.[1] ?? ''}"`);
    };
    const save = (step: number) => {
      checkpoint = path.join(ctx.run.dir, ctx.checkpoint(step, model, { batcher: batcher.state() }));
      savedAt = step;
    };

    return {
      method: 'stream',
      lossNames: STREAM_LOSS_NAMES,
      step() {
        const batch = batcher.next(sc.batchSize);
        try {
          return model.trainStep(batch);
        } finally {
          disposeBatch(batch);
        }
      },
      afterStep(step) {
        if (step % sc.evalEvery === 0) evaluate(step);
        if (step % sc.checkpointEvery === 0) save(step);
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
  return { ...result, bleu1, exactMatch, checkpoint };
}

/** The final checkpoint of the latest finished STREAM run of a config, if any. */
export function latestStreamCheckpoint(configPath: string): string | undefined {
  for (const dir of listRuns(configPath).reverse()) {
    const started = readRunStarted(dir); // the head of the log only: runs can be long
    const st = readStatus(dir);
    if (started?.method === 'stream' && st?.lastCheckpoint && st.state !== 'failed') {
      return path.join(dir, st.lastCheckpoint);
    }
  }
  return undefined;
}

export interface FrozenStream {
  model: StreamCaptioner;
  /** The checkpoint the captioner came from. */
  checkpoint: string;
}

/** The checkpoint `stream.captioner` names: a .safetensors file, or a run folder (its last checkpoint). */
function checkpointFromSetting(setting: string, configPath: string): string {
  const abs = path.resolve(path.dirname(configPath), setting);
  if (!fs.existsSync(abs)) throw new Error(`${configPath}: /stream/captioner: ${abs} does not exist`);
  if (fs.statSync(abs).isFile()) return abs;
  const st = readStatus(abs);
  if (!st?.lastCheckpoint) throw new Error(`${configPath}: /stream/captioner: run ${abs} has no checkpoint`);
  return path.join(abs, st.lastCheckpoint);
}

/**
 * The frozen STREAM captioner for a MirrorGAN config. `vocab` is the frozen
 * encoders' vocabulary: the captioner must have been trained with the same
 * words in the same order.
 */
export async function loadFrozenStream(
  cfg: T2IConfig,
  configPath: string,
  vocab: Vocabulary,
  opts: { log: (line: string) => void; pretrain?: Omit<TrainOptions, 'configPath'> },
): Promise<FrozenStream> {
  let checkpoint = cfg.stream.captioner ? checkpointFromSetting(cfg.stream.captioner, configPath) : latestStreamCheckpoint(configPath);
  if (!checkpoint) {
    opts.log(`no pretrained STREAM captioner for ${path.basename(configPath)}: pretraining it first (${cfg.stream.steps} steps, the config's "stream" section)`);
    checkpoint = (await pretrainStream({ ...opts.pretrain, configPath, runDir: undefined, steps: undefined, maxMinutes: undefined, log: opts.log })).checkpoint;
  }
  const runDir = path.dirname(path.dirname(checkpoint));
  const read = (name: string) => {
    const file = path.join(runDir, name);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read the captioner's ${name} (${(e as Error).message})`);
    }
  };
  const raw = read(RUN_FILES.config);
  delete raw.source;
  const capCfg = resolveConfig(raw, path.join(runDir, RUN_FILES.config));
  if (capCfg.imageSize !== cfg.imageSize) {
    throw new Error(`${checkpoint}: the captioner was trained at ${capCfg.imageSize}px, the config's finest stage is ${cfg.imageSize}px`);
  }
  const capVocab = Vocabulary.fromJSON(read(RUN_FILES.vocab), path.join(runDir, RUN_FILES.vocab));
  const differs = capVocab.size !== vocab.size || capVocab.words.some((w, i) => w !== vocab.words[i]);
  if (differs) {
    throw new Error(`${checkpoint}: the captioner was trained with a different vocabulary (${capVocab.size} words) than the DAMSM encoders (${vocab.size} words); pretrain it again (t2i pretrain-stream) after the encoders`);
  }
  const model = new StreamCaptioner(capCfg.stream, vocab.size, cfg.imageSize, new Rng(0));
  try {
    loadCheckpoint(checkpoint, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const metrics = readAllEvents(runDir).filter((e) => e.type === 'metrics').pop();
  const bleu = metrics?.type === 'metrics' && metrics.metrics.bleu1 !== undefined ? `, BLEU-1 ${(100 * metrics.metrics.bleu1).toFixed(1)} on real images` : '';
  opts.log(`STREAM captioner (frozen): ${path.relative(path.dirname(configPath), checkpoint)}${bleu}`);
  return { model, checkpoint };
}
