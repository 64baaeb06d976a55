// CUB-200-2011 loader on a tiny data/birds tree: layout, class split, labels,
// bounding-box crop, augmentation, and every bad-input case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { PhotoDataset } from '../../models/data/photoDataset';
import { Rng } from '../../models/data/rng';
import { CUB_CLASSES, CUB_COLORS, cubFixture, near, openIn, pixelAt, snapshot, write } from './data-fixtures';

const cubCfg = (extra: object = {}) => ({ kind: 'cub', root: 'birds', ...extra });

/** A fresh fixture in its own folder; the config sits beside `birds/`. */
function fresh() {
  const fx = cubFixture();
  return { ...fx, dir: path.dirname(fx.root) };
}

test('cub: class split, species labels, 10 captions, keys, relative root', () => {
  const { dir, root } = fresh();
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cubCfg());
  assert.equal(ds.kind, 'cub');
  assert.equal(ds.size, 32);
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.classNames, CUB_CLASSES);
  assert.equal(ds.train.length, 4);
  assert.equal(ds.test.length, 2);
  assert.deepEqual(warnings, []);
  const trainLabels = Array.from({ length: 4 }, (_, i) => ds.train.label(i));
  assert.deepEqual(trainLabels, [0, 0, 1, 1]);
  assert.deepEqual([ds.test.label(0), ds.test.label(1)], [2, 2]);
  assert.equal(ds.train.key!(0), '001.Black_footed_Albatross/Black_footed_Albatross_0000_1');
  const caps = ds.train.captions(0);
  assert.equal(caps.length, 10);
  assert.equal(caps[0], 'a black footed_albatross 0 caption number 0');
  for (const split of [ds.train, ds.test]) for (let i = 0; i < split.length; i++) assert.equal(split.image(i).length, 32 * 32 * 3);
  assert.deepEqual(snapshot(root), before, 'nothing is written in the dataset folder');
  assert.ok(fs.existsSync(path.join(dir, '.t2i-cache')), 'the cache sits beside the config');
  (ds as PhotoDataset).close();
});

test('cub: the bounding-box crop centres the bird; random crops and flips only with an rng', () => {
  const { dir } = fresh();
  const { ds } = openIn(dir, cubCfg());
  const img = ds.train.image(0);
  assert.ok(near(pixelAt(img, 32, 16, 16), CUB_COLORS[0]!, 40), `centre ${pixelAt(img, 32, 16, 16)} is the bird colour`);
  assert.ok(near(pixelAt(img, 32, 0, 0), [128, 128, 128], 40), `corner ${pixelAt(img, 32, 0, 0)} is background`);
  assert.deepEqual(ds.train.image(0), img, 'without an rng the image is deterministic (centre crop)');

  // Stored at floor(32*76/64) = 38: crops move by up to 6 px, and flips mirror.
  const a = new Rng(5);
  const b = new Rng(5);
  const seen = new Set<string>();
  for (let k = 0; k < 12; k++) {
    const x = ds.train.image(0, a);
    assert.deepEqual(x, ds.train.image(0, b), 'same rng state, same augmentation');
    seen.add(Buffer.from(x).toString('base64'));
  }
  assert.ok(seen.size > 3, `random crops differ (${seen.size} distinct of 12)`);

  const { ds: whole } = openIn(dir, cubCfg({ bboxCrop: false, augment: 'none' }));
  const w = whole.train.image(0);
  // Without the crop the bird is a small patch right of centre: the centre column is grey above it.
  assert.ok(near(pixelAt(w, 32, 16, 2), [128, 128, 128], 40));
});

test('cub: split from a JSON splitFile of keys, and from train/filenames.txt', () => {
  const { dir, root, keys } = fresh();
  write(path.join(root, 'my-split.json'), JSON.stringify({ train: keys.slice(0, 5), test: [keys[5]] }));
  const { ds } = openIn(dir, cubCfg({ splitFile: 'my-split.json' }));
  assert.equal(ds.train.length, 5);
  assert.equal(ds.test.length, 1);

  fs.rmSync(path.join(root, 'trainvalclasses.txt'));
  fs.rmSync(path.join(root, 'testclasses.txt'));
  write(path.join(root, 'train', 'filenames.txt'), keys.slice(1).join('\n') + '\n');
  write(path.join(root, 'test', 'filenames.txt'), keys[0] + '\n');
  const { ds: ds2 } = openIn(dir, cubCfg());
  assert.equal(ds2.train.length, 5);
  assert.equal(ds2.test.length, 1);
  assert.equal(ds2.test.key!(0), keys[0]);

  fs.rmSync(path.join(root, 'train'), { recursive: true });
  fs.rmSync(path.join(root, 'test'), { recursive: true });
  write(path.join(root, 'train', 'filenames.json'), JSON.stringify(keys.slice(2)));
  write(path.join(root, 'test', 'filenames.json'), JSON.stringify(keys.slice(0, 2)));
  const { ds: ds3 } = openIn(dir, cubCfg());
  assert.equal(ds3.train.length, 4);
});

