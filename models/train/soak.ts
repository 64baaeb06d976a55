// The long-run check (`npm run bench -- soak --steps 10000`): trains a config
// (by default the sample one) for N steps in a throwaway run folder and samples
// the live tensors, tensor bytes and JS heap every K steps, to show that
// nothing grows. Heap is measured after a forced GC, so it is comparable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../protocol/events';
import { train } from './trainer';

export interface SoakOptions {
  configPath: string;
  steps: number;
  /** Sample every N steps. */
  every: number;
  backend?: BackendChoice;
  threads?: number;
  /** Keep the run folder (default: removed afterwards). */
  keepRun?: boolean;
  /** Called after every sample with the report so far, so a long soak can be watched (and stopped) midway. */
  onSample?: (partial: SoakReport) => void;
}

export interface SoakSample {
  step: number;
  numTensors: number;
  numBytes: number;
  heapUsedMB: number;
  rssMB: number;
}

export interface SoakReport {
  date: string;
  config: string;
  steps: number;
  every: number;
  backend: string;
  meanStepMs: number;
  samples: SoakSample[];
  /** Last sample minus the first after warm-up (the second sample). */
  growth: { numTensors: number; numBytes: number; heapUsedMB: number; rssMB: number };
  note: string;
}

/** node's gc(), exposed at run time so `node dist/bench.js` needs no flag. */
function collector(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;

export async function soak(opts: SoakOptions): Promise<SoakReport> {
  const gc = collector();
  const samples: SoakSample[] = [];
  const sample = (step: number) => {
    gc();
    const m = tf.memory();
    const p = process.memoryUsage();
    samples.push({ step, numTensors: m.numTensors, numBytes: m.numBytes, heapUsedMB: mb(p.heapUsed), rssMB: mb(p.rss) });
    opts.onSample?.(report(step, undefined));
  };
  const report = (steps: number, r: { backend: { name: string; threads: number }; meanStepMs: number } | undefined): SoakReport => {
    const base = samples[Math.min(1, samples.length - 1)];
    const last = samples[samples.length - 1];
    return {
      date: new Date().toISOString(),
      config: path.resolve(opts.configPath),
      steps,
      every: opts.every,
      backend: r ? `${r.backend.name} x${r.backend.threads}` : 'running',
      meanStepMs: r ? Math.round(r.meanStepMs * 10) / 10 : NaN,
      samples,
      growth: {
        numTensors: last.numTensors - base.numTensors,
        numBytes: last.numBytes - base.numBytes,
        heapUsedMB: Math.round((last.heapUsedMB - base.heapUsedMB) * 100) / 100,
        rssMB: Math.round((last.rssMB - base.rssMB) * 100) / 100,
      },
      note: `each sample is taken after \`step\` steps, before the next (after a forced GC); growth is from step ${base.step} to the last sample${r ? '' : ' (run still in progress)'}`,
    };
  };
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 't2i-soak-')), 'run');
  let polled = 0;
  try {
    const r = await train({
      configPath: opts.configPath, runDir, steps: opts.steps, maxMinutes: 0, backend: opts.backend, threads: opts.threads,
      log: (line) => process.stderr.write(`${line}\n`),
      // Polled before every step: sample the loop's resting state (the last one before the last step,
      // since after it the model is disposed).
      shouldStop: () => {
        if (polled % opts.every === 0 || polled === opts.steps - 1) sample(polled);
        polled++;
        return false;
      },
    });
    return report(r.step, r);
  } finally {
    if (!opts.keepRun) fs.rmSync(path.dirname(runDir), { recursive: true, force: true });
    else process.stderr.write(`soak run folder: ${runDir}\n`);
  }
}
