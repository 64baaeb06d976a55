// MirrorGAN end to end on tiny shapes configs: `pretrain-stream` (the DAMSM
// encoders pretrained first when missing), then `train` with both frozen
// modules pretrained automatically, writing steps, samples with
// re-descriptions, an attention export per refinement stage and a checkpoint
// that reloads and resumes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionExport, SampleGridMeta, StepEvent } from '../../protocol/events';
import { resolveConfig } from '../../models/config/config';
import { decodePng } from '../../models/data/png';
import { openDataset } from '../../models/data/openDataset';
import { latestStreamCheckpoint, pretrainStream } from '../../models/mirrorgan/streamPretrain';
import { readAllEvents, readStatus } from '../../models/run/runReader';
import { makePreviewSet } from '../../models/train/preview';
import { loadRun } from '../../models/train/sample';
import { toRgbBytes } from '../../models/train/sampleGrid';
import { train } from '../../models/train/trainer';

const tiny = {
  method: 'mirrorgan',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 96, seed: 2, holdout: [['red', 'triangle']] },
  text: { maxWords: 8 },
  damsm: { embedDim: 8, hidden: 6, imageWidth: 4, batchSize: 6, steps: 2, evalEvery: 2, checkpointEvery: 2 },
  mirrorgan: { stages: 2, zDim: 6, caDim: 5, ngf: 4, ndf: 4, resBlocks: 1 },
  stream: { embedDim: 8, hidden: 8, imageWidth: 4, batchSize: 6, steps: 3, evalEvery: 2, checkpointEvery: 3 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 4, seed: 1 },
  preview: { count: 3 },
};

function workspace(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-mirrorgan-'));
  const file = path.join(dir, `${name}.t2i.json`);
  fs.writeFileSync(file, JSON.stringify(tiny));
  return file;
}

test('pretrain-stream: encoders first when missing, then losses, BLEU-1 / exact-match metrics and a checkpoint', async () => {
  const configPath = workspace('cap');
  const logs: string[] = [];
  const r = await pretrainStream({ configPath, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /no pretrained DAMSM encoders for cap\.t2i\.json: pretraining them first/.test(l)), logs.join('\n'));
  assert.equal(r.reason, 'completed');
  const events = readAllEvents(r.runDir);
  const started = events.find((e) => e.type === 'run_started');
  assert.ok(started?.type === 'run_started' && started.method === 'stream');
  assert.deepEqual(started.lossNames, ['caption_ce']);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3]);
  // Untrained, the cross-entropy is about log V.
  const vocabSize = JSON.parse(fs.readFileSync(path.join(r.runDir, 'vocab.json'), 'utf8')).words.length;
  assert.ok(Math.abs(steps[0].losses.caption_ce - Math.log(vocabSize)) < 1, `${steps[0].losses.caption_ce} vs log ${vocabSize}`);
  const metrics = events.filter((e) => e.type === 'metrics') as { step: number; metrics: Record<string, number> }[];
  assert.deepEqual(metrics.map((e) => e.step), [2, 3]);
  for (const m of metrics) {
    assert.ok(m.metrics.bleu1 >= 0 && m.metrics.bleu1 <= 1);
    assert.ok(m.metrics.exact_match >= 0 && m.metrics.exact_match <= 1);
  }
  assert.equal(r.checkpoint, path.join(r.runDir, 'checkpoints/step-000003.safetensors'));
  assert.equal(latestStreamCheckpoint(configPath), r.checkpoint);
  // The captioner shares the encoders' vocabulary, word for word.
  const damsmRun = fs.readdirSync(path.dirname(r.runDir)).map((d) => path.join(path.dirname(r.runDir), d)).find((d) => d !== r.runDir)!;
  assert.deepEqual(fs.readFileSync(path.join(r.runDir, 'vocab.json'), 'utf8'), fs.readFileSync(path.join(damsmRun, 'vocab.json'), 'utf8'));
});

