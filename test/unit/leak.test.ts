// Long runs must not leak: over 300 steps of a tiny model, with sample grids
// and checkpoints on their schedule, the live tensor count and tensor bytes
// are exactly the same before every step once the run has warmed up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { train } from '../../models/train/trainer';

const config = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 40, seed: 1 },
  baseline: { zDim: 4, embedDim: 4, textDim: 4, ngf: 4, ndf: 4 },
  train: { batchSize: 2, steps: 300, sampleEvery: 30, checkpointEvery: 75, logEvery: 10, seed: 3 },
  preview: { count: 2 },
};

test('300 steps: tf.memory() is flat after warm-up (samples and checkpoints included)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-leak-'));
  const configPath = path.join(dir, 'leak.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  const counts: number[] = [];
  const bytes: number[] = [];
  const r = await train({
    configPath, runDir: path.join(dir, 'run'), log: () => {},
    // Polled before every step: the loop's resting state.
    shouldStop: () => {
      const m = tf.memory();
      counts.push(m.numTensors);
      bytes.push(m.numBytes);
      return false;
    },
  });
  assert.equal(r.step, 300);
  assert.equal(counts.length, 300);
  const warm = 10;
  const grew = counts.findIndex((c, i) => i >= warm && c !== counts[warm]);
  assert.equal(grew, -1, `numTensors ${counts[warm]} at step ${warm + 1} became ${counts[grew]} at step ${grew + 1}`);
  const grewBytes = bytes.findIndex((b, i) => i >= warm && b !== bytes[warm]);
  assert.equal(grewBytes, -1, `numBytes ${bytes[warm]} at step ${warm + 1} became ${bytes[grewBytes]} at step ${grewBytes + 1}`);
});
