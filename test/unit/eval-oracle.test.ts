// The oracle metric on generators whose answer is known: one that draws
// exactly what each caption says scores 1.0, a blank one scores 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { allCaptions } from '../../models/data/openDataset';
import { buildShapesDataset } from '../../models/data/shapesDataset';
import { parseShapeCaption } from '../../models/data/shapesOracle';
import { renderShape } from '../../models/data/shapesRender';
import { makeShapeSpec } from '../../models/data/shapesSpec';
import { evaluateShapesOracle, oracleMetrics } from '../../models/eval/shapesOracleEval';
import { Vocabulary } from '../../models/text/vocabulary';
import type { T2IMethod } from '../../models/train/method';

/** A generator for this test only: it renders exactly what the caption names, or nothing. */
function captionRenderer(vocab: Vocabulary, S: number, blank = false): T2IMethod {
  return {
    name: 'test-renderer', lossNames: [], noiseDim: 2,
    trainStep: () => ({}),
    generate(ids) {
      const rows = ids.arraySync() as number[][];
      const px = new Float32Array(rows.length * S * S * 3).fill(-1);
      rows.forEach((row, i) => {
        if (blank) return;
        const a = parseShapeCaption(vocab.decode(row));
        const size = a.size ?? (a.position && a.position !== 'center' ? 'small' : 'large');
        const spec = makeShapeSpec({ shape: a.shape!, color: a.color!, size, position: size === 'large' ? 'center' : a.position!, jx: 0, jy: 0 });
        renderShape(spec, S).forEach((v, k) => (px[i * S * S * 3 + k] = v / 127.5 - 1));
      });
      return tf.tensor4d(px, [rows.length, S, S, 3]);
    },
    state: () => [], loadState: () => {}, counters: () => ({}), loadCounters: () => {}, dispose: () => {},
  };
}

test('oracle metric: 1.0 for a generator that draws each caption, 0 for a blank one; held-out pairs scored apart', async () => {
  await initBackend({ choice: 'auto', log: () => {} });
  const ds = buildShapesDataset({ count: 480, seed: 2, size: 32, holdout: [['red', 'triangle'], ['blue', 'circle']] });
  const vocab = Vocabulary.fromCaptions(allCaptions(ds));
  const perfect = evaluateShapesOracle(captionRenderer(vocab, 32), ds, vocab, 18, { count: 60 });
  const m = oracleMetrics(perfect);
  for (const k of ['oracle_color', 'oracle_shape', 'oracle_size', 'oracle_position', 'oracle_all']) assert.equal(m[k], 1, k);
  assert.ok(perfect.heldOut && perfect.heldOut.items > 0, 'some held-out captions are evaluated');
  assert.equal(m.heldout_color, 1);
  assert.equal(perfect.all.items, 60);
  const blank = oracleMetrics(evaluateShapesOracle(captionRenderer(vocab, 32, true), ds, vocab, 18, { count: 48 }));
  assert.equal(blank.oracle_color, 0);
  assert.equal(blank.oracle_all, 0);
});
