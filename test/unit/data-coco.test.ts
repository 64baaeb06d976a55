// MS-COCO 2014 loader: captions JSON, instances labels (largest instance or
// multi-hot), Karpathy split, and its bad inputs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cocoFixture, openIn, snapshot, write } from './data-fixtures';

const cfg = (extra: object = {}) => ({ kind: 'coco', root: 'coco', ...extra });

function fresh() {
  const fx = cocoFixture();
  return { ...fx, dir: path.dirname(fx.root) };
}

test('coco: train2014 and val2014 splits, 5 captions in annotation order, no labels by default', () => {
  const { dir, root } = fresh();
  const before = snapshot(root);
  const { ds, warnings } = openIn(dir, cfg());
  assert.equal(ds.kind, 'coco');
  assert.equal(ds.train.length, 3);
  assert.equal(ds.test.length, 2);
  assert.equal(ds.numClasses, undefined);
  assert.equal(ds.train.key!(0), 'COCO_train2014_000000000009');
  assert.deepEqual(ds.train.captions(0), ['Picture 9, view 0.', 'Picture 9, view 1.', 'Picture 9, view 2.', 'Picture 9, view 3.', 'Picture 9, view 4.']);
  assert.equal(ds.train.label(0), undefined);
  assert.equal(ds.train.labelSet, undefined);
  assert.equal(ds.test.image(0).length, 32 * 32 * 3);
  assert.deepEqual(warnings, []);
  assert.deepEqual(snapshot(root), before);
});

test('coco labels: largest instance (single objects before crowds) or multi-hot', () => {
  const { dir } = fresh();
  const { ds, logs } = openIn(dir, cfg({ cocoLabels: 'largest-instance' }));
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.classNames, ['person', 'car', 'dog']);
  assert.equal(ds.train.label(0), 2, 'the dog (area 400) beats the person (50)');
  assert.equal(ds.train.label(1), 1, 'the car, not the larger crowd of people');
  assert.equal(ds.train.label(2), undefined, 'no instances, no label');
  assert.match(logs.join('\n'), /1 image has no instance annotation, so no label/);
  const multi = openIn(dir, cfg({ cocoLabels: 'multi-hot' })).ds;
  assert.deepEqual(multi.train.labelSet!(0), [0, 2]);
  assert.deepEqual(multi.train.labelSet!(1), [0, 1]);
  assert.deepEqual(multi.train.labelSet!(2), []);
  assert.equal(multi.train.label(0), undefined);
});

test('coco: Karpathy split from dataset_coco.json pools both files', () => {
  const { dir, root } = fresh();
  write(
    path.join(root, 'dataset_coco.json'),
    JSON.stringify({ images: [{ cocoid: 9, split: 'train' }, { cocoid: 42, split: 'restval' }, { cocoid: 25, split: 'test' }, { cocoid: 30, split: 'val' }] }),
  );
  const { ds } = openIn(dir, cfg({ splitFile: 'dataset_coco.json' }));
  assert.deepEqual([ds.train.key!(0), ds.train.key!(1)], ['COCO_train2014_000000000009', 'COCO_val2014_000000000042']);
  assert.equal(ds.test.length, 2);
  assert.throws(() => openIn(dir, cfg({ splitFile: 'dataset_coco.pkl' })), /dataset_coco\.pkl: is a Python pickle.*dataset_coco\.json/);
});

test('coco bad input: files, JSON, captions and labels that do not match', () => {
  const { dir, root } = fresh();
  const fails = (extra: object, pattern: RegExp) => assert.throws(() => openIn(dir, cfg(extra)), pattern);
  const caps = path.join(root, 'annotations', 'captions_train2014.json');
  const good = JSON.parse(fs.readFileSync(caps, 'utf8'));

  fails({ trainAnnotations: 'annotations/nope.json' }, /annotations\/nope\.json: missing COCO captions file/);
  write(caps, '{\n  "images": [],\n  "annotations": [,]\n}');
  fails({}, /captions_train2014\.json:3: COCO captions file is not valid JSON/);
  write(caps, JSON.stringify({ images: [] }));
  fails({}, /captions_train2014\.json: is not a COCO captions file/);

  const withCaption = (k: number, caption: string) => {
    const c = structuredClone(good);
    c.annotations[k].caption = caption;
    return JSON.stringify(c);
  };
  write(caps, withCaption(7, ' ... '));
  fails({}, /captions_train2014\.json: annotations\[7\] \(id 1007\): empty caption " \.\.\. " for image 25/);
  const short = structuredClone(good);
  short.annotations = short.annotations.filter((a: { id: number }) => a.id !== 1010);
  write(caps, JSON.stringify(short));
  fails({}, /captions_train2014\.json: image 25 \(COCO_train2014_000000000025\.jpg\) has 4 captions, the dataset config needs 5/);
  assert.equal(openIn(dir, cfg({ captionsPerImage: 4 })).ds.train.length, 3);
  write(caps, JSON.stringify(good));

  fs.rmSync(path.join(root, 'train2014', 'COCO_train2014_000000000025.jpg'));
  fails({}, /train2014\/COCO_train2014_000000000025\.jpg: missing image/);
  fs.renameSync(path.join(root, 'train2014'), path.join(root, 'elsewhere'));
  fails({}, /captions_train2014\.json: cannot find its images \(e\.g\. COCO_train2014_000000000009\.jpg\).*set "imagesDir"/);
  fs.renameSync(path.join(root, 'elsewhere'), path.join(root, 'train2014'));

  const inst = path.join(root, 'annotations', 'instances_val2014.json');
  const instGood = JSON.parse(fs.readFileSync(inst, 'utf8'));
  const mismatch = structuredClone(instGood);
  mismatch.annotations.push({ id: 9, image_id: 12345, category_id: 1, area: 5 });
  write(inst, JSON.stringify(mismatch));
  fails({ cocoLabels: 'largest-instance', onBadSample: 'error', captionsPerImage: 4 }, /instances_val2014\.json: annotations\[4\]: image_id 12345 is not in the captions file/);
  mismatch.annotations[4] = { id: 9, image_id: 42, category_id: 99, area: 5 };
  write(inst, JSON.stringify(mismatch));
  fails({ cocoLabels: 'multi-hot', captionsPerImage: 4 }, /instances_val2014\.json: annotations\[4\]: category_id 99 is not in "categories"/);
  const skipped = openIn(dir, cfg({ cocoLabels: 'multi-hot', captionsPerImage: 4, onBadSample: 'skip' }));
  assert.match(skipped.warnings.join('\n'), /skipped 1 sample \(label mismatch\); first: .*category_id 99/);
  assert.match(skipped.warnings.join('\n'), /skipped 1 sample \(missing image\); first: .*COCO_train2014_000000000025\.jpg: missing image/);
  assert.equal(skipped.ds.train.length, 2);
  fs.rmSync(inst);
  fails({ cocoLabels: 'largest-instance', captionsPerImage: 4 }, /instances_val2014\.json: missing COCO instances file, needed for "cocoLabels"/);
});