test('cub: maxImages keeps an evenly spaced subset', () => {
  const { dir } = fresh();
  const { ds } = openIn(dir, cubCfg({ maxImages: 2 }));
  assert.equal(ds.train.length, 2);
  assert.deepEqual([ds.train.label(0), ds.train.label(1)], [0, 1], 'both training classes stay');
});

function throwsAt(dir: string, extra: object, pattern: RegExp): void {
  assert.throws(() => openIn(dir, cubCfg(extra)), (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}

test('cub bad input: missing folders and files are named', () => {
  const { dir, root } = fresh();
  throwsAt(dir, { root: 'nope' }, /nope: CUB dataset folder \(dataset\.root\) does not exist/);
  fs.renameSync(path.join(root, 'text'), path.join(root, 'txt'));
  throwsAt(dir, {}, /birds\/text: missing caption folder/);
  fs.renameSync(path.join(root, 'txt'), path.join(root, 'text'));
  fs.renameSync(path.join(root, 'CUB_200_2011', 'images.txt'), path.join(root, 'CUB_200_2011', 'images.old'));
  throwsAt(dir, {}, /CUB_200_2011\/images\.txt: missing CUB-200-2011 index/);
  fs.renameSync(path.join(root, 'CUB_200_2011', 'images.old'), path.join(root, 'CUB_200_2011', 'images.txt'));
  fs.rmSync(path.join(root, 'CUB_200_2011', 'bounding_boxes.txt'));
  throwsAt(dir, {}, /bounding_boxes\.txt: missing bounding-box file \(or set "bboxCrop": false/);
  assert.equal(openIn(dir, cubCfg({ bboxCrop: false })).ds.train.length, 4);
});

test('cub bad input: missing split files, and pickles get advice', () => {
  const { dir, root } = fresh();
  fs.rmSync(path.join(root, 'testclasses.txt'));
  throwsAt(dir, {}, /birds\/testclasses\.txt: missing split file \(found trainvalclasses\.txt/);
  fs.rmSync(path.join(root, 'trainvalclasses.txt'));
  throwsAt(dir, {}, /missing split file: looked for trainvalclasses\.txt \+ testclasses\.txt/);
  write(path.join(root, 'train', 'filenames.pickle'), Buffer.from([0x80, 0x02, 0x5d]));
  throwsAt(dir, {}, /train\/filenames\.pickle: is a Python pickle, which T2I Lab does not read\. Provide the split as text or JSON instead: .*trainvalclasses\.txt.*train\/filenames\.txt.*"splitFile".*python3 -c/);
  throwsAt(dir, { splitFile: 'train/filenames.pickle' }, /is a Python pickle/);
  throwsAt(dir, { splitFile: 'missing.json' }, /missing\.json: missing split file/);
  write(path.join(root, 'bad.json'), '{"train": ["a"],\n "test": [1]}');
  throwsAt(dir, { splitFile: 'bad.json' }, /bad\.json: "test": entry 0 must be a non-empty string/);
  write(path.join(root, 'broken.json'), '{"train": [\n  "a",\n}');
  throwsAt(dir, { splitFile: 'broken.json' }, /broken\.json:3: split file is not valid JSON/);
});

test('cub bad input: caption files with too few lines or an empty caption name file and line', () => {
  const { dir, root, keys } = fresh();
  const capFile = path.join(root, 'text', `${keys[1]}.txt`);
  write(capFile, 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n');
  throwsAt(dir, {}, new RegExp(`${keys[1]}\\.txt:9: has 9 captions, the dataset config needs 10 per image \\(captionsPerImage\\).*onBadSample`));
  assert.equal(openIn(dir, cubCfg({ captionsPerImage: 9 })).ds.train.captions(1).length, 9);
  write(capFile, 'one\n\ntwo\n...\nfour\nfive\nsix\nseven\neight\nnine\nten\n');
  throwsAt(dir, {}, new RegExp(`${keys[1]}\\.txt:4: empty caption`));
  fs.rmSync(capFile);
  throwsAt(dir, {}, new RegExp(`${keys[1]}\\.txt: missing caption file`));
});

test('cub bad input: missing, undecodable and truncated images name the file', () => {
  const { dir, root, keys } = fresh();
  const img = (k: number) => path.join(root, 'CUB_200_2011', 'images', `${keys[k]}.jpg`);
  fs.rmSync(img(0));
  throwsAt(dir, {}, new RegExp(`${keys[0]}\\.jpg: missing image`));
  write(img(0), 'this is not an image');
  throwsAt(dir, {}, new RegExp(`${keys[0]}\\.jpg: image does not decode: not a PNG or JPEG file`));
  const good = fs.readFileSync(img(2));
  write(img(0), good.subarray(0, good.length >> 1));
  throwsAt(dir, {}, new RegExp(`${keys[0]}\\.jpg: image does not decode: JPEG does not decode`));
});

test('cub bad input: label and index files that do not match name file and line', () => {
  const { dir, root } = fresh();
  const labels = path.join(root, 'CUB_200_2011', 'image_class_labels.txt');
  write(labels, '1 1\n2 1\n3 3\n4 2\n5 3\n6 3\n');
  throwsAt(dir, {}, /image_class_labels\.txt:3: class 3 for image id 3 does not match its folder 002\.Laysan_Albatross/);
  write(labels, '1 1\n2 1\n3 2\n4 2\n5 3\n6 3\n');
  const boxes = path.join(root, 'CUB_200_2011', 'bounding_boxes.txt');
  const lines = fs.readFileSync(boxes, 'utf8').split('\n');
  write(boxes, lines.slice(1).join('\n'));
  throwsAt(dir, {}, /bounding_boxes\.txt: no bounding box for image id 1/);
  write(boxes, ['1 1 2 3', ...lines.slice(1)].join('\n'));
  throwsAt(dir, {}, /bounding_boxes\.txt:1: expected "<id> <x> <y> <width> <height>"/);
  write(boxes, [...lines.slice(0, 6), '7 1 1 5 5'].join('\n'));
  throwsAt(dir, {}, /bounding_boxes\.txt:7: image id 7 is not in images\.txt/);
  write(boxes, lines.join('\n'));
  const index = path.join(root, 'CUB_200_2011', 'images.txt');
  write(index, fs.readFileSync(index, 'utf8') + 'seven\n');
  throwsAt(dir, {}, /images\.txt:7: expected "<id> <class>\/<name>\.jpg"/);
  write(index, fs.readFileSync(index, 'utf8').replace('seven\n', ''));
  write(path.join(root, 'testclasses.txt'), '003.Sooty_Albatross\n004.Nobody\n');
  throwsAt(dir, {}, /testclasses\.txt:2: "004\.Nobody" names no class or image of the dataset/);
});

test('cub onBadSample "skip": bad samples are left out and counted per kind', () => {
  const { dir, root, keys } = fresh();
  write(path.join(root, 'text', `${keys[0]}.txt`), 'only one line\n');
  write(path.join(root, 'text', `${keys[1]}.txt`), '!!!\n' + 'x\n'.repeat(10));
  write(path.join(root, 'CUB_200_2011', 'images', `${keys[2]}.jpg`), 'garbage');
  fs.rmSync(path.join(root, 'CUB_200_2011', 'images', `${keys[5]}.jpg`));
  write(path.join(root, 'testclasses.txt'), '003.Sooty_Albatross\n004.Nobody\n');
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cubCfg({ onBadSample: 'skip' }));
  assert.equal(ds.train.length, 1);
  assert.equal(ds.test.length, 1);
  assert.equal(ds.train.key!(0), keys[3]);
  const joined = warnings.join('\n');
  for (const kind of ['too few captions', 'empty caption', 'undecodable image', 'missing image', 'split mismatch']) {
    assert.match(joined, new RegExp(`skipped 1 sample \\(${kind}\\); first: `), kind);
  }
  assert.match(joined, new RegExp(`${keys[1]}\\.txt:1: empty caption`));
  assert.deepEqual((ds as PhotoDataset).warnings, warnings);
  assert.deepEqual(snapshot(root), before);

  // The second run reads the cache and reports the same.
  const again = openIn(dir, cubCfg({ onBadSample: 'skip' }));
  assert.equal((again.ds as PhotoDataset).imageStats.fromCache, true);
  assert.deepEqual(again.warnings, warnings);
  assert.deepEqual(again.ds.train.image(0), ds.train.image(0));
});
