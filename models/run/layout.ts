// Where things live in a run folder. Every reader and writer goes through
// these names so the CLI, the trainer and the extension agree.
import path from 'node:path';

export const RUN_FILES = {
  config: 'config.json',
  events: 'events.jsonl',
  status: 'status.json',
  vocab: 'vocab.json',
  samplesDir: 'samples',
  checkpointsDir: 'checkpoints',
  realGrid: 'samples/real.png',
} as const;

/** Run folders of a config live in `<config dir>/runs/<config stem>/<run id>`. */
export function runsRootFor(configPath: string): string {
  return path.join(path.dirname(configPath), 'runs', configStem(configPath));
}

/** `foo.t2i.json` → `foo`. */
export function configStem(configPath: string): string {
  return path.basename(configPath).replace(/\.t2i\.json$/i, '').replace(/\.json$/i, '');
}

/** Run ids sort by time: `20261122-041503`, with a suffix when two start in one second. */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

export function stepName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

export function samplePath(step: number): string {
  return `${RUN_FILES.samplesDir}/${stepName(step)}.png`;
}

export function sampleMetaPath(step: number): string {
  return `${RUN_FILES.samplesDir}/${stepName(step)}.json`;
}

export function attentionPath(step: number): string {
  return `${RUN_FILES.samplesDir}/${stepName(step)}.attention.json`;
}

export function checkpointPath(step: number): string {
  return `${RUN_FILES.checkpointsDir}/${stepName(step)}.safetensors`;
}
