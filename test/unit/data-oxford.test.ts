// Oxford-102 loader on a tiny Reed-layout tree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { near, openIn, oxfordFixture, pixelAt, snapshot, write } from './data-fixtures';

const cfg = (extra: object = {}) => ({ kind: 'oxford102', root: 'flowers', ...extra });

test('oxford102: Reed layout, class split, class labels, 10 captions', () => {
  const { root } = oxfordFixture();
  const dir = path.dirname(root);
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cfg(), { imageSize: 64 });
  assert.equal(ds.kind, 'oxford102');
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.classNames, ['class_00001', 'class_00002', 'class_00003']);
  assert.equal(ds.train.length, 4);
  assert.equal(ds.test.length, 2);
  assert.deepEqual(Array.from({ length: 4 }, (_, i) => ds.train.label(i)), [0, 0, 1, 1]);
  assert.equal(ds.test.label(0), 2);
  assert.equal(ds.train.key!(2), 'class_00002/image_00003');
  assert.equal(ds.train.captions(0).length, 10);
  const img = ds.test.image(1);
  assert.equal(img.length, 64 * 64 * 3);
  assert.ok(near(pixelAt(img, 64, 32, 32), [40, 60, 220], 12));
  assert.deepEqual(warnings, []);
  assert.deepEqual(snapshot(root), before);
});

test('oxford102 bad input: missing folders, split files and images', () => {
  const { root } = oxfordFixture();
  const dir = path.dirname(root);
  const fails = (extra: object, pattern: RegExp) => assert.throws(() => openIn(dir, cfg(extra)), pattern);
  fails({ root: 'roses' }, /roses: Oxford-102 dataset folder \(dataset\.root\) does not exist/);
  fs.renameSync(path.join(root, 'jpg'), path.join(root, 'jpeg'));
  fails({}, /flowers\/jpg: Oxford-102 image folder \(jpg\/\) does not exist/);
  assert.equal(openIn(dir, cfg({ imagesDir: 'jpeg' })).ds.train.length, 4, 'imagesDir is relative to root');
  fs.renameSync(path.join(root, 'jpeg'), path.join(root, 'jpg'));
  fs.rmSync(path.join(root, 'image_00001.jpg'), { force: true });
  fs.rmSync(path.join(root, 'jpg', 'image_00001.jpg'));
  fails({}, /jpg\/image_00001\.jpg: missing image/);
  const { ds, warnings } = openIn(dir, cfg({ onBadSample: 'skip' }));
  assert.equal(ds.train.length, 3);
  assert.match(warnings.join('\n'), /skipped 1 sample \(missing image\); first: .*image_00001\.jpg: missing image/);
  fs.rmSync(path.join(root, 'trainvalclasses.txt'));
  fails({}, /trainvalclasses\.txt: missing split file \(found testclasses\.txt/);
  write(path.join(root, 'split.json'), JSON.stringify({ train: ['class_00001', 'class_00003'], test: ['class_00002'] }));
  const { ds: ds2 } = openIn(dir, cfg({ splitFile: 'split.json', onBadSample: 'skip' }));
  assert.equal(ds2.train.length, 3);
  assert.equal(ds2.test.length, 2);
});
