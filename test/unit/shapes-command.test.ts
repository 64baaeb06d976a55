import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodePng } from '../../models/data/png';
import { buildShapesDataset } from '../../models/data/shapes';
import { writeShapesFolder } from '../../models/data/shapesCommand';

test('writeShapesFolder writes PNGs and a JSONL index that match the dataset', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-shapes-'));
  try {
    const opts = { out, count: 60, size: 32, seed: 11, holdout: [['green', 'square']] as [string, string][] };
    const result = await writeShapesFolder(opts);
    assert.equal(result.files, 60);
    assert.ok(result.ms >= 0);

    const lines = fs.readFileSync(path.join(out, 'shapes.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 60);
    assert.equal(fs.readdirSync(path.join(out, 'images')).length, 60);
    assert.ok(!fs.existsSync(path.join(out, 'shapes.jsonl.tmp')));

    const ds = buildShapesDataset(opts);
    const splitIndex = { train: 0, test: 0 };
    lines.forEach((line, i) => {
      const row = JSON.parse(line) as { file: string; captions: string[]; label: number; attributes: Record<string, string>; split: 'train' | 'test' };
      assert.equal(row.file, `images/${String(i).padStart(6, '0')}.png`);
      const item = ds.items[i]!;
      assert.deepEqual(row.captions, item.captions);
      assert.equal(row.label, item.label);
      assert.deepEqual(row.attributes, { shape: item.spec.shape, color: item.spec.color, size: item.spec.size, position: item.spec.position });
      assert.equal(row.split, item.split);
      if (row.attributes.color === 'green' && row.attributes.shape === 'square') assert.equal(row.split, 'test');

      const png = decodePng(fs.readFileSync(path.join(out, row.file)));
      assert.deepEqual([png.width, png.height, png.channels], [32, 32, 3]);
      // Items are listed in generation order, so the k-th item of a split is that split's index k.
      const split = ds[row.split];
      assert.deepEqual(png.data, split.image(splitIndex[row.split]++));
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
