// Table of malformed and semantically invalid configs. Each must give exactly
// one problem naming its field by JSON pointer (the same check the trainer
// runs), the editor must underline that field, and `t2i train` must exit 2
// with that message and no stack trace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { checkConfigText } from '../../models/config/checkConfigText';
import { problemRange } from '../../extension/jsonPointerRange';

type Mutate = (c: any) => void;
interface Case {
  name: string;
  /** Changes to the minimal valid config, or the file's whole text. */
  edit: Mutate | string;
  pointer: string;
  message: RegExp;
  /** The text the editor underlines. */
  underline: string;
}

const minimal = () => ({ method: 'baseline', dataset: { kind: 'shapes' } });

const cases: Case[] = [
  { name: 'unknown method', edit: (c) => (c.method = 'stylegan'), pointer: '/method', message: /\/method must be one of "baseline"/, underline: '"stylegan"' },
  { name: 'method of the wrong type', edit: (c) => (c.method = 5), pointer: '/method', message: /\/method must be one of/, underline: '5' },
  { name: 'unknown top-level key', edit: (c) => (c.lerningRate = 1), pointer: '/lerningRate', message: /\/lerningRate is not a known field; known: \$schema, name, method/, underline: '"lerningRate"' },
  { name: 'misspelt nested key', edit: (c) => (c.train = { BatchSize: 4 }), pointer: '/train/BatchSize', message: /did you mean "batchSize"/, underline: '"BatchSize"' },
  { name: 'typo in a nested key', edit: (c) => (c.train = { stpes: 4 }), pointer: '/train/stpes', message: /did you mean "steps"/, underline: '"stpes"' },
  { name: 'unknown dataset field', edit: (c) => (c.dataset.path = 'x'), pointer: '/dataset/path', message: /\/dataset\/path is not a known field/, underline: '"path"' },
  { name: 'string where an integer belongs', edit: (c) => (c.train = { steps: 'many' }), pointer: '/train/steps', message: /\/train\/steps must be integer, got string/, underline: '"many"' },
  { name: 'fractional integer', edit: (c) => (c.train = { batchSize: 2.5 }), pointer: '/train/batchSize', message: /\/train\/batchSize must be integer/, underline: '2.5' },
  { name: 'section of the wrong type', edit: (c) => (c.train = 'fast'), pointer: '/train', message: /\/train must be object/, underline: '"fast"' },
  { name: 'array where a list of captions belongs is a string', edit: (c) => (c.preview = { captions: 'a red circle' }), pointer: '/preview/captions', message: /\/preview\/captions must be array/, underline: '"a red circle"' },
  { name: 'name of the wrong type', edit: (c) => (c.name = 42), pointer: '/name', message: /\/name must be string/, underline: '42' },
  { name: 'boolean as a string', edit: (c) => (c.dataset.cache = 'yes'), pointer: '/dataset/cache', message: /\/dataset\/cache must be boolean/, underline: '"yes"' },
  { name: 'negative size', edit: (c) => (c.baseline = { ngf: -3 }), pointer: '/baseline/ngf', message: /\/baseline\/ngf must be >= 4, got -3/, underline: '-3' },
  { name: 'absurd dataset size', edit: (c) => (c.dataset.count = 1e9), pointer: '/dataset/count', message: /\/dataset\/count must be <= 1000000/, underline: '1000000000' },
  { name: 'batch of one', edit: (c) => (c.train = { batchSize: 1 }), pointer: '/train/batchSize', message: /\/train\/batchSize must be >= 2/, underline: '1' },
  { name: 'absurd batch', edit: (c) => (c.train = { batchSize: 100000 }), pointer: '/train/batchSize', message: /\/train\/batchSize must be <= 4096/, underline: '100000' },
  { name: 'zero learning rate', edit: (c) => (c.train = { lrG: 0 }), pointer: '/train/lrG', message: /\/train\/lrG must be > 0/, underline: '0' },
  { name: 'Adam beta1 above one', edit: (c) => (c.train = { beta1: 1.5 }), pointer: '/train/beta1', message: /\/train\/beta1 must be <= 0.9999/, underline: '1.5' },
  { name: 'negative threads', edit: (c) => (c.threads = -1), pointer: '/threads', message: /\/threads must be >= 0/, underline: '-1' },
  { name: 'absurd threads', edit: (c) => (c.threads = 10000), pointer: '/threads', message: /\/threads must be <= 256/, underline: '10000' },
  { name: 'one-word captions', edit: (c) => (c.text = { maxWords: 1 }), pointer: '/text/maxWords', message: /\/text\/maxWords must be >= 2/, underline: '1' },
  { name: 'empty preview', edit: (c) => (c.preview = { count: 0 }), pointer: '/preview/count', message: /\/preview\/count must be >= 1/, underline: '0' },
  { name: 'empty preview caption', edit: (c) => (c.preview = { captions: ['a red circle', ''] }), pointer: '/preview/captions/1', message: /\/preview\/captions\/1 must not be empty/, underline: '""' },
  { name: 'image size no method has', edit: (c) => (c.imageSize = 48), pointer: '/imageSize', message: /\/imageSize must be one of 32, 64, 128, 256/, underline: '48' },
  { name: 'resolution the method cannot do', edit: (c) => (c.imageSize = 256), pointer: '/imageSize', message: /\/imageSize 256 is not supported by method "baseline"; use one of 32, 64, 128/, underline: '256' },
  { name: 'holdout colour outside the palette', edit: (c) => (c.dataset.holdout = [['pink', 'circle']]), pointer: '/dataset/holdout/0/0', message: /\/dataset\/holdout\/0\/0 must be one of "red"/, underline: '"pink"' },
  { name: 'holdout shape outside the palette', edit: (c) => (c.dataset.holdout = [['red', 'circle'], ['red', 'hexagon']]), pointer: '/dataset/holdout/1/1', message: /\/dataset\/holdout\/1\/1 must be one of "circle", "square", "triangle"/, underline: '"hexagon"' },
  { name: 'holdout pair too short', edit: (c) => (c.dataset.holdout = [['red']]), pointer: '/dataset/holdout/0', message: /\/dataset\/holdout\/0 needs at least 2 items/, underline: '[\n        "red"\n      ]' },
  { name: 'repeated holdout pair', edit: (c) => (c.dataset.holdout = [['red', 'circle'], ['red', 'circle']]), pointer: '/dataset/holdout/1', message: /\/dataset\/holdout\/1 repeats \[red, circle\]/, underline: '[\n        "red",\n        "circle"\n      ]' },
  { name: 'holdout on a photo dataset', edit: (c) => (c.dataset = { kind: 'folder', root: '.', holdout: [['red', 'circle']] }), pointer: '/dataset/holdout', message: /\/dataset\/holdout applies only to the shapes dataset, not "folder"/, underline: '[\n      [\n        "red",\n        "circle"\n      ]\n    ]' },
  { name: 'crop augmentation on shapes', edit: (c) => (c.dataset.augment = 'crop'), pointer: '/dataset/augment', message: /\/dataset\/augment "crop" cannot be used with shapes/, underline: '"crop"' },
  { name: 'missing dataset section', edit: (c) => delete c.dataset, pointer: '/dataset', message: /\/dataset is required/, underline: '{' },
  { name: 'missing dataset kind', edit: (c) => (c.dataset = { seed: 1 }), pointer: '/dataset/kind', message: /\/dataset\/kind is required/, underline: '"dataset"' },
  { name: 'unknown dataset kind', edit: (c) => (c.dataset.kind = 'imagenet'), pointer: '/dataset/kind', message: /\/dataset\/kind must be one of "shapes"/, underline: '"imagenet"' },
  { name: 'unknown bad-sample policy', edit: (c) => (c.dataset.onBadSample = 'ignore'), pointer: '/dataset/onBadSample', message: /\/dataset\/onBadSample must be one of "error", "skip"/, underline: '"ignore"' },
  { name: 'unknown backend', edit: (c) => (c.backend = 'tpu'), pointer: '/backend', message: /\/backend must be one of "auto"/, underline: '"tpu"' },
  { name: 'unknown SupCon mode in pretraining', edit: (c) => (c.damsm = { supcon: { mode: 'labels' } }), pointer: '/damsm/supcon/mode', message: /\/damsm\/supcon\/mode must be one of/, underline: '"labels"' },
  { name: 'MirrorGAN first stage too small', edit: (c) => Object.assign(c, { method: 'mirrorgan', imageSize: 32, mirrorgan: { stages: 3 } }), pointer: '/mirrorgan/stages', message: /\/mirrorgan\/stages 3 at \/imageSize 32 makes a 8px first stage/, underline: '3' },
  { name: 'XMC-GAN batch that does not split into D steps', edit: (c) => Object.assign(c, { method: 'xmcgan', train: { batchSize: 5 } }), pointer: '/train/batchSize', message: /\/train\/batchSize 5 must split into \/xmcgan\/dStepsPerG = 2/, underline: '5' },
  { name: 'XMC-GAN attention grid as large as the image', edit: (c) => Object.assign(c, { method: 'xmcgan', imageSize: 32, xmcgan: { condSize: 32 } }), pointer: '/xmcgan/condSize', message: /\/xmcgan\/condSize 32 must be smaller than \/imageSize 32/, underline: '32' },
  { name: 'missing dataset folder', edit: (c) => (c.dataset = { kind: 'cub', root: 'no-such-birds' }), pointer: '/dataset/root', message: /\/dataset\/root: the cub dataset folder "no-such-birds" does not exist/, underline: '"no-such-birds"' },
  { name: 'missing image folder', edit: (c) => (c.dataset = { kind: 'folder', root: '.', imagesDir: 'pictures' }), pointer: '/dataset/imagesDir', message: /\/dataset\/imagesDir: the image folder "pictures" does not exist/, underline: '"pictures"' },
  { name: 'missing split file', edit: (c) => (c.dataset = { kind: 'oxford102', root: '.', splitFile: 'split.json' }), pointer: '/dataset/splitFile', message: /\/dataset\/splitFile: the split file "split.json" does not exist/, underline: '"split.json"' },
  { name: 'missing annotation file in a list', edit: (c) => (c.dataset = { kind: 'coco', root: '.', trainAnnotations: ['config.t2i.json', 'captions.json'] }), pointer: '/dataset/trainAnnotations/1', message: /\/dataset\/trainAnnotations\/1: the annotation file "captions.json" does not exist/, underline: '"captions.json"' },
  { name: 'root is not an object', edit: '[1, 2]\n', pointer: '', message: /\(root\) must be object, got array/, underline: '[1, 2]' },
  { name: 'JSON: trailing comma', edit: '{\n  "method": "baseline",\n  "dataset": { "kind": "shapes", }\n}\n', pointer: '', message: /JSON syntax error at line 3, column 34/, underline: '}' },
  { name: 'JSON: unclosed object', edit: '{\n  "method": "baseline",\n  "dataset": { "kind": "shapes" }\n', pointer: '', message: /JSON syntax error at line 4, column 1/, underline: '}' },
  { name: 'JSON: single quotes', edit: "{\n  'method': 'baseline'\n}\n", pointer: '', message: /JSON syntax error at line 2, column 3/, underline: "'method'" },
  { name: 'JSON: comment', edit: '{\n  // which GAN\n  "method": "baseline"\n}\n', pointer: '', message: /JSON syntax error at line 2, column 3/, underline: '/' },
  { name: 'JSON: empty file', edit: '', pointer: '', message: /JSON syntax error: Unexpected end of JSON input/, underline: '' },
  { name: 'JSON: missing comma between fields', edit: '{\n  "method": "baseline"\n  "dataset": { "kind": "shapes" }\n}\n', pointer: '', message: /JSON syntax error at line 3, column 3/, underline: '"dataset"' },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-badcfg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function caseFile(c: Case, i: number): { file: string; text: string } {
  let text: string;
  if (typeof c.edit === 'string') text = c.edit;
  else {
    const cfg = minimal();
    c.edit(cfg);
    text = JSON.stringify(cfg, null, 2) + '\n';
  }
  const sub = path.join(dir, String(i));
  fs.mkdirSync(sub, { recursive: true });
  const file = path.join(sub, 'config.t2i.json');
  fs.writeFileSync(file, text);
  return { file, text };
}

test('the table has at least 40 distinct bad configs', () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

cases.forEach((c, i) => {
  test(`bad config ${i + 1}: ${c.name}: one problem at ${c.pointer || '(syntax)'}, underlined in place`, () => {
    const { file, text } = caseFile(c, i);
    const { problems, cfg } = checkConfigText(text, file, { checkPaths: true });
    assert.equal(cfg, undefined);
    assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
    const p = problems[0]!;
    assert.equal(p.pointer, c.pointer);
    assert.match(p.message, c.message);
    if (c.pointer) assert.ok(p.message.includes(c.pointer), `the message names ${c.pointer}: ${p.message}`);
    const r = problemRange(text, p);
    assert.equal(text.slice(r.start, r.end), c.underline);
  });
});

test('the minimal config itself is valid (so each case fails for its own reason)', () => {
  const file = path.join(dir, 'ok.t2i.json');
  const { problems, cfg } = checkConfigText(JSON.stringify(minimal()), file, { checkPaths: true });
  assert.deepEqual(problems, []);
  assert.equal(cfg?.method, 'baseline');
});

const CLI = path.join(__dirname, '../../dist/cli.js');

function runCli(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

test('t2i train exits 2 on every bad config with its message and no stack trace, writing no run', async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build`');
  const files = cases.map((c, i) => caseFile(c, i).file);
  const results: { code: number | null; stderr: string; stdout: string }[] = [];
  // A few at a time: each is a Node start-up that loads the bundle.
  for (let i = 0; i < files.length; i += 4) {
    results.push(...(await Promise.all(files.slice(i, i + 4).map((f) => runCli(['train', f, '--backend', 'cpu'])))));
  }
  results.forEach((r, i) => {
    const c = cases[i]!;
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, c.message, c.name);
    assert.ok(r.stderr.includes(files[i]!), `${c.name}: names the file`);
    assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${c.name}: no stack trace`);
    assert.equal(fs.existsSync(path.join(path.dirname(files[i]!), 'runs')), false, `${c.name}: no run folder`);
  });
});
