import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { T2IDataset } from '../../models/data/dataset';
import { buildShapesDataset, labelOf, renderShape, validateHoldout, type ColorName, type ShapeName } from '../../models/data/shapes';
import { readShapeImage } from '../../models/data/shapesOracle';

const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'cyan', 'white'];
const SHAPES = ['circle', 'square', 'triangle'];

test('implements T2IDataset: kind, size, 24 classes, RGB images, 10 captions, attributes', () => {
  const ds: T2IDataset = buildShapesDataset({ count: 240, seed: 1, size: 32 });
  assert.equal(ds.kind, 'shapes');
  assert.equal(ds.size, 32);
  assert.equal(ds.numClasses, 24);
  assert.equal(ds.train.length + ds.test.length, 240);
  for (const split of [ds.train, ds.test]) {
    for (let i = 0; i < split.length; i++) {
      assert.equal(split.image(i).length, 32 * 32 * 3);
      assert.equal(split.captions(i).length, 10);
      const attrs = split.attributes!(i);
      assert.deepEqual(Object.keys(attrs).sort(), ['color', 'position', 'shape', 'size']);
      assert.equal(split.label(i), SHAPES.indexOf(attrs.shape!) * 8 + COLORS.indexOf(attrs.color!));
    }
  }
  assert.throws(() => ds.train.image(ds.train.length), RangeError);
});

test('labels are shapeIndex*8 + colourIndex, covering 0..23', () => {
  const labels = new Set<number>();
  SHAPES.forEach((shape, s) =>
    COLORS.forEach((color, c) => {
      const label = labelOf(shape as ShapeName, color as ColorName);
      assert.equal(label, s * 8 + c);
      labels.add(label);
    }),
  );
  assert.deepEqual([...labels].sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i));
  const ds = buildShapesDataset({ count: 480, seed: 2, size: 32 });
  const seen = new Set(Array.from({ length: ds.train.length }, (_, i) => ds.train.label(i)));
  assert.equal(seen.size, 24, 'balanced blocks put every class in train');
});

test('images, captions and attributes agree (the oracle reads each image as its attributes)', () => {
  const ds = buildShapesDataset({ count: 300, seed: 3, size: 64 });
  for (let i = 0; i < ds.train.length; i++) {
    const attrs = ds.train.attributes(i);
    assert.deepEqual(readShapeImage(ds.train.image(i), 64), attrs);
    for (const c of ds.train.captions(i)) assert.ok(c.includes(attrs.color), c);
    assert.deepEqual(ds.train.image(i), renderShape(ds.train.spec(i), 64));
  }
});

test('holdout pairs never appear in train and all their images are in test', () => {
  const holdout: [string, string][] = [['red', 'circle'], ['blue', 'triangle']];
  const ds = buildShapesDataset({ count: 2400, seed: 4, size: 32, holdout });
  const isHeld = (a: { color?: string; shape?: string }): boolean => holdout.some(([c, s]) => a.color === c && a.shape === s);
  for (let i = 0; i < ds.train.length; i++) assert.ok(!isHeld(ds.train.attributes(i)), `train item ${i} is held out`);
  const heldInTest = Array.from({ length: ds.test.length }, (_, i) => ds.test.attributes(i)).filter(isHeld).length;
  const heldOverall = ds.items.filter((it) => isHeld(it.spec)).length;
  assert.equal(heldInTest, heldOverall);
  assert.equal(heldOverall, 200, 'each pair appears count/24 times');
  // Plus 10% of the rest.
  assert.equal(ds.test.length - heldInTest, Math.round(0.1 * (2400 - heldOverall)));
  assert.deepEqual(ds.holdout, holdout);
});

test('testFraction sets the share of the non-held-out images in test', () => {
  const ds = buildShapesDataset({ count: 1000, seed: 5, size: 32, testFraction: 0.25 });
  assert.equal(ds.test.length, 250);
  assert.equal(buildShapesDataset({ count: 100, seed: 5, size: 32, testFraction: 0 }).test.length, 0);
});

test('deterministic from the seed; different seeds differ; item i is stable across counts', () => {
  const a = buildShapesDataset({ count: 200, seed: 6, size: 32 });
  const b = buildShapesDataset({ count: 200, seed: 6, size: 32 });
  const c = buildShapesDataset({ count: 200, seed: 7, size: 32 });
  const summary = (ds: typeof a) => ds.items.map((it) => [it.spec, it.captions, it.split]);
  assert.deepEqual(summary(a), summary(b));
  assert.deepEqual(a.train.image(5), b.train.image(5));
  assert.notDeepEqual(summary(a), summary(c));
  const longer = buildShapesDataset({ count: 400, seed: 6, size: 32 });
  for (let i = 0; i < 200; i++) {
    assert.deepEqual(longer.items[i]!.spec, a.items[i]!.spec);
    assert.deepEqual(longer.items[i]!.captions, a.items[i]!.captions);
  }
});

test('images are cached but returned as copies; the cache limit is respected', () => {
  const ds = buildShapesDataset({ count: 50, seed: 8, size: 32 });
  const first = ds.train.image(0);
  first.fill(7);
  assert.notDeepEqual(ds.train.image(0), first);
  const uncached = buildShapesDataset({ count: 50, seed: 8, size: 32, maxCacheBytes: 0 });
  assert.deepEqual(uncached.train.image(3), ds.train.image(3));
});

test('invalid holdout entries name the bad value and list the valid ones', () => {
  assert.throws(
    () => buildShapesDataset({ count: 48, seed: 0, size: 32, holdout: [['pink', 'circle']] }),
    (err: Error) => err.message.includes('"pink"') && COLORS.every((c) => err.message.includes(c)),
  );
  assert.throws(
    () => buildShapesDataset({ count: 48, seed: 0, size: 32, holdout: [['red', 'hexagon']] }),
    (err: Error) => err.message.includes('"hexagon"') && SHAPES.every((s) => err.message.includes(s)),
  );
  assert.throws(() => validateHoldout([['circle', 'red']]), /reversed: entries are \[colour, shape\]/);
  assert.deepEqual(validateHoldout([['red', 'circle'], ['red', 'circle']]), [['red', 'circle']]);
});

test('invalid options are rejected clearly', () => {
  assert.throws(() => buildShapesDataset({ count: 0, seed: 0, size: 32 }), /count must be a positive integer/);
  assert.throws(() => buildShapesDataset({ count: 10, seed: 0, size: 8 }), /size must be an integer >= 16/);
  assert.throws(() => buildShapesDataset({ count: 10, seed: 0.5, size: 32 }), /seed must be an integer/);
  assert.throws(() => buildShapesDataset({ count: 10, seed: 0, size: 32, testFraction: 1 }), /testFraction/);
  const everything = SHAPES.flatMap((s) => COLORS.map((c) => [c, s] as [string, string]));
  assert.throws(() => buildShapesDataset({ count: 48, seed: 0, size: 32, holdout: everything }), /no training images/);
});

test('rendering throughput: 1000 images at 32 px well under a second', () => {
  const ds = buildShapesDataset({ count: 1000, seed: 9, size: 32, testFraction: 0 });
  const t0 = performance.now();
  for (let i = 0; i < ds.train.length; i++) ds.train.image(i);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
