// The warm generator behind hovers and the attention panel (`t2i serve`),
// driven in-process on a tiny trained baseline run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, after, test } from 'node:test';
import type { ServeResponse } from '../../protocol/serve';
import { parseServeRequest } from '../../protocol/serve';
import { initBackend } from '../../models/backend/select';
import { decodePng } from '../../models/data/png';
import { GeneratorServer, thumbnailFactor, upscaleNearest } from '../../models/serve/generatorServer';
import { train } from '../../models/train/trainer';

const tinyConfig = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 60, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 2, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
  preview: { count: 2 },
};

let configPath = '';
let runDir = '';

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-serve-'));
  configPath = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(tinyConfig));
  const r = await train({ configPath, log: () => {} });
  runDir = r.runDir;
  await initBackend({ choice: 'cpu' });
});

after(() => {
  if (configPath) fs.rmSync(path.dirname(configPath), { recursive: true, force: true });
});

function harness() {
  const out: ServeResponse[] = [];
  const server = new GeneratorServer({ target: configPath }, (r) => out.push(r));
  const waitFor = async (id: number) => {
    for (let i = 0; i < 2000; i++) {
      const r = out.find((x) => 'id' in x && x.id === id);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 5));
    }
    throw new Error(`no response to ${id}`);
  };
  return { out, server, waitFor };
}

test('generates a PNG thumbnail from the latest checkpoint, then serves it from the cache', async () => {
  const { out, server, waitFor } = harness();
  await server.start();
  const ready = out[0];
  assert.equal(ready.type, 'ready');
  assert.ok(ready.type === 'ready' && ready.step === 2 && ready.hasAttention === false && ready.runDir === runDir);

  server.handle({ id: 1, type: 'generate', caption: 'a red circle zebra', seed: 7 });
  const r = await waitFor(1);
  assert.equal(r.type, 'result');
  if (r.type !== 'result') return;
  assert.equal(r.step, 2);
  assert.equal(r.method, 'baseline');
  assert.deepEqual(r.unknownWords, ['zebra']);
  assert.equal(r.attention, undefined, 'the baseline has no word attention');
  assert.equal(r.cached, false);
  const png = decodePng(Buffer.from(r.png, 'base64'));
  assert.equal(png.width, 128);
  assert.equal(png.height, 128);
  assert.equal(r.width, 128);
  assert.ok(r.png.length < 100_000, `hover-sized: ${r.png.length} base64 chars`);

  server.handle({ id: 2, type: 'generate', caption: 'A red circle zebra', seed: 7 });
  const again = await waitFor(2);
  assert.ok(again.type === 'result' && again.cached && again.png === r.png);
  assert.equal(server.stats.generated, 1);

  server.handle({ id: 3, type: 'generate', caption: 'a red circle', seed: 8, size: 32 });
  const small = await waitFor(3);
  assert.ok(small.type === 'result' && small.width === 32 && !small.cached);
  assert.notEqual(small.png, r.png);
  server.close();
});

test('a cancelled queued request does no work and is answered "cancelled"', async () => {
  const { server, waitFor } = harness();
  await server.start();
  server.handle({ id: 10, type: 'generate', caption: 'a blue square', seed: 1 });
  server.handle({ id: 11, type: 'generate', caption: 'a green triangle', seed: 1 });
  server.handle({ id: 11, type: 'cancel' });
  server.handle({ id: 10, type: 'cancel' });
  assert.deepEqual(await waitFor(11), { id: 11, type: 'cancelled' });
  assert.deepEqual(await waitFor(10), { id: 10, type: 'cancelled' });
  await server.idle();
  assert.equal(server.stats.generated, 0);
  assert.equal(server.stats.cancelled, 2);
  server.close();
});

test('reloads when a newer checkpoint appears; malformed requests get an error', async () => {
  const { server, waitFor } = harness();
  await server.start();
  assert.equal(server.stats.loads, 1);
  server.handle({ id: 20, type: 'generate', caption: 'a red circle', seed: 0 });
  await waitFor(20);
  const ckDir = path.join(runDir, 'checkpoints');
  const newer = path.join(ckDir, 'step-000099.safetensors');
  fs.copyFileSync(path.join(ckDir, 'step-000002.safetensors'), newer);
  try {
    server.handle({ id: 21, type: 'generate', caption: 'a red circle', seed: 0 });
    const r = await waitFor(21);
    assert.ok(r.type === 'result' && !r.cached, 'a new checkpoint is a new cache key');
    assert.equal(server.stats.loads, 2);
    assert.equal(server.checkpoint, newer);
  } finally {
    fs.rmSync(newer);
  }
  server.handle({ id: 22, type: 'generate', caption: 42, seed: 0 });
  assert.equal((await waitFor(22)).type, 'error');
  server.close();
});

test('request validation and thumbnail helpers', () => {
  assert.deepEqual(parseServeRequest({ id: 1, type: 'generate', caption: 'x', seed: 0, extra: 1 }), { id: 1, type: 'generate', caption: 'x', seed: 0 });
  assert.equal(parseServeRequest({ id: 1, type: 'generate', caption: 'x', seed: -1 }), undefined);
  assert.equal(parseServeRequest({ id: 1, type: 'generate', caption: 'x', seed: 0, size: 4 }), undefined);
  assert.equal(parseServeRequest({ id: '1', type: 'cancel' }), undefined);
  assert.equal(parseServeRequest({ id: 1, type: 'exec' }), undefined);
  assert.equal(thumbnailFactor(32, 128), 4);
  assert.equal(thumbnailFactor(64, 100), 1);
  assert.equal(thumbnailFactor(256, 128), 1);
  const px = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const up = upscaleNearest(px, 2, 2);
  assert.equal(up.length, 48);
  assert.deepEqual(Array.from(up.subarray(0, 12)), [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
});
