// Folder loader: images/*.png|jpg with sidecar captions and labels.json.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { PhotoDataset } from '../../models/data/photoDataset';
import { Rng } from '../../models/data/rng';
import { folderFixture, near, openIn, pixelAt, snapshot, write } from './data-fixtures';

const cfg = (extra: object = {}) => ({ kind: 'folder', root: 'pics', ...extra });

function fresh(labels = true) {
  const fx = folderFixture(undefined, labels);
  return { ...fx, dir: path.dirname(fx.root) };
}

test('folder: PNG and JPEG, sidecar captions (blank lines skipped), labels.json, seeded split', () => {
  const { dir, root } = fresh();
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cfg({ testFraction: 0.34 }));
  assert.equal(ds.kind, 'folder');
  assert.equal(ds.train.length + ds.test.length, 6);
  assert.equal(ds.test.length, 2);
  assert.equal(ds.numClasses, 3);
  const all = [ds.train, ds.test].flatMap((s) => Array.from({ length: s.length }, (_, i) => ({ key: s.key!(i), caps: s.captions(i), label: s.label(i), img: s.image(i) })));
  for (const it of all) {
    const n = Number(it.key.slice(3));
    assert.deepEqual(it.caps, [`picture ${n} first`, `picture ${n} second`, `picture ${n} third`]);
    assert.equal(it.label, n % 3);
    assert.ok(near(pixelAt(it.img, 32, 5, 5), [n * 40, 255 - n * 40, 100], 10), `${it.key}: ${pixelAt(it.img, 32, 5, 5)}`);
  }
  assert.deepEqual(warnings, []);
  assert.deepEqual(snapshot(root), before);
  // The same seed gives the same split; another seed another one.
  const again = openIn(dir, cfg({ testFraction: 0.34 })).ds;
  assert.deepEqual([again.test.key!(0), again.test.key!(1)], [ds.test.key!(0), ds.test.key!(1)]);
  const other = openIn(dir, cfg({ testFraction: 0.34, seed: 7 })).ds;
  const keys = (s: typeof ds.test) => Array.from({ length: s.length }, (_, i) => s.key!(i)).join();
  assert.ok(keys(other.test) !== keys(ds.test) || keys(openIn(dir, cfg({ testFraction: 0.34, seed: 8 })).ds.test) !== keys(ds.test));
});

test('folder: no augmentation by default; crop-flip on request stays deterministic without an rng', () => {
  const { dir } = fresh(false);
  const { ds } = openIn(dir, cfg({ testFraction: 0 }));
  assert.equal(ds.numClasses, undefined);
  assert.equal(ds.train.label(0), undefined);
  const plain = ds.train.image(2, new Rng(1));
  assert.deepEqual(plain, ds.train.image(2), 'augment "auto" means none for folders: the rng changes nothing');
  const aug = openIn(dir, cfg({ testFraction: 0, augment: 'crop-flip' })).ds;
  assert.deepEqual(aug.train.image(2), aug.train.image(2));
  assert.equal((aug as PhotoDataset).imageStats.fromCache, false, 'stored at 38 px: another cache than the 32 px one');
  const plainAgain = openIn(dir, cfg({ testFraction: 0 })).ds as PhotoDataset;
  assert.equal(plainAgain.imageStats.fromCache, true, 'both caches stay');
  const cacheFiles = fs.readdirSync(path.join(dir, '.t2i-cache')).filter((f) => f.endsWith('.t2ic')).sort();
  assert.equal(cacheFiles.length, 2);
  assert.match(cacheFiles[0]!, /^folder-[0-9a-f]{8}-32px-crop-[0-9a-f]{16}\.t2ic$/);
  assert.match(cacheFiles[1]!, /^folder-[0-9a-f]{8}-32px-fit-[0-9a-f]{16}\.t2ic$/);
});

test('folder: class names in labels.json, splitFile, captionsPerImage', () => {
  const { dir, root, names } = fresh();
  write(path.join(root, 'labels.json'), JSON.stringify(Object.fromEntries(names.map((n, i) => [n.replace(/\..*/, ''), i < 3 ? 'cat' : 'bird']))));
  write(path.join(root, 'split.json'), JSON.stringify({ train: ['img0.png', 'img1', 'img2', 'img3'], test: ['img4.png'] }));
  const { ds } = openIn(dir, cfg({ splitFile: 'split.json', captionsPerImage: 2 }));
  assert.deepEqual(ds.classNames, ['bird', 'cat']);
  assert.equal(ds.train.length, 4);
  assert.equal(ds.test.length, 1);
  assert.deepEqual([ds.train.label(0), ds.test.label(0)], [1, 0]);
  assert.deepEqual(ds.train.captions(0), ['picture 0 first', 'picture 0 second']);
});

test('folder bad input: every case names the file and line; skip counts them', () => {
  const { dir, root } = fresh();
  const fails = (extra: object, pattern: RegExp) => assert.throws(() => openIn(dir, cfg({ testFraction: 0, ...extra })), pattern);
  const images = path.join(root, 'images');
  fails({ root: 'missing' }, /missing: image folder dataset \(dataset\.root\) does not exist/);
  fails({ imagesDir: 'imgs' }, /pics\/imgs: image folder does not exist/);

  write(path.join(images, 'img1.txt'), 'one\ntwo\n');
  fails({ captionsPerImage: 3 }, /images\/img1\.txt:2: has 2 captions, the dataset config needs 3 per image/);
  fs.rmSync(path.join(images, 'img5.txt'));
  fails({ captionsPerImage: 2 }, /images\/img5\.txt: missing caption file/);
  write(path.join(images, 'img3.txt'), 'fine\n\n  ...  \nmore\n');
  fails({}, /images\/img3\.txt:3: empty caption/);
  write(path.join(images, 'img4.png'), 'not a png at all');

  const labels = path.join(root, 'labels.json');
  const good = fs.readFileSync(labels, 'utf8');
  write(labels, good.replace('"img2.png": 2', '"img9.png": 2'));
  fails({ captionsPerImage: 2, onBadSample: 'error' }, /labels\.json:4: "img9\.png" names no image in .*images/);
  write(labels, good.replace('"img2.png": 2', '"img2.png": -1'));
  fails({}, /labels\.json:4: label of "img2\.png" must be a non-negative integer or a class name, got -1/);
  write(labels, good.replace('"img2.png": 2', '"img2.png": "two"'));
  fails({}, /labels\.json: mixes class indices and class names/);
  write(labels, good.replace(/\s*"img2\.png": 2,/, ''));
  fails({}, /labels\.json: has no label for img2\.png/);
  write(labels, '[1, 2]');
  fails({}, /labels\.json: must be a JSON object/);
  write(labels, good);

  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cfg({ captionsPerImage: 2, onBadSample: 'skip', testFraction: 0 }));
  assert.equal(ds.train.length, 3, 'img3 (empty caption), img4 (not an image) and img5 (no captions) are left out');
  const text = warnings.join('\n');
  assert.match(text, /skipped 1 sample \(empty caption\); first: .*img3\.txt:3: empty caption/);
  assert.match(text, /skipped 1 sample \(missing caption file\)/);
  assert.match(text, /skipped 1 sample \(undecodable image\); first: .*img4\.png: image does not decode: not a PNG or JPEG file/);
  assert.deepEqual(snapshot(root), before);
  fs.rmSync(images, { recursive: true });
  fs.mkdirSync(images);
  fails({}, /pics\/images: has no \.png or \.jpg images/);
});
