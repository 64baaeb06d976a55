// Bad files give clear errors naming the file (and the tensor or line), and
// nothing is overwritten: truncated, corrupted and mismatched checkpoints,
// loaded directly and through `train --resume`; caption files in the wrong
// encoding (UTF-16 with a BOM is decoded, binary and BOM-less UTF-16 refused).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../../models/config/config';
import { BadSamples, DatasetError } from '../../models/data/datasetErrors';
import { Rng } from '../../models/data/rng';
import { readCaptionFile, readText } from '../../models/data/textFiles';
import { readStatus } from '../../models/run/runReader';
import { loadCheckpoint } from '../../models/train/checkpoint';
import { createMethod } from '../../models/train/createMethod';
import type { T2IMethod } from '../../models/train/method';
import { decodeSafetensors, encodeSafetensors } from '../../models/train/safetensors';
import { train } from '../../models/train/trainer';

const config = {
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 24, seed: 1 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 2, sampleEvery: 1000, checkpointEvery: 2, seed: 1 },
  preview: { count: 2 },
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-badfiles-'));
let runDir: string;
let good: Buffer;
let method: T2IMethod;

before(async () => {
  const configPath = path.join(dir, 'bad.t2i.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  runDir = (await train({ configPath, runDir: path.join(dir, 'run'), log: () => {} })).runDir;
  good = fs.readFileSync(path.join(runDir, 'checkpoints/step-000002.safetensors'));
  const vocab = JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8')) as unknown[] | { words: unknown[] };
  const vocabSize = Array.isArray(vocab) ? vocab.length : vocab.words.length;
  method = createMethod(resolveConfig(config), vocabSize, new Rng(1));
});

/** The good checkpoint with its header or tensors changed. */
function rewrite(change: (tensors: Map<string, { dtype: 'F32' | 'I32'; shape: number[]; data: Float32Array | Int32Array }>, meta: Record<string, unknown>) => void): Buffer {
  const { tensors, metadata } = decodeSafetensors(good);
  const meta = JSON.parse(metadata.t2i);
  change(tensors, meta);
  return encodeSafetensors([...tensors.entries()], { t2i: JSON.stringify(meta) });
}
const firstName = () => [...decodeSafetensors(good).tensors.keys()][0];
function withHeader(header: string): Buffer {
  const h = Buffer.from(header);
  const out = Buffer.alloc(8 + h.length);
  out.writeBigUInt64LE(BigInt(h.length));
  h.copy(out, 8);
  return out;
}

/** [case, the bad bytes, the error expected] (a function where it needs the good checkpoint's tensor names). */
const CHECKPOINT_CASES: [string, () => Buffer, RegExp | (() => RegExp)][] = [
  ['empty file', () => Buffer.alloc(0), /shorter than its 8-byte header length/],
  ['truncated to half', () => good.subarray(0, good.length >> 1), /truncated/],
  ['truncated inside the header', () => good.subarray(0, 40), /not a safetensors file or truncated/],
  ['random bytes', () => Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 97 + 13) & 255)), /not a safetensors file or truncated/],
  ['corrupted header JSON', () => { const b = Buffer.from(good); b.fill(0, 9, 12); return b; }, /corrupt safetensors header/],
  ['header is not an object', () => withHeader('[1, 2]'), /corrupt safetensors header: not a JSON object/],
  ['negative shape', () => withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), /tensor "w": unsupported or malformed entry/],
  ['unsupported dtype', () => withHeader('{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}'), /tensor "w": unsupported or malformed entry/],
  ['no T2I metadata', () => encodeSafetensors([...decodeSafetensors(good).tensors.entries()]), /not a T2I Lab checkpoint \(no "t2i" metadata\)/],
  ['malformed T2I metadata', () => rewrite((_, m) => { m.step = 'two'; }), /malformed checkpoint metadata/],
  ['another method', () => rewrite((_, m) => { m.method = 'xmcgan'; }), /checkpoint is for method "xmcgan", the config says "baseline"/],
  ['a tensor renamed', () => rewrite((t) => { const n = firstName(); t.set(`${n}_old`, t.get(n)!); t.delete(n); }), () => new RegExp(`checkpoint has no tensor "${firstName()}"`)],
  ['a tensor of another shape', () => rewrite((t) => { const n = firstName(); t.set(n, { dtype: 'F32', shape: [1], data: new Float32Array(1) }); }), () => new RegExp(`checkpoint tensor "${firstName()}" has shape \\[1\\], the model needs`)],
  ['a tensor of another dtype', () => rewrite((t) => { const n = firstName(); const x = t.get(n)!; t.set(n, { ...x, dtype: 'I32', data: new Int32Array(x.data.length) }); }), () => new RegExp(`checkpoint tensor "${firstName()}" is int32, the model needs float32`)],
];

