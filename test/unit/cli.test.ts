// The bundled CLI (dist/cli.js, what the extension runs as its trainer):
// commands, exit codes, error messages and a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodePng } from '../../models/data/png';
import { readAllEvents, readStatus } from '../../models/run/runReader';

const CLI = path.join(__dirname, '../../dist/cli.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cli-'));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

const tiny = {
  method: 'baseline',
  dataset: { kind: 'shapes', count: 100 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 3, sampleEvery: 2, checkpointEvery: 2 },
  preview: { count: 2 },
  eval: { classifierSteps: 20 },
};

test.before(() => assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build` (npm test does)'));

test('usage errors exit 2 and say what is wrong', () => {
  const r = run('train');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /train needs exactly one config file/);
  assert.match(r.stderr, /usage:/);
  const u = run('train', 'x.t2i.json', '--stpes', '4');
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown option --stpes/);
  assert.equal(run('frobnicate').status, 2);
  assert.equal(run('help').status, 0);
});

test('a bad config exits 2 naming the file and the field, and writes nothing', () => {
  const dir = tmp();
  const file = path.join(dir, 'bad.t2i.json');
  fs.writeFileSync(file, JSON.stringify({ ...tiny, train: { steps: -1 } }));
  const r = run('train', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.t2i\.json: invalid config/);
  assert.match(r.stderr, /\/train\/steps must be >= 1/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(fs.readdirSync(dir), ['bad.t2i.json']);
});

test('shapes renders PNGs and a JSON-lines index', () => {
  const out = path.join(tmp(), 'shapes');
  const r = run('shapes', '--out', out, '--count', '12', '--size', '32', '--seed', '4');
  assert.equal(r.status, 0, r.stderr);
  const lines = fs.readFileSync(path.join(out, 'shapes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 12);
  const png = decodePng(fs.readFileSync(path.join(out, lines[0].file)));
  assert.equal(png.width, 32);
  assert.equal(lines[0].captions.length, 10);
});

test('train then sample: run folder printed, one PNG per caption line', () => {
  const dir = tmp();
  const file = path.join(dir, 'tiny.t2i.json');
  fs.writeFileSync(file, JSON.stringify(tiny));
  const runDir = path.join(dir, 'my-run');
  const r = run('train', file, '--run-dir', runDir, '--backend', 'wasm');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`run folder: ${runDir.replace(/[/\\]/g, '.')}`));
  assert.match(r.stdout, /backend wasm x\d/);
  assert.equal(readStatus(runDir)?.state, 'completed');
  // A second train into the same folder is refused; the run is untouched.
  const again = run('train', file, '--run-dir', runDir);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds a run/);
  assert.equal(readAllEvents(runDir).filter((e) => e.type === 'done').length, 1);

  const captions = path.join(dir, 'c.txt');
  fs.writeFileSync(captions, 'a red circle\na big blue box in the middle\n');
  const out = path.join(dir, 'out');
  // A run outside the config's runs/ folder is sampled by its folder.
  assert.match(run('sample', file, '--captions', captions, '--out', out).stderr, /has no runs yet/);
  const s = run('sample', runDir, '--captions', captions, '--out', out, '--seed', '1');
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['0000.png', '0001.png']);
  assert.equal(decodePng(fs.readFileSync(path.join(out, '0001.png'))).width, 32);

  // eval: the oracle table, eval.json, and a metrics event for the dashboard; FID with the label
  // classifier (trained and cached on first use), labelled as such; Inception explains what it needs.
  const e = run('eval', runDir, '--metrics', 'oracle,fid', '--n', '16');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /oracle_color\s+\d\.\d{4}/);
  assert.match(e.stdout, /fid_cls\s+\d+\.\d{4}/);
  assert.match(e.stdout, /note: \*_cls: a small label classifier .* not comparable to papers/);
  assert.match(e.stdout, /note: \*_inception: not computed .*--inception DIR/);
  assert.ok(fs.readdirSync(path.join(dir, '.t2i-cache')).some((f) => /^label-classifier-\w+\.safetensors$/.test(f)));
  const saved = JSON.parse(fs.readFileSync(path.join(runDir, 'eval.json'), 'utf8'));
  assert.ok(saved.metrics.oracle_color >= 0 && saved.metrics.oracle_color <= 1);
  const last = readAllEvents(runDir).pop()!;
  assert.equal(last.type, 'metrics');
  assert.equal(run('eval', runDir, '--metrics', 'bleu').status, 2);
});

test('SIGTERM stops training cleanly after a checkpoint', async () => {
  const dir = tmp();
  const file = path.join(dir, 'long.t2i.json');
  fs.writeFileSync(file, JSON.stringify({ ...tiny, train: { ...tiny.train, steps: 100000, checkpointEvery: 100000 } }));
  const runDir = path.join(dir, 'run');
  const child = spawn(process.execPath, [CLI, 'train', file, '--run-dir', runDir], { stdio: 'pipe' });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!readAllEvents(runDir).some((e) => e.type === 'step')) {
    assert.ok(Date.now() < deadline, 'no step within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  const events = readAllEvents(runDir);
  const done = events.find((e) => e.type === 'done');
  assert.ok(done && done.type === 'done' && done.reason === 'stopped');
  const ckpt = events.filter((e) => e.type === 'checkpoint');
  assert.equal(ckpt.length, 1);
  assert.ok(fs.existsSync(path.join(runDir, (ckpt[0] as { path: string }).path)));
  assert.equal(readStatus(runDir)?.state, 'stopped');
});

test('pretrain, then pretrain-stream in a fresh process that loads the existing encoders', () => {
  // The second command loads encoder tensors before its session starts: the backend must be up by then.
  const dir = tmp();
  const file = path.join(dir, 'mg.t2i.json');
  fs.writeFileSync(file, JSON.stringify({
    method: 'mirrorgan',
    imageSize: 32,
    mirrorgan: { stages: 2 },
    dataset: { kind: 'shapes', count: 60 },
    damsm: { embedDim: 8, hidden: 8, imageWidth: 4, batchSize: 8, steps: 2, evalEvery: 2, checkpointEvery: 2 },
    stream: { embedDim: 8, hidden: 8, imageWidth: 4, batchSize: 8, steps: 2, evalEvery: 2, checkpointEvery: 2 },
  }));
  const pre = run('pretrain', file, '--backend', 'wasm', '--threads', '1');
  assert.equal(pre.status, 0, pre.stderr);
  const stream = run('pretrain-stream', file, '--backend', 'wasm', '--threads', '1');
  assert.equal(stream.status, 0, stream.stderr);
  assert.doesNotMatch(stream.stderr, /not yet been initialized/);
  assert.match(stream.stdout, /BLEU-1/);
});
