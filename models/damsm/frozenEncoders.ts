// The pretrained DAMSM encoders, loaded frozen for a GAN method. The encoders
// fix the vocabulary (their embedding table has one row per word), so the GAN
// run reuses the pretraining run's vocab.json, as AttnGAN reuses its
// captions.pickle. Without pretrained encoders, they are pretrained first;
// call this before the GAN run folder is made, so the GAN run stays the
// latest run of its config.
import fs from 'node:fs';
import path from 'node:path';
import type { T2IConfig } from '../config/config';
import { resolveConfig } from '../config/config';
import { Rng } from '../data/rng';
import { RUN_FILES } from '../run/layout';
import { Vocabulary } from '../text/vocabulary';
import { loadCheckpoint } from '../train/checkpoint';
import type { TrainOptions } from '../train/runSession';
import { DamsmModel } from './damsmModel';
import { latestDamsmCheckpoint, pretrainDamsm } from './pretrain';

export interface FrozenEncoders {
  model: DamsmModel;
  vocab: Vocabulary;
  /** The checkpoint the encoders came from. */
  checkpoint: string;
  /** How conditioningText scales the features (the GAN config's damsm.codeScale); absent: raw. */
  codeScale?: 'unit-rms' | 'raw';
}

/** The checkpoint `damsm.encoders` names: a .safetensors file, or a run folder (its last checkpoint). */
function checkpointFromSetting(setting: string, configPath: string): string {
  const abs = path.resolve(path.dirname(configPath), setting);
  if (!fs.existsSync(abs)) throw new Error(`${configPath}: /damsm/encoders: ${abs} does not exist`);
  if (fs.statSync(abs).isFile()) return abs;
  const status = JSON.parse(fs.readFileSync(path.join(abs, RUN_FILES.status), 'utf8')) as { lastCheckpoint?: string };
  if (!status.lastCheckpoint) throw new Error(`${configPath}: /damsm/encoders: run ${abs} has no checkpoint`);
  return path.join(abs, status.lastCheckpoint);
}

export async function loadFrozenEncoders(
  cfg: T2IConfig,
  configPath: string,
  opts: { log: (line: string) => void; pretrain?: Omit<TrainOptions, 'configPath'>; mustExist?: boolean },
): Promise<FrozenEncoders> {
  let checkpoint = cfg.damsm.encoders ? checkpointFromSetting(cfg.damsm.encoders, configPath) : latestDamsmCheckpoint(configPath);
  if (!checkpoint && opts.mustExist) {
    throw new Error(`${configPath}: no pretrained DAMSM encoders (set /damsm/encoders, or run t2i pretrain)`);
  }
  if (!checkpoint) {
    opts.log(`no pretrained DAMSM encoders for ${path.basename(configPath)}: pretraining them first (${cfg.damsm.steps} steps, the config's "damsm" section)`);
    checkpoint = (await pretrainDamsm({ ...opts.pretrain, configPath, runDir: undefined, log: opts.log })).checkpoint;
  }
  // Sizes and vocabulary come from the run that trained the encoders.
  const runDir = path.dirname(path.dirname(checkpoint));
  const read = (name: string) => {
    const file = path.join(runDir, name);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read the encoders' ${name} (${(e as Error).message})`);
    }
  };
  const raw = read(RUN_FILES.config);
  delete raw.source;
  const encCfg = resolveConfig(raw, path.join(runDir, RUN_FILES.config));
  if (encCfg.imageSize !== cfg.imageSize) {
    throw new Error(`${checkpoint}: encoders were trained at ${encCfg.imageSize}px, the config trains at ${cfg.imageSize}px`);
  }
  const vocab = Vocabulary.fromJSON(read(RUN_FILES.vocab), path.join(runDir, RUN_FILES.vocab));
  const model = new DamsmModel(encCfg.damsm, vocab.size, cfg.imageSize, new Rng(0));
  try {
    loadCheckpoint(checkpoint, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  opts.log(`DAMSM encoders (frozen): ${path.relative(path.dirname(configPath), checkpoint)}, vocabulary ${vocab.size} words`);
  return { model, vocab, checkpoint, codeScale: cfg.damsm.codeScale };
}
