import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../models/config/config';

const sample = path.join(__dirname, '../../samples/shapes-baseline.t2i.json');
const minimal = () => ({ method: 'baseline', dataset: { kind: 'shapes' } });

test('the sample config validates and gets defaults', () => {
  const cfg = loadConfig(sample);
  assert.equal(cfg.method, 'baseline');
  assert.equal(cfg.imageSize, 32);
  assert.equal(cfg.text.maxWords, 18);
  assert.equal(cfg.train.beta1, 0.5);
  assert.equal(cfg.dataset.testFraction, 0.1);
});

test('a minimal config is filled from schema defaults', () => {
  const cfg = resolveConfig(minimal());
  assert.equal(cfg.train.batchSize, 16);
  assert.equal(cfg.backend, 'auto');
  assert.deepEqual(cfg.dataset.holdout, []);
  assert.equal(cfg.baseline.ngf, 32);
});

const bad: [string, (c: any) => void, RegExp][] = [
  ['unknown method', (c) => (c.method = 'stylegan'), /\/method must be one of/],
  ['unknown top-level key', (c) => (c.lerningRate = 1), /\/lerningRate is not a known field/],
  ['misspelt nested key suggests the right one', (c) => (c.train = { BatchSize: 4 }), /did you mean "batchSize"/],
  ['wrong type', (c) => (c.train = { steps: 'many' }), /\/train\/steps must be integer/],
  ['fractional integer', (c) => (c.train = { batchSize: 2.5 }), /\/train\/batchSize must be integer/],
  ['negative size', (c) => (c.baseline = { ngf: -3 }), /\/baseline\/ngf must be >= 4/],
  ['absurd size', (c) => (c.dataset.count = 1e9), /\/dataset\/count must be <= 1000000/],
  ['zero learning rate', (c) => (c.train = { lrG: 0 }), /\/train\/lrG must be > 0/],
  ['unsupported resolution', (c) => (c.imageSize = 48), /\/imageSize must be one of 32, 64, 128, 256/],
  ['resolution the method cannot do', (c) => (c.imageSize = 256), /\/imageSize 256 is not supported by method "baseline"/],
  ['holdout colour outside the palette', (c) => (c.dataset.holdout = [['pink', 'circle']]), /\/dataset\/holdout\/0\/0 must be one of/],
  ['holdout shape outside the palette', (c) => (c.dataset.holdout = [['red', 'hexagon']]), /\/dataset\/holdout\/0\/1 must be one of/],
  ['holdout pair too short', (c) => (c.dataset.holdout = [['red']]), /\/dataset\/holdout\/0 needs at least 2 items/],
  ['repeated holdout pair', (c) => (c.dataset.holdout = [['red', 'circle'], ['red', 'circle']]), /\/dataset\/holdout\/1 repeats/],
  ['missing dataset', (c) => delete c.dataset, /\/dataset is required/],
  ['unknown dataset kind', (c) => (c.dataset.kind = 'imagenet'), /\/dataset\/kind must be one of/],
  ['unknown backend', (c) => (c.backend = 'tpu'), /\/backend must be one of/],
  ['root not an object', () => undefined, /must be object/],
];

for (const [name, mutate, pattern] of bad) {
  test(`bad config: ${name}`, () => {
    let c: any = minimal();
    if (name === 'root not an object') c = [1, 2];
    else mutate(c);
    assert.throws(() => resolveConfig(c, 'x.t2i.json'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^x\.t2i\.json: invalid config/);
      assert.match(e.message, pattern);
      return true;
    });
  });
}

test('JSON syntax errors give line and column', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 't2i-cfg-')), 'broken.t2i.json');
  fs.writeFileSync(file, '{\n  "method": "baseline",\n  "dataset": { "kind": "shapes", }\n}\n');
  assert.throws(() => loadConfig(file), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /broken\.t2i\.json/);
    assert.match(e.message, /line 3, column \d+/);
    return true;
  });
});

test('a missing config file names the file', () => {
  assert.throws(() => loadConfig('/nope/none.t2i.json'), /\/nope\/none\.t2i\.json: invalid config\n\s+cannot read config/);
});
