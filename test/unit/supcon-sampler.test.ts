// The label-matched two-branch sampler (models/supcon/twoBranchSampler.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../models/backend/select';
import { resolveConfig } from '../../models/config/config';
import type { DatasetSplit } from '../../models/data/dataset';
import { Rng } from '../../models/data/rng';
import { TwoBranchSampler, trainingBatcher } from '../../models/supcon/twoBranchSampler';
import { Vocabulary } from '../../models/text/vocabulary';
import { Batcher, disposeBatch } from '../../models/train/batcher';

test.before(async () => {
  await initBackend({ choice: 'auto', log: () => {} });
});

// Items 0-2 class 0, 3-5 class 1, 6 class 2 (a single image), 7 unlabelled.
const LABELS = [0, 0, 0, 1, 1, 1, 2, -1];
const split: DatasetSplit = {
  length: LABELS.length,
  image: (i) => new Uint8Array(4 * 4 * 3).fill(i * 10),
  captions: (i) => [`item${i} first`, `item${i} second`, `item${i} third`],
  label: (i) => (LABELS[i] < 0 ? undefined : LABELS[i]),
};
const vocab = Vocabulary.fromCaptions(Array.from({ length: LABELS.length }, (_, i) => split.captions(i)).flat());
const make = (mode: 'label' | 'same-image', seed = 1) => new TwoBranchSampler(split, vocab, 4, 4, new Rng(seed), mode);

test('label mode: B has A\'s label and another image whenever the class has one', () => {
  const { a, b, capA, capB } = make('label').pick(400);
  for (let k = 0; k < a.length; k++) {
    const la = split.label(a[k]) ?? -1;
    assert.equal(split.label(b[k]) ?? -1, la);
    if (la === 0 || la === 1) assert.notEqual(b[k], a[k]);
    else {
      assert.equal(b[k], a[k]); // single-image class and unlabelled items pair with themselves…
      assert.notEqual(capB[k], capA[k]); // …under another caption
    }
  }
});

test('same-image mode: B is the same image with another caption', () => {
  const { a, b, capA, capB } = make('same-image').pick(200);
  a.forEach((i, k) => {
    assert.equal(b[k], i);
    assert.notEqual(capB[k], capA[k]);
  });
});

test('class-balanced: each class (unlabelled items count as their own) drawn about equally', () => {
  const { a } = make('label').pick(4000);
  const counts = [0, 0, 0, 0];
  for (const i of a) counts[LABELS[i] < 0 ? 3 : LABELS[i]]++;
  for (const c of counts) assert.ok(Math.abs(c / 4000 - 0.25) < 0.03, `class frequencies ${counts}`);
});

test('deterministic from the Rng, and state/restore continue exactly', () => {
  assert.deepEqual(make('label', 5).pick(20), make('label', 5).pick(20));
  const s = make('label', 5);
  s.pick(7);
  const saved = s.state();
  const next = s.pick(10);
  const t = make('label', 9);
  t.restore(saved);
  assert.deepEqual(t.pick(10), next);
});

test('next(n) gives 2n rows: branch A then its partners, with labels and captions', () => {
  const batch = make('label').next(3);
  assert.deepEqual(batch.images.shape, [6, 4, 4, 3]);
  assert.deepEqual(batch.ids.shape, [6, 4]);
  const lab = Array.from(batch.labels);
  assert.deepEqual(lab.slice(3), lab.slice(0, 3));
  const px = batch.images.dataSync();
  const itemOf = (r: number) => Math.round(((px[r * 48] + 1) * 127.5) / 10);
  for (let r = 0; r < 6; r++) assert.equal(LABELS[itemOf(r)], lab[r] === -1 ? -1 : lab[r]);
  disposeBatch(batch);
});

test('trainingBatcher: supcon methods and SupCon pretraining get two branches, the rest the plain Batcher', () => {
  const cfg = (o: object) => resolveConfig({ imageSize: 32, dataset: { kind: 'shapes' }, ...o });
  const pick = (o: object, job: 'pretrain' | 'gan') => trainingBatcher(cfg(o), job, split, vocab, new Rng(0));
  assert.ok(pick({ method: 'baseline' }, 'gan') instanceof Batcher);
  assert.ok(pick({ method: 'damsm' }, 'pretrain') instanceof Batcher);
  const pre = pick({ method: 'damsm', damsm: { supcon: { mode: 'same-image' } } }, 'pretrain');
  assert.ok(pre instanceof TwoBranchSampler && pre.mode === 'same-image');
  // A supcon GAN config pretraining its encoders follows damsm.supcon, not the GAN's supcon section.
  assert.ok(pick({ method: 'supcon-dfgan', supcon: { mode: 'same-image' } }, 'pretrain') instanceof Batcher);
  const none = pick({ method: 'supcon-dfgan', supcon: { mode: 'none' } }, 'gan');
  assert.ok(none instanceof TwoBranchSampler && none.mode === 'label');
  assert.ok(pick({ method: 'xmcgan', damsm: { supcon: { mode: 'label' } } }, 'gan') instanceof Batcher);
});

test('config: supcon defaults (mode none keeps DAMSM pretraining as it was)', () => {
  const cfg = resolveConfig({ method: 'supcon-dfgan', dataset: { kind: 'shapes' } });
  assert.deepEqual(cfg.supcon, { mode: 'label', weight: 0.2, temperature: 0.1 });
  assert.deepEqual(cfg.damsm.supcon, { mode: 'none', weight: 0.2, temperature: 0.1 });
  assert.equal(cfg.dfganLite.gpWeight, 2);
  assert.equal(resolveConfig({ method: 'supcon-attngan', imageSize: 32, dataset: { kind: 'shapes' } }).attnganLite.stages, 3); // 8, 16, 32 px
});
