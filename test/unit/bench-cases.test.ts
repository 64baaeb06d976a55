// The `method:*` cases of `npm run bench`: each GAN method built from its
// sample config as training builds it (fresh frozen encoders / captioner, a
// real shapes batch, two-branch for supcon-*), two training steps with finite
// losses and the same live tensor count after step 1 and after step 2, and
// nothing left behind once disposed, on wasm with one thread. The sample
// configs are used as they are (same models, batch sizes and dataset as the
// bench): about 15 s for the file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { BENCH_CASES, sampleConfigPath } from '../../models/bench';
import { METHOD_SAMPLE_CONFIGS, methodBenchFromFile } from '../../models/train/methodBench';

before(async () => {
  await initBackend({ choice: 'wasm', threads: 1 });
});

test('BENCH_CASES has one method case per GAN sample config', () => {
  const names = BENCH_CASES.map((c) => c.name);
  for (const [method, file] of Object.entries(METHOD_SAMPLE_CONFIGS)) {
    assert.ok(names.includes(`method:${method}`), `method:${method} missing`);
    assert.ok(fs.existsSync(sampleConfigPath(file)), `${sampleConfigPath(file)} missing`);
  }
});

for (const [method, file] of Object.entries(METHOD_SAMPLE_CONFIGS)) {
  test(`method:${method}: two steps of ${file}, finite losses, flat tensor count`, () => {
    const start = tf.memory().numTensors;
    const bench = methodBenchFromFile(sampleConfigPath(file));
    try {
      assert.equal(bench.cfg.method, method);
      assert.equal(bench.info.batchRows, bench.cfg.train.batchSize * (method.startsWith('supcon-') ? 2 : 1));
      const counts: number[] = [];
      for (let step = 1; step <= 2; step++) {
        const losses = bench.step();
        assert.deepEqual(Object.keys(losses).sort(), [...bench.method.lossNames].sort(), `step ${step}: loss names`);
        for (const [name, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `step ${step}: ${name} = ${v}`);
        counts.push(tf.memory().numTensors);
      }
      assert.equal(counts[1], counts[0], `live tensors ${counts[0]} after step 1, ${counts[1]} after step 2`);
    } finally {
      bench.dispose();
    }
    assert.equal(tf.memory().numTensors, start, 'tensors left after dispose');
  });
}
