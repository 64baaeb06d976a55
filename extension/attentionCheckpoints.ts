// The checkpoints the attention panel can pick from: those of the config's
// latest run, the one `t2i serve` serves. Pure node:fs (no vscode, no tfjs),
// so it is unit-tested directly.
import fs from 'node:fs';
import path from 'node:path';
import type { CheckpointChoice } from '../protocol/attention';
import { isCheckpointName } from '../protocol/serve';
import { RUN_FILES } from '../models/run/layout';

/** A run's checkpoints, newest first; temp files and anything not named like a checkpoint are left out. */
export function listCheckpoints(runDir: string): CheckpointChoice[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(runDir, RUN_FILES.checkpointsDir));
  } catch {
    return [];
  }
  return names
    .filter(isCheckpointName)
    .map((name) => ({ name, step: Number(/\d+/.exec(name)![0]) }))
    .sort((a, b) => b.step - a.step);
}

/** The pinned checkpoint when the run still has it; undefined (the latest) otherwise. */
export function keepChoice(choices: readonly CheckpointChoice[], pinned: string | undefined): string | undefined {
  return pinned && choices.some((c) => c.name === pinned) ? pinned : undefined;
}

/**
 * The checkpoint to pin when the dashboard's step slider is at `step`: the one
 * nearest that step (a tie goes to the earlier, which the grid at that step
 * came before). Undefined when that is the newest, so the panel keeps
 * following the latest as training writes more.
 */
export function checkpointForStep(choices: readonly CheckpointChoice[], step: number): string | undefined {
  if (!choices.length || !Number.isFinite(step)) return undefined;
  let best = choices[0];
  for (const c of choices) {
    const d = Math.abs(c.step - step);
    const bd = Math.abs(best.step - step);
    if (d < bd || (d === bd && c.step < best.step)) best = c;
  }
  const newest = choices.reduce((a, c) => (c.step > a.step ? c : a));
  return best === newest ? undefined : best.name;
}
