// Exporting a sample grid: the webview names a step, the host finds that
// grid in the run folder and writes a copy where the user chose. No vscode
// here (the save dialog is the panel's), so it is unit tested on its own.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../models/run/atomicWrite';
import { configStem, samplePath, stepName } from '../models/run/layout';
import { insideRun } from './runHistory';

/** The grid PNG of `step` in the run folder, or undefined when there is none. */
export function gridFile(runDir: string, step: number): string | undefined {
  if (!Number.isSafeInteger(step) || step < 0) return undefined;
  const file = insideRun(runDir, samplePath(step));
  return file && fs.existsSync(file) ? file : undefined;
}

/** Where the save dialog starts: beside the config, named after config, run and step. */
export function suggestedExportPath(configPath: string, runDir: string, step: number): string {
  return path.join(path.dirname(configPath), `${configStem(configPath)}-${path.basename(runDir)}-${stepName(step)}.png`);
}

/** Copies the grid to `target` atomically (a crash leaves the old file or the new one, never half). */
export function exportGrid(runDir: string, step: number, target: string): void {
  const src = gridFile(runDir, step);
  if (!src) throw new Error(`there is no sample grid at step ${step} in ${runDir}`);
  if (path.resolve(target) === path.resolve(src)) return;
  writeFileAtomic(target, fs.readFileSync(src));
}
