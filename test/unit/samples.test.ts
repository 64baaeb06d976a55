// Every shipped sample config validates against the schema and the
// semantic checks, so a user who opens one gets no error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../models/config/config';

const dir = path.join(__dirname, '../../samples');
const configs = fs.readdirSync(dir).filter((f) => f.endsWith('.t2i.json'));

test('there are sample configs, including the README demo', () => {
  assert.ok(configs.includes('shapes-baseline.t2i.json'));
  assert.ok(configs.includes('shapes-damsm.t2i.json'));
});

for (const file of configs) {
  test(`samples/${file} validates`, () => {
    const cfg = loadConfig(path.join(dir, file));
    assert.ok(cfg.method);
  });
}
