// Localized Narratives loader: JSON-lines joined to COCO / Open Images folders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { forEachLine } from '../../models/data/textFiles';
import { lnFixture, openIn, snapshot, tempDir, write } from './data-fixtures';

const cfg = (extra: object = {}) => ({ kind: 'localized-narratives', root: 'ln', ...extra });

test('localized narratives: joined by image_id to COCO and Open Images names, one narrative per image', () => {
  const { root } = lnFixture();
  const dir = path.dirname(root);
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cfg());
  assert.equal(ds.kind, 'localized-narratives');
  assert.equal(ds.train.length, 2);
  assert.equal(ds.test.length, 1);
  assert.equal(ds.train.key!(0), '9');
  assert.deepEqual(ds.train.captions(0), ['In this image we can see a cat.']);
  assert.deepEqual(ds.test.captions(0), ['In the front there is green grass.']);
  assert.equal(ds.train.label(0), undefined);
  assert.equal(ds.train.image(1).length, 32 * 32 * 3);
  assert.deepEqual(warnings, []);
  assert.deepEqual(snapshot(root), before);
  // More narratives per image when asked; an image with fewer is a bad sample.
  const two = openIn(dir, cfg({ captionsPerImage: 2, onBadSample: 'skip' }));
  assert.equal(two.ds.train.length, 1);
  assert.deepEqual(two.ds.train.captions(0), ['In this image we can see a cat.', 'A second narrative of the cat.']);
  assert.match(two.warnings.join('\n'), /skipped 2 samples \(too few captions\); first: .*coco_train_localized_narratives\.jsonl:2: image_id 25 has 1 narratives/);
});

test('localized narratives bad input: name the JSON-lines file and line', () => {
  const { root } = lnFixture();
  const dir = path.dirname(root);
  const train = path.join(root, 'coco_train_localized_narratives.jsonl');
  const good = fs.readFileSync(train, 'utf8');
  const fails = (extra: object, pattern: RegExp) => assert.throws(() => openIn(dir, cfg(extra)), pattern);
  fails({ testAnnotations: 'val.jsonl' }, /ln\/val\.jsonl: missing Localized Narratives file/);
  write(train, good + '{"image_id": "9", "caption": \n');
  fails({}, /coco_train_localized_narratives\.jsonl:4: not valid JSON/);
  write(train, good + JSON.stringify({ image_id: '77', caption: 'a dog' }) + '\n');
  fails({}, /coco_train_localized_narratives\.jsonl:4: no image for image_id 77 in .*train2014/);
  write(train, good + JSON.stringify({ image_id: '25', caption: '  ' }) + '\n');
  fails({}, /coco_train_localized_narratives\.jsonl:4: empty caption for image_id 25/);
  write(train, good + JSON.stringify({ image: '25' }) + '\n');
  fails({}, /coco_train_localized_narratives\.jsonl:4: a narrative needs "image_id" and "caption"/);
  const skipped = openIn(dir, cfg({ onBadSample: 'skip' }));
  assert.equal(skipped.ds.train.length, 2);
  assert.match(skipped.warnings[0]!, /skipped 1 sample \(malformed line\)/);
  fails({ imagesDir: 'nothing-here' }, /nothing-here: image folder \(imagesDir\) does not exist/);
});

test('forEachLine reads lines across chunk boundaries, CRLF and a last line without newline', () => {
  const dir = tempDir();
  const long = 'x'.repeat((4 << 20) + 17);
  const file = write(path.join(dir, 'a.txt'), `one\r\n${long}\ntwo\nthree`);
  const lines: [string, number][] = [];
  forEachLine(file, 'test file', (l, n) => lines.push([l.length > 20 ? `long${l.length}` : l, n]));
  assert.deepEqual(lines, [['one', 1], [`long${long.length}`, 2], ['two', 3], ['three', 4]]);
});
