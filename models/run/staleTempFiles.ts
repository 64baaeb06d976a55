// Temp files a killed trainer left behind. writeFileAtomic writes
// `.<name>.<pid>.tmp` beside its target and renames it; a kill -9 between the two
// leaves the temp file, which is never a complete file and never named like a
// checkpoint, so readers ignore it. Resume removes them so they do not pile up.
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES } from './layout';

const TEMP_NAME = /^\..+\.(\d+)\.tmp$/;

/** Temp files in the run folder (and its samples and checkpoints folders) not written by this process. */
export function staleTempFiles(runDir: string): string[] {
  const found: string[] = [];
  for (const sub of ['', RUN_FILES.samplesDir, RUN_FILES.checkpointsDir]) {
    const dir = path.join(runDir, sub);
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = TEMP_NAME.exec(n);
      if (m && Number(m[1]) !== process.pid) found.push(path.join(dir, n));
    }
  }
  return found.sort();
}

/** Removes the stale temp files; returns their paths relative to the run folder. */
export function removeStaleTempFiles(runDir: string): string[] {
  return staleTempFiles(runDir).map((f) => {
    fs.rmSync(f, { force: true });
    return path.relative(runDir, f).split(path.sep).join('/');
  });
}
