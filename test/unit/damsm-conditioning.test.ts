// The frozen text features the GAN methods are conditioned on: "unit-rms"
// rescales each sentence and word vector to unit root-mean-square without
// turning it (cosines unchanged, padding still zero); "raw" and an absent
// setting pass the encoder's output through untouched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../models/backend/select';
import { loadRunSnapshot, resolveConfig } from '../../models/config/config';
import { conditioningText } from '../../models/damsm/conditioningText';
import { DamsmModel } from '../../models/damsm/damsmModel';
import type { FrozenEncoders } from '../../models/damsm/frozenEncoders';
import { Rng } from '../../models/data/rng';
import { Vocabulary } from '../../models/text/vocabulary';

test.before(async () => {
  await initBackend({ choice: 'cpu', log: () => {} });
});

const T = 5;
const cfg = resolveConfig({ method: 'supcon-dfgan', imageSize: 32, dataset: { kind: 'shapes', count: 40 }, damsm: { embedDim: 8, hidden: 6, imageWidth: 4 } });
const vocab = Vocabulary.fromCaptions(['a red circle at the top left', 'big blue square']);
const model = new DamsmModel(cfg.damsm, vocab.size, 32, new Rng(7));
const enc = (codeScale?: 'unit-rms' | 'raw'): FrozenEncoders => ({ model, vocab, checkpoint: '', codeScale });
const caps = ['a red circle at the top', 'big blue square'].map((c) => vocab.encode(c, T));
const ids = () => tf.tensor2d(caps.map((c) => Array.from(c.ids)), [caps.length, T], 'int32');
const lengths = caps.map((c) => c.length);

const rms = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));

test('the config default is unit-rms, and the schema accepts raw', () => {
  assert.equal(cfg.damsm.codeScale, 'unit-rms');
  assert.equal(resolveConfig({ method: 'supcon-dfgan', dataset: { kind: 'shapes' }, damsm: { codeScale: 'raw' } }).damsm.codeScale, 'raw');
  assert.throws(() => resolveConfig({ method: 'supcon-dfgan', dataset: { kind: 'shapes' }, damsm: { codeScale: 'l2' } }), /codeScale/);
});

test('raw and an absent setting return the encoder output unchanged', () => {
  const x = ids();
  const ref = model.text.encode(x, lengths, false);
  for (const mode of ['raw', undefined] as const) {
    const t = conditioningText(enc(mode), x, lengths);
    assert.deepEqual(Array.from(t.sentence.dataSync()), Array.from(ref.sentence.dataSync()));
    assert.deepEqual(Array.from(t.words.dataSync()), Array.from(ref.words.dataSync()));
    tf.dispose([t.words, t.sentence, t.mask]);
  }
  tf.dispose([x, ref.words, ref.sentence, ref.mask]);
});

test('unit-rms: every sentence and real word vector has RMS 1, same direction; padding stays 0; no leaks', () => {
  const x = ids();
  const ref = model.text.encode(x, lengths, false);
  const before = tf.memory().numTensors;
  const t = conditioningText(enc('unit-rms'), x, lengths);
  assert.equal(tf.memory().numTensors - before, 3, 'exactly the three returned tensors are new');
  const D = t.sentence.shape[1];
  const s = t.sentence.arraySync();
  const s0 = ref.sentence.arraySync();
  const w = t.words.arraySync();
  const w0 = ref.words.arraySync();
  assert.ok(rms(s0[0]) < 0.5, `the untrained encoder's sentence RMS is small (${rms(s0[0])}), so the test sees a real rescale`);
  s.forEach((row, b) => {
    assert.ok(Math.abs(rms(row) - 1) < 1e-4, `sentence ${b} RMS ${rms(row)}`);
    assert.ok(cos(row, s0[b]) > 0.99999, 'direction kept');
    assert.equal(row.length, D);
    for (let k = 0; k < T; k++) {
      if (k < lengths[b]) {
        assert.ok(Math.abs(rms(w[b][k]) - 1) < 1e-4, `word ${b},${k} RMS ${rms(w[b][k])}`);
        assert.ok(cos(w[b][k], w0[b][k]) > 0.99999);
      } else {
        assert.ok(w[b][k].every((v) => v === 0), `padding ${b},${k} stays zero`);
      }
    }
  });
  assert.deepEqual(Array.from(t.mask.dataSync()), Array.from(ref.mask.dataSync()));
  tf.dispose([x, ref.words, ref.sentence, ref.mask, t.words, t.sentence, t.mask]);
});

test('a run snapshot from before codeScale existed keeps the raw codes it was trained on; a new one keeps its own', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-codescale-'));
  try {
    const resolved = resolveConfig({ method: 'supcon-dfgan', imageSize: 32, dataset: { kind: 'shapes', count: 40 } }) as unknown as Record<string, Record<string, unknown>>;
    const old = JSON.parse(JSON.stringify(resolved));
    delete old.damsm.codeScale;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...old, source: '/x/a.t2i.json' }));
    assert.equal(loadRunSnapshot(dir).cfg.damsm.codeScale, 'raw');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...resolved, source: '/x/a.t2i.json' }));
    assert.equal(loadRunSnapshot(dir).cfg.damsm.codeScale, 'unit-rms');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