test('train: frozen modules pretrained automatically; steps, samples with re-descriptions, attention per stage, a checkpoint that reloads and resumes', async () => {
  const configPath = workspace('gan');
  const logs: string[] = [];
  const r = await train({ configPath, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /no pretrained DAMSM encoders for gan\.t2i\.json/.test(l)));
  assert.ok(logs.some((l) => /no pretrained STREAM captioner for gan\.t2i\.json: pretraining it first \(3 steps/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /STREAM captioner \(frozen\): .*step-000003\.safetensors, BLEU-1/.test(l)));
  assert.equal(r.reason, 'completed');
  const runs = fs.readdirSync(path.dirname(r.runDir));
  assert.equal(runs.length, 3, 'damsm, stream, then the GAN run (latest)');
  assert.equal(runs.sort()[2], path.basename(r.runDir));

  const events = readAllEvents(r.runDir);
  const started = events.find((e) => e.type === 'run_started');
  assert.ok(started?.type === 'run_started' && started.method === 'mirrorgan');
  assert.deepEqual(started.lossNames, ['d16', 'd32', 'g16', 'g32', 'kl', 'redesc', 'g_total']);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4]);
  for (const s of steps) for (const n of started.lossNames) assert.ok(Number.isFinite(s.losses[n]), `${n} at ${s.step}`);

  const samples = events.filter((e) => e.type === 'sample') as { step: number; path: string; meta: string; attention?: string }[];
  assert.deepEqual(samples.map((s) => s.step), [0, 2, 4]);
  for (const s of samples) {
    const meta = JSON.parse(fs.readFileSync(path.join(r.runDir, s.meta), 'utf8')) as SampleGridMeta;
    assert.equal(meta.captions.length, 3);
    assert.equal(meta.redescriptions?.length, 3, 'one re-description per cell');
    assert.ok(meta.redescriptions!.every((d) => typeof d === 'string'));
    const att = JSON.parse(fs.readFileSync(path.join(r.runDir, s.attention!), 'utf8')) as AttentionExport;
    assert.deepEqual(att.stages.map((st) => [st.name, st.size]), [['stage1', 16]]);
    att.words.forEach((words, cell) => {
      assert.equal(att.stages[0].maps[cell].length, words.length, 'one map per real word');
      assert.equal(att.stages[0].maps[cell][0].length, 16 * 16);
    });
  }
  const snapshot = JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8'));
  assert.match(snapshot.stream.captioner, /step-000003\.safetensors$/, 'the run records its captioner');

  // The checkpoint reloads (no captioner needed to sample) and renders the last grid exactly.
  const loaded = await loadRun(r.runDir);
  assert.equal(loaded.step, 4);
  const cfg = resolveConfig(tiny);
  const ds = openDataset(cfg);
  const preview = makePreviewSet(cfg, ds, loaded.vocab, loaded.method.noiseDim);
  const images = loaded.method.generate(preview.ids, preview.noise);
  const cells = toRgbBytes(images);
  tf.dispose([images, preview.ids, preview.noise]);
  loaded.method.dispose();
  const grid = decodePng(fs.readFileSync(path.join(r.runDir, 'samples/step-000004.png')));
  const gap = 2;
  for (let y = 0; y < 32; y++) {
    const row = grid.data.subarray(((gap + y) * grid.width + gap) * 3, ((gap + y) * grid.width + gap + 32) * 3);
    assert.deepEqual(row, cells[0].subarray(y * 32 * 3, (y + 1) * 32 * 3), `row ${y} of cell 0`);
  }

  // And resumes with its recorded encoders and captioner.
  const resumed = await train({ configPath, resume: r.runDir, steps: 5, log: () => {} });
  assert.equal(resumed.step, 5);
  assert.equal(readStatus(r.runDir)?.state, 'completed');
  const after = readAllEvents(r.runDir).filter((e): e is StepEvent => e.type === 'step').map((e) => e.step);
  assert.deepEqual(after, [1, 2, 3, 4, 5]);
});
