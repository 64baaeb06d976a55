#!/usr/bin/env node
// Hover benchmark: how fast `t2i serve` answers caption hovers for a 64x64
// model on the embedded backend (wasm). Trains a 64-px baseline for one step
// (sample sizes) in a temp folder, then measures, as the extension sees them
// over IPC: the first hover (process start, backend, model load, first image)
// and warm hovers (distinct captions, so no cache hits) at the hover's
// 128-px thumbnail size. Targets (issue 10): first <= 2000 ms, warm p50 <= 100 ms.
//   node scripts/bench-hover.mjs [--backend wasm] [--n 50] [--out test-output/bench-hover.json]
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const backend = arg('backend', 'wasm');
const n = Number(arg('n', '50'));
const out = path.resolve(arg('out', path.join(ROOT, 'test-output', 'bench-hover.json')));
fs.mkdirSync(path.dirname(out), { recursive: true });
if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build`');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-bench-hover-'));
const configPath = path.join(dir, 'hover64.t2i.json');
fs.writeFileSync(configPath, JSON.stringify({
  method: 'baseline',
  imageSize: 64,
  dataset: { kind: 'shapes', count: 200, seed: 0 },
  baseline: { zDim: 64, embedDim: 64, textDim: 64, ngf: 16, ndf: 16 },
  train: { batchSize: 8, steps: 1, sampleEvery: 1, checkpointEvery: 1 },
  preview: { count: 2 },
  backend,
}));
const trained = spawnSync(process.execPath, [CLI, 'train', configPath, '--backend', backend], { encoding: 'utf8' });
if (trained.status !== 0) throw new Error(`training the benchmark model failed:\n${trained.stderr}`);

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const t0 = performance.now();
const child = fork(CLI, ['serve', configPath, '--backend', backend], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const waiting = new Map();
child.on('message', (m) => {
  const w = waiting.get(m.id);
  if (w) {
    waiting.delete(m.id);
    w(m);
  }
});
child.on('exit', (code) => {
  for (const w of waiting.values()) w({ type: 'error', message: `serve exited with ${code}: ${stderr}` });
});
let id = 0;
const hover = (caption) =>
  new Promise((resolve, reject) => {
    const rid = ++id;
    const start = performance.now();
    waiting.set(rid, (m) => (m.type === 'result' ? resolve({ ms: performance.now() - start, m }) : reject(new Error(m.message ?? m.type))));
    child.send({ id: rid, type: 'generate', caption, seed: 0, size: 128 });
  });

const first = await hover('a red circle at the top left');
const firstMs = performance.now() - t0;
const colours = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'cyan', 'white'];
const shapes = ['circle', 'square', 'triangle'];
const warm = [];
let maxChars = first.m.png.length;
for (let i = 0; i < n; i++) {
  const r = await hover(`a ${['small', 'large'][i % 2]} ${colours[i % 8]} ${shapes[i % 3]} number ${i}`);
  if (r.m.cached) throw new Error('a warm hover hit the cache; captions must differ');
  warm.push(r.ms);
  maxChars = Math.max(maxChars, r.m.png.length);
}
child.disconnect();
const result = {
  what: 't2i serve caption hover, 64x64 baseline model, 128-px thumbnail, over IPC',
  backend,
  backendLine: (stderr.match(/^.*backend.*$/im) ?? [''])[0].trim(),
  cpus: os.cpus().length,
  loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  firstHoverMs: Math.round(firstMs),
  warm: { n, p50Ms: Math.round(pct(warm, 50) * 10) / 10, p90Ms: Math.round(pct(warm, 90) * 10) / 10, maxMs: Math.round(Math.max(...warm) * 10) / 10 },
  maxThumbnailBase64Chars: maxChars,
  targets: { firstHoverMs: 2000, warmP50Ms: 100 },
  meetsTargets: firstMs <= 2000 && pct(warm, 50) <= 100,
  date: new Date().toISOString(),
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
