// 1,000 rapid hovers against a real `t2i serve` child (dist/cli.js) on a tiny
// checkpoint: each hover is cancelled by the next, as VS Code cancels a hover
// when the mouse moves on. The server's own counters show how many images
// it really generated: cancelled requests must cost nothing, and nothing
// may pile up in either process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type * as vscode from 'vscode';
import { GenerateCancelled, GeneratorProcess } from '../../extension/generatorProcess';
import { train } from '../../models/train/trainer';

const CLI = path.join(__dirname, '../../dist/cli.js');
const tinyConfig = {
  method: 'baseline',
  imageSize: 32,
  backend: 'cpu',
  dataset: { kind: 'shapes', count: 40, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 1, sampleEvery: 1, checkpointEvery: 1, seed: 1 },
  preview: { count: 2 },
};

/** A cancellation token with VS Code's shape: the hover's token, cancelled when the next hover starts. */
class HoverToken implements vscode.CancellationToken {
  isCancellationRequested = false;
  private readonly listeners: (() => void)[] = [];
  onCancellationRequested = ((listener: () => void) => {
    this.listeners.push(listener);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(listener), 1) };
  }) as unknown as vscode.Event<unknown>;
  cancel(): void {
    if (this.isCancellationRequested) return;
    this.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
}

let dir = '';
let configPath = '';
let gen: GeneratorProcess | undefined;
const logLines: string[] = [];

before(async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build`');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-hovers-'));
  configPath = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(tinyConfig));
  await train({ configPath, log: () => {} });
  gen = new GeneratorProcess(CLI, configPath, { info: (l: string) => void logLines.push(l) } as never, ['--backend', 'cpu']);
});

after(() => {
  gen?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Hovers `count` captions, each cancelled when the next starts; `gap` waits between them. Returns the
 * last result and each hover's outcome: 'result' when its image arrived while it was still showing
 * (with a gap, a fast server can answer before the next hover starts), 'late' when an image arrived
 * after its hover was cancelled (a bug), 'cancelled' or an error.
 */
async function hoverStorm(count: number, prefix: string, gap: () => Promise<void>) {
  const g = gen!;
  const outcomes: Promise<string>[] = [];
  let previous: HoverToken | undefined;
  let last: Promise<unknown> | undefined;
  for (let i = 0; i < count; i++) {
    previous?.cancel();
    const token = new HoverToken();
    // Distinct captions: the cache cannot answer them.
    const p = g.generate(`${prefix} ${i} a red circle`, i, 64, token);
    outcomes.push(p.then(() => (token.isCancellationRequested ? 'late' : 'result'), (e) => (e instanceof GenerateCancelled ? 'cancelled' : `error: ${(e as Error).message}`)));
    last = p;
    previous = token;
    await gap();
  }
  const result = await last;
  return { result, outcomes: await Promise.all(outcomes) };
}

test('1,000 rapid hovers: only the last is generated, cancelled ones do no work, no queue grows', { timeout: 240_000 }, async () => {
  const g = gen!;
  // The first hover loads the model.
  const first = await g.generate('a blue square', 0, 64);
  assert.equal(first.type, 'result');
  const s0 = await g.stats();
  assert.equal(s0.generated, 1);
  const sent0 = g.sentGenerates;

  const { result, outcomes } = await hoverStorm(1000, 'burst', async () => {});
  assert.equal((result as { type: string }).type, 'result');
  assert.equal(outcomes.filter((o) => o === 'cancelled').length, 999);
  assert.equal(outcomes.filter((o) => o.startsWith('error')).length, 0, outcomes.find((o) => o.startsWith('error')));
  const s1 = await g.stats();
  const generated = s1.generated - s0.generated;
  const sent = g.sentGenerates - sent0;
  // The first hover goes out at once; the 998 after it are cancelled while waiting their turn; the last is generated.
  assert.ok(sent <= 2, `${sent} of 1,000 hover requests reached the server`);
  assert.ok(generated >= 1 && generated <= 2, `generated ${generated} images for 1,000 hovers`);
  assert.equal(generated + (s1.cancelled - s0.cancelled), sent, 'each request that reached the server was generated once or dropped unworked');
  assert.equal(s1.queued, 0);
  assert.equal(g.pendingCount, 0, 'no request left waiting in the extension host');
});

test('hovers spread over time: each in-flight one finishes at most once, the queue stays empty', { timeout: 240_000 }, async () => {
  const g = gen!;
  const s0 = await g.stats();
  const sent0 = g.sentGenerates;
  let maxQueued = 0;
  const { result, outcomes } = await hoverStorm(200, 'spread', async () => {
    await new Promise((r) => setTimeout(r, 2));
  });
  const s1 = await g.stats();
  maxQueued = Math.max(maxQueued, s1.queued);
  assert.equal((result as { type: string }).type, 'result');
  // A hover gets its image only while it is showing: never after the next one cancelled it.
  assert.equal(outcomes.filter((o) => o === 'late').length, 0, 'no image for a hover that was already cancelled');
  assert.equal(outcomes[outcomes.length - 1], 'result', 'the hover still showing gets its image');
  assert.equal(outcomes.filter((o) => o.startsWith('error')).length, 0, outcomes.find((o) => o.startsWith('error')));
  const generated = s1.generated - s0.generated;
  const dropped = s1.cancelled - s0.cancelled;
  const sent = g.sentGenerates - sent0;
  // Every request that reached the server was generated once or dropped unworked; none twice; the rest cost nothing.
  assert.equal(generated + dropped, sent, `generated ${generated} + dropped ${dropped} of ${sent} sent`);
  assert.ok(generated < 100, `cancellation saved work: ${generated} of 200 generated`);
  assert.equal(maxQueued, 0);
  assert.equal(g.pendingCount, 0);
});
