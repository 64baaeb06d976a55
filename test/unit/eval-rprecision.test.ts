// R-precision (AttnGAN's definition) on cases small enough to check by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetSplit } from '../../models/data/dataset';
import { Rng } from '../../models/data/rng';
import { cosine, rPrecision, rPrecisionCaptions, trueCaptionRanksFirst } from '../../models/eval/rPrecision';

test('cosine and the top-1 rule, by hand', () => {
  assert.equal(cosine([1, 0], [0, 3]), 0);
  assert.ok(Math.abs(cosine([1, 1], [2, 2]) - 1) < 1e-12);
  // true caption at 0°, others at 45° and 90°: a hit
  assert.equal(trueCaptionRanksFirst([1, 0], [[2, 0], [1, 1], [0, 1]]), true);
  // a mismatched caption closer than the true one: a miss
  assert.equal(trueCaptionRanksFirst([1, 0], [[1, 1], [3, 0.1], [0, 1]]), false);
  // a tie is not a hit (the true caption must rank strictly first)
  assert.equal(trueCaptionRanksFirst([1, 0], [[1, 0], [5, 0]]), false);
});

test('10 folds of 2 images: mean and population std of the fold hit rates', () => {
  const hit = [[1, 0], [0, 1], [-1, 0]]; // true caption identical to the image code
  const miss = [[0, 1], [1, 0], [-1, 0]]; // a mismatched caption identical to it
  // hits per image; folds are consecutive pairs → rates 1, 0.5, 0, 1, 1, 0.5, 0, 1, 1, 1
  const hits = [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1];
  const images = hits.map(() => [1, 0]);
  const r = rPrecision(images, hits.map((h) => (h ? hit : miss)), 10);
  assert.deepEqual(r.folds, [1, 0.5, 0, 1, 1, 0.5, 0, 1, 1, 1]);
  const mean = 7 / 10;
  assert.ok(Math.abs(r.mean - mean) < 1e-12);
  // Σ (rate − 0.7)² = 6·0.09 + 2·0.04 + 2·0.49 = 1.6 → std = √0.16 = 0.4
  assert.ok(Math.abs(r.std - 0.4) < 1e-12, `${r.std}`);
  assert.throws(() => rPrecision(images.slice(0, 9), hits.slice(0, 9).map(() => hit), 10), /at least 10 images/);
});

test('candidates: the true caption first, then 99 captions of other classes only', () => {
  // 300 items in 3 classes; item i has label i % 3 and captions naming its index.
  const split: DatasetSplit = {
    length: 300,
    image: () => new Uint8Array(3),
    captions: (i) => [`item ${i} a`, `item ${i} b`],
    label: (i) => i % 3,
  };
  const rng = new Rng(4);
  for (const i of [0, 1, 299]) {
    const set = rPrecisionCaptions(split, i, rng);
    assert.equal(set.length, 100);
    assert.match(set[0], new RegExp(`^item ${i} `));
    for (const c of set.slice(1)) {
      const j = Number(/^item (\d+)/.exec(c)![1]);
      assert.notEqual(j % 3, i % 3, `${c} is from item ${i}'s class`);
    }
  }
  // One class only: no mismatched captions exist, and the error says so.
  const oneClass: DatasetSplit = { ...split, label: () => 0 };
  assert.throws(() => rPrecisionCaptions(oneClass, 0, rng, 5), /other classes/);
});