test('bad checkpoints: each error names the file and what is wrong; the file and the model are unchanged', () => {
  const stateBefore = method.state().map(([n, t]) => [n, Array.from(t.dataSync())] as const);
  for (const [name, make, expected] of CHECKPOINT_CASES) {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.safetensors`);
    const bytes = make();
    fs.writeFileSync(file, bytes);
    assert.throws(() => loadCheckpoint(file, method), (e: Error) => {
      assert.ok(e.message.startsWith(`${file}: `), `${name}: the message names the file: ${e.message}`);
      assert.match(e.message, typeof expected === 'function' ? expected() : expected, name);
      return true;
    });
    assert.deepEqual(fs.readFileSync(file), bytes, `${name}: the file is untouched`);
  }
  // Checked before anything is assigned: a failed load leaves the model as it was.
  assert.deepEqual(method.state().map(([n, t]) => [n, Array.from(t.dataSync())] as const), stateBefore);
  // And the good one still loads.
  const file = path.join(dir, 'good.safetensors');
  fs.writeFileSync(file, good);
  assert.equal(loadCheckpoint(file, method).step, 2);
});

test('resume from a bad checkpoint fails naming the file and tensor; the checkpoint is kept', async () => {
  for (const [name, make, expected] of CHECKPOINT_CASES.filter(([n]) => /truncated to half|renamed/.test(n))) {
    const target = path.join(dir, `resume-${name.replace(/\W+/g, '-')}`);
    fs.cpSync(runDir, target, { recursive: true });
    const ckpt = path.join(target, 'checkpoints/step-000002.safetensors');
    const bytes = make();
    fs.writeFileSync(ckpt, bytes);
    await assert.rejects(train({ configPath: '', resume: target, steps: 4, log: () => {} }), (e: Error) => {
      assert.ok(e.message.includes(ckpt), `${name}: names ${ckpt}: ${e.message}`);
      assert.match(e.message, typeof expected === 'function' ? expected() : expected);
      if (/truncated/.test(name)) assert.match(e.message, /nothing was changed \(to resume from an earlier checkpoint, move this one out of checkpoints\/\)/);
      return true;
    });
    assert.deepEqual(fs.readFileSync(ckpt), bytes, `${name}: checkpoint untouched`);
    assert.deepEqual(fs.readdirSync(path.join(target, 'checkpoints')), ['step-000002.safetensors'], `${name}: nothing new written`);
    const status = readStatus(target)!;
    if (status.state === 'failed') assert.ok(status.message?.includes(ckpt), 'a failed status says why');
  }
});

const utf16le = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);

const CAPTION_CASES: [string, Buffer, string[] | RegExp][] = [
  ['UTF-8', Buffer.from('a red circle\na blue square\n'), ['a red circle', 'a blue square']],
  ['UTF-8 with BOM', Buffer.from('\ufeffa red circle\na blue square\n'), ['a red circle', 'a blue square']],
  ['UTF-16 LE with BOM', utf16le('a red circle\r\na blue square\r\n'), ['a red circle', 'a blue square']],
  ['UTF-16 BE with BOM', utf16be('a red circle\na blue square\n'), ['a red circle', 'a blue square']],
  ['invalid UTF-8 bytes (documented: they split words)', Buffer.concat([Buffer.from('a red'), Buffer.from([0xff]), Buffer.from('circle\na blue square\n')]), ['a red circle', 'a blue square']],
  ['UTF-16 LE without BOM', Buffer.from('a red circle\na blue square\n', 'utf16le'), /:1: caption file has a NUL byte at column 2: it is a binary file, or UTF-16 without a byte-order mark/],
  ['binary (a PNG renamed)', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /:3: caption file has a NUL byte at column 1/],
  ['UTF-16 with BOM, odd length', Buffer.concat([utf16le('a red circle'), Buffer.from([0x61])]), /caption file starts with a UTF-16LE byte-order mark but has an odd number of bytes/],
];

test('caption files in other encodings: decoded by the documented rules, or refused naming the file and line', () => {
  for (const [name, bytes, expected] of CAPTION_CASES) {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.txt`);
    fs.writeFileSync(file, bytes);
    if (Array.isArray(expected)) {
      assert.deepEqual(readCaptionFile(file, 2, new BadSamples('error')), expected, name);
      continue;
    }
    assert.throws(() => readCaptionFile(file, 2, new BadSamples('error')), (e: unknown) => {
      assert.ok(e instanceof DatasetError, name);
      assert.ok(e.message.startsWith(file), `${name}: names the file: ${e.message}`);
      assert.match(e.message, expected, name);
      return true;
    });
    // Under onBadSample "skip" the sample is left out and counted.
    const skip = new BadSamples('skip');
    assert.equal(readCaptionFile(file, 2, skip), undefined, name);
    assert.equal(skip.count('undecodable caption file'), 1, name);
  }
});

test('other text files (split lists, class lists) follow the same rules', () => {
  const file = path.join(dir, 'classes.txt');
  fs.writeFileSync(file, utf16le('1 001.Black_footed_Albatross\n'));
  assert.equal(readText(file, 'class list'), '1 001.Black_footed_Albatross\n');
  fs.writeFileSync(file, Buffer.from('1 ok\n2 \u0000bad\n'));
  assert.throws(() => readText(file, 'class list'), new RegExp(`^DatasetError: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: class list has a NUL byte at column 3`));
});

test('tensors created by loading are released', () => {
  const before = tf.memory().numTensors;
  const file = path.join(dir, 'again.safetensors');
  fs.writeFileSync(file, good);
  loadCheckpoint(file, method);
  fs.writeFileSync(file, CHECKPOINT_CASES.find(([n]) => n === 'a tensor of another shape')![1]());
  assert.throws(() => loadCheckpoint(file, method));
  assert.equal(tf.memory().numTensors, before);
});

test('a failed atomic write leaves the old file and no temp file, and names the file', async () => {
  const { writeFileAtomic } = await import('../../models/run/atomicWrite');
  const folder = fs.mkdtempSync(path.join(dir, 'atomic-'));
  const file = path.join(folder, 'status.json');
  writeFileAtomic(file, 'old\n');
  writeFileAtomic(file, 'new\n');
  assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
  // The rename cannot replace a non-empty folder: the write fails after its temp file is complete.
  const blocked = path.join(folder, 'samples');
  fs.mkdirSync(path.join(blocked, 'inside'), { recursive: true });
  assert.throws(() => writeFileAtomic(blocked, 'x'), (e: Error) => e.message.includes(blocked));
  assert.deepEqual(fs.readdirSync(folder).sort(), ['samples', 'status.json'], 'no temp file is left');
  assert.deepEqual(fs.readdirSync(blocked), ['inside']);
});
