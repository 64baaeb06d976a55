// The attention panel's checkpoint picker: names validated at every hop
// (panel → host → `t2i serve`), the host's list of the latest run's
// checkpoints, and the generator loading a pinned, older checkpoint of a
// really trained run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseAttentionMessage, parseHostToAttention } from '../../protocol/attention';
import { isCheckpointName, parseServeRequest, type ServeResponse } from '../../protocol/serve';
import { keepChoice, listCheckpoints } from '../../extension/attentionCheckpoints';
import { checkpointOptions } from '../../webview/attention/checkpointOptions';
import { initBackend } from '../../models/backend/select';
import { GeneratorServer, pinnedCheckpoint } from '../../models/serve/generatorServer';
import { train } from '../../models/train/trainer';

const tinyConfig = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 60, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
  preview: { count: 2 },
};

let configPath = '';
let runDir = '';

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-att-ck-'));
  configPath = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(tinyConfig));
  runDir = (await train({ configPath, log: () => {} })).runDir;
  await initBackend({ choice: 'cpu' });
});

after(() => {
  if (configPath) fs.rmSync(path.dirname(configPath), { recursive: true, force: true });
});

test('only bare trainer-style checkpoint names pass', () => {
  assert.ok(isCheckpointName('step-000002.safetensors'));
  for (const bad of ['../step-000002.safetensors', 'checkpoints/step-000002.safetensors', '/etc/passwd', 'step-2.bin',
    '.step-000002.safetensors.123.tmp', 'step-000002.safetensors\n', '', 2, undefined, null]) {
    assert.equal(isCheckpointName(bad), false, String(bad));
  }
});

test('panel and serve messages carry a checkpoint only when it is a valid name', () => {
  assert.deepEqual(parseAttentionMessage({ type: 'generate', caption: 'a red circle', seed: 1, checkpoint: 'step-000002.safetensors' }),
    { type: 'generate', caption: 'a red circle', seed: 1, checkpoint: 'step-000002.safetensors' });
  assert.deepEqual(parseAttentionMessage({ type: 'generate', caption: 'a', seed: 1 }), { type: 'generate', caption: 'a', seed: 1 });
  assert.equal(parseAttentionMessage({ type: 'generate', caption: 'a', seed: 1, checkpoint: '../../x.safetensors' }), undefined);
  assert.equal(parseAttentionMessage({ type: 'generate', caption: 'a', seed: 1, checkpoint: 4 }), undefined);
  assert.deepEqual(parseServeRequest({ id: 1, type: 'generate', caption: 'a', seed: 0, checkpoint: 'step-000004.safetensors' }),
    { id: 1, type: 'generate', caption: 'a', seed: 0, checkpoint: 'step-000004.safetensors' });
  assert.equal(parseServeRequest({ id: 1, type: 'generate', caption: 'a', seed: 0, checkpoint: '/tmp/step-000004.safetensors' }), undefined);

  const items = [{ name: 'step-000004.safetensors', step: 4 }, { name: 'step-000002.safetensors', step: 2 }];
  assert.ok(parseHostToAttention({ type: 'checkpoints', run: 'r1', items, selected: 'step-000002.safetensors' }));
  assert.ok(parseHostToAttention({ type: 'checkpoints', run: '', items: [] }));
  assert.equal(parseHostToAttention({ type: 'checkpoints', run: 'r1', items: [{ name: '<img src=x>', step: 1 }] }), undefined);
  assert.equal(parseHostToAttention({ type: 'checkpoints', run: 'r1', items, selected: '../x' }), undefined);
});

