// `t2i train-classifier <config>`: trains (or retrains) the label classifier
// of a config's dataset and caches it, so evaluations (including those during
// training) can report fid_cls, kid_cls and is_cls.
import type { BackendChoice } from '../../protocol/events';
import { initBackend } from '../backend/select';
import { loadConfig } from '../config/config';
import { openDataset } from '../data/openDataset';
import { loadOrTrainClassifier, type ClassifierInfo } from './classifierCache';

export async function trainClassifierCommand(opts: { configPath: string; retrain?: boolean; backend?: BackendChoice; threads?: number; log?: (line: string) => void }): Promise<{ file: string; info: ClassifierInfo; trained: boolean }> {
  const log = opts.log ?? console.log;
  const cfg = loadConfig(opts.configPath);
  await initBackend({ choice: opts.backend ?? cfg.backend, threads: (opts.threads ?? cfg.threads) || undefined, log });
  const ds = openDataset(cfg, { configPath: opts.configPath, log });
  try {
    const c = loadOrTrainClassifier(cfg, opts.configPath, ds, { training: { steps: cfg.eval.classifierSteps }, retrain: opts.retrain, log });
    c.model.dispose();
    return { file: c.file, info: c.info, trained: c.trained };
  } finally {
    ds.close?.();
  }
}
