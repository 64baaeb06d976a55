// The `t2i` task type (tasks.json) as CLI arguments. Pure, so the mapping is
// unit tested without VS Code.
import path from 'node:path';
import { configStem } from '../models/run/layout';

export const TASK_TYPE = 't2i';
export type TaskCommand = 'train' | 'sample' | 'eval';

/** What a tasks.json entry of type "t2i" may hold (package.json taskDefinitions). */
export interface T2ITaskDefinition {
  type: typeof TASK_TYPE;
  /** The `*.t2i.json` file, relative to the workspace folder or absolute. */
  config: string;
  command?: TaskCommand;
  /** train: true continues the latest run; a string names the run folder (relative to the config's folder). */
  resume?: boolean | string;
  steps?: number;
  /** sample: the captions file (default `<config stem>.captions.txt` beside the config) and output folder. */
  captions?: string;
  out?: string;
}

export class TaskDefinitionError extends Error {}

/** Checks a definition read from tasks.json; throws naming the bad field. */
export function parseTaskDefinition(def: Record<string, unknown>): T2ITaskDefinition {
  if (typeof def.config !== 'string' || !/\.t2i\.json$/i.test(def.config)) throw new TaskDefinitionError('"config" must name a *.t2i.json file');
  const command = def.command ?? 'train';
  if (command !== 'train' && command !== 'sample' && command !== 'eval') throw new TaskDefinitionError(`"command" must be "train", "sample" or "eval", not ${JSON.stringify(command)}`);
  if (def.resume !== undefined && typeof def.resume !== 'boolean' && typeof def.resume !== 'string') throw new TaskDefinitionError('"resume" must be true or a run folder');
  if (def.resume && command !== 'train') throw new TaskDefinitionError('"resume" applies only to "command": "train"');
  if (def.steps !== undefined && (typeof def.steps !== 'number' || !Number.isInteger(def.steps) || def.steps < 1)) throw new TaskDefinitionError('"steps" must be a positive integer');
  for (const k of ['captions', 'out'] as const) if (def[k] !== undefined && typeof def[k] !== 'string') throw new TaskDefinitionError(`"${k}" must be a path`);
  return def as unknown as T2ITaskDefinition;
}

/**
 * The CLI arguments (after `dist/cli.js`) of a task. `configPath` is absolute;
 * `latestRun` finds the run that `resume: true` continues.
 */
export function taskCliArgs(def: T2ITaskDefinition, configPath: string, latestRun: (configPath: string) => string | undefined): string[] {
  const dir = path.dirname(configPath);
  const steps = def.steps !== undefined ? ['--steps', String(def.steps)] : [];
  const command = def.command ?? 'train';
  if (command === 'train') {
    if (def.resume) {
      const runDir = typeof def.resume === 'string' ? path.resolve(dir, def.resume) : latestRun(configPath);
      if (!runDir) throw new TaskDefinitionError(`"resume": ${configStem(configPath)} has no run to resume yet`);
      return ['train', '--resume', runDir, ...steps];
    }
    return ['train', configPath, ...steps];
  }
  if (command === 'sample') {
    const captions = path.resolve(dir, def.captions ?? `${configStem(configPath)}.captions.txt`);
    const out = path.resolve(dir, def.out ?? path.join('runs', configStem(configPath), 'task-samples'));
    return ['sample', configPath, '--captions', captions, '--out', out];
  }
  return ['eval', configPath];
}