test('the host lists the run’s checkpoints newest first and keeps a pin only while it exists', () => {
  const ckDir = path.join(runDir, 'checkpoints');
  const tmp = path.join(ckDir, '.step-000006.safetensors.999.tmp');
  fs.writeFileSync(tmp, 'partial');
  try {
    const items = listCheckpoints(runDir);
    assert.deepEqual(items, [{ name: 'step-000004.safetensors', step: 4 }, { name: 'step-000002.safetensors', step: 2 }]);
    assert.equal(keepChoice(items, 'step-000002.safetensors'), 'step-000002.safetensors');
    assert.equal(keepChoice(items, 'step-000008.safetensors'), undefined, 'a checkpoint of another run falls back to the latest');
    assert.equal(keepChoice(items, undefined), undefined);
  } finally {
    fs.rmSync(tmp);
  }
  assert.deepEqual(listCheckpoints(path.join(runDir, 'no-such-run')), []);
});

test('the picker offers Latest first (with its step), then each checkpoint', () => {
  const opts = checkpointOptions([{ name: 'step-000002.safetensors', step: 2 }, { name: 'step-000004.safetensors', step: 4 }]);
  assert.deepEqual(opts, [
    { label: 'Latest (step 4)', value: '' },
    { label: 'Step 4', value: 'step-000004.safetensors' },
    { label: 'Step 2', value: 'step-000002.safetensors' },
  ]);
  assert.deepEqual(checkpointOptions([]), [{ label: 'Latest', value: '' }]);
});

test('a pinned checkpoint resolves inside the run folder only', () => {
  assert.equal(pinnedCheckpoint(runDir, 'step-000002.safetensors'), path.join(runDir, 'checkpoints', 'step-000002.safetensors'));
  assert.throws(() => pinnedCheckpoint(runDir, 'step-000099.safetensors'), /is not in/);
  assert.throws(() => pinnedCheckpoint(runDir, '../config.json'), /not a checkpoint name/);
});

test('the generator serves a pinned older checkpoint, then the latest again', async () => {
  const out: ServeResponse[] = [];
  const server = new GeneratorServer({ target: configPath }, (r) => out.push(r));
  const waitFor = async (id: number) => {
    for (let i = 0; i < 4000; i++) {
      const r = out.find((x) => 'id' in x && x.id === id);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 5));
    }
    throw new Error(`no response to ${id}`);
  };
  try {
    await server.start();
    server.handle({ id: 1, type: 'generate', caption: 'a red circle', seed: 0, size: 32 });
    const latest = await waitFor(1);
    assert.ok(latest.type === 'result' && latest.step === 4 && latest.checkpoint === 'step-000004.safetensors', JSON.stringify(latest).slice(0, 200));

    server.handle({ id: 2, type: 'generate', caption: 'a red circle', seed: 0, size: 32, checkpoint: 'step-000002.safetensors' });
    const older = await waitFor(2);
    assert.ok(older.type === 'result' && older.step === 2 && older.checkpoint === 'step-000002.safetensors' && !older.cached);
    assert.notEqual(older.png, latest.type === 'result' ? latest.png : '', 'other weights, another image');
    assert.equal(server.step, 2);

    server.handle({ id: 3, type: 'generate', caption: 'a red circle', seed: 0, size: 32, checkpoint: 'step-000010.safetensors' });
    const missing = await waitFor(3);
    assert.ok(missing.type === 'error' && /step-000010\.safetensors is not in/.test(missing.message));
    assert.equal(server.step, 2, 'a failed pin keeps the loaded model');

    // Hovers (latest) and a pinned panel take turns: answers already made come from the cache, no reload.
    server.handle({ id: 4, type: 'generate', caption: 'a red circle', seed: 0, size: 32 });
    const again = await waitFor(4);
    assert.ok(again.type === 'result' && again.cached && again.step === 4 && again.png === (latest.type === 'result' ? latest.png : ''));
    assert.equal(server.stats.loads, 2, 'latest, then the pinned one; the repeat was a cache hit');

    server.handle({ id: 5, type: 'generate', caption: 'a blue square', seed: 0, size: 32 });
    const fresh = await waitFor(5);
    assert.ok(fresh.type === 'result' && !fresh.cached && fresh.step === 4 && fresh.checkpoint === 'step-000004.safetensors');
    assert.equal(server.stats.loads, 3, 'a new caption at the latest checkpoint reloads it');
  } finally {
    server.close();
  }
});
