import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../models/data/rng';
import { COLOR_NAMES, POSITIONS, SHAPES, makeShapeSpec, randomShapeSpec, renderShape, shapeCaptions, type ShapeSpec } from '../../models/data/shapes';
import { measureForeground, parseShapeCaption, readShapeImage, scoreOracle } from '../../models/data/shapesOracle';

function assertReadsBack(spec: ShapeSpec, S: number): void {
  const reading = readShapeImage(renderShape(spec, S), S);
  const expected = { color: spec.color, shape: spec.shape, size: spec.size, position: spec.position };
  assert.deepEqual(reading, expected, `S=${S} jitter (${((spec.cx - spec.gx) * S).toFixed(2)}, ${((spec.cy - spec.gy) * S).toFixed(2)}) px`);
}

/** Every colour × shape × size × position (large is always center). */
function allCombos(): { shape: ShapeSpec['shape']; color: ShapeSpec['color']; size: ShapeSpec['size']; position: ShapeSpec['position'] }[] {
  const combos = [];
  for (const shape of SHAPES) {
    for (const color of COLOR_NAMES) {
      for (const position of POSITIONS) combos.push({ shape, color, size: 'small' as const, position });
      combos.push({ shape, color, size: 'large' as const, position: 'center' as const });
    }
  }
  return combos;
}

test('oracle reads every combination correctly at S = 32 and 64, random and extreme jitter', () => {
  const rng = new Rng(1);
  const corners = [-0.03, 0, 0.03];
  for (const S of [32, 64]) {
    for (const combo of allCombos()) {
      for (let k = 0; k < 3; k++) assertReadsBack(randomShapeSpec(rng, combo), S);
      // Jitter at the ends of its range as well.
      for (const jx of corners) for (const jy of corners) assertReadsBack(makeShapeSpec({ ...combo, jx, jy }), S);
    }
  }
});

test('oracle reads 1.0 on every attribute for random specs at S = 32, 64, 128, 256', () => {
  const rng = new Rng(2);
  for (const [S, n] of [[32, 3000], [64, 1000], [128, 200], [256, 60]] as const) {
    const items = Array.from({ length: n }, () => {
      const spec = randomShapeSpec(rng);
      return { image: renderShape(spec, S), S, expected: { color: spec.color, shape: spec.shape, size: spec.size, position: spec.position } };
    });
    const score = scoreOracle(items);
    assert.deepEqual(score.accuracy, { color: 1, shape: 1, size: 1, position: 1 }, `S=${S}`);
    assert.equal(score.all, 1);
    assert.equal(score.unreadable, 0);
  }
});

test('oracle scores captions: real images score 1.0, including template 4 without size', () => {
  const rng = new Rng(3);
  const S = 32;
  const items = [];
  for (let i = 0; i < 200; i++) {
    const spec = randomShapeSpec(rng);
    const image = renderShape(spec, S);
    for (const caption of shapeCaptions(spec, rng)) items.push({ image, S, caption });
  }
  const score = scoreOracle(items);
  assert.deepEqual(score.accuracy, { color: 1, shape: 1, size: 1, position: 1 });
  assert.ok(score.counts.size < score.counts.color, 'template 4 captions do not count toward size');
  assert.equal(score.counts.color, items.length);
});

test('oracle scores wrong images as wrong, per attribute', () => {
  const S = 64;
  const image = renderShape(makeShapeSpec({ shape: 'square', color: 'red', size: 'small', position: 'top left' }), S);
  const score = scoreOracle([
    { image, S, caption: 'a small red square in the top left' },
    { image, S, caption: 'a big blue square in the middle' },
    { image: new Uint8Array(S * S * 3), S, caption: 'a red square at the top' },
  ]);
  assert.equal(score.accuracy.color, 1 / 3);
  assert.equal(score.accuracy.shape, 2 / 3);
  assert.equal(score.accuracy.size, 1 / 2); // the third caption names no size
  assert.equal(score.counts.size, 2);
  assert.equal(score.accuracy.position, 1 / 3);
  assert.equal(score.unreadable, 1);
  assert.equal(score.all, 1 / 3);
  assert.ok(Number.isNaN(scoreOracle([{ image, S, caption: 'a red thing' }]).accuracy.shape), 'no caption names a shape');
});

test('oracle keeps the largest 4-connected component and uses the median colour', () => {
  const S = 64;
  const image = renderShape(makeShapeSpec({ shape: 'circle', color: 'blue', size: 'small', position: 'bottom right' }), S);
  // Speckle: isolated bright pixels and a long diagonal line (8- but not 4-connected).
  for (let i = 0; i < 20; i++) image.set([255, 255, 0], ((i * 3) * S + i * 3) * 3);
  for (let i = 0; i < 30; i++) image.set([255, 255, 255], (i * S + i + 1) * 3);
  assert.deepEqual(readShapeImage(image, S), { color: 'blue', shape: 'circle', size: 'small', position: 'bottom right' });
  // Dim pixels (max channel diff <= 64) are background.
  const dim = new Uint8Array(S * S * 3).fill(64);
  assert.equal(readShapeImage(dim, S), undefined);
  assert.equal(measureForeground(dim, S), undefined);
});

test('oracle thresholds: bounding-box width 0.48 S, fill 0.90 and 0.65', () => {
  const S = 100;
  const white = [230, 230, 230];
  const rect = (w: number, h: number): Uint8Array => {
    const img = new Uint8Array(S * S * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.set(white, ((10 + y) * S + 10 + x) * 3);
    return img;
  };
  assert.equal(readShapeImage(rect(47, 20), S)!.size, 'small');
  assert.equal(readShapeImage(rect(48, 20), S)!.size, 'large');

  // A 20x20 box with a full border (76 px, keeps the box and connectivity); interior filled row-major.
  const boxWithArea = (area: number): Uint8Array => {
    const img = new Uint8Array(S * S * 3);
    let interior = area - 76;
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        const border = x === 0 || y === 0 || x === 19 || y === 19;
        if (border || interior-- > 0) img.set(white, ((10 + y) * S + 10 + x) * 3);
      }
    }
    return img;
  };
  assert.equal(measureForeground(boxWithArea(300), S)!.area, 300);
  assert.equal(readShapeImage(boxWithArea(361), S)!.shape, 'square'); // fill 0.9025
  assert.equal(readShapeImage(boxWithArea(360), S)!.shape, 'circle'); // fill 0.90
  assert.equal(readShapeImage(boxWithArea(260), S)!.shape, 'circle'); // fill 0.65
  assert.equal(readShapeImage(boxWithArea(259), S)!.shape, 'triangle'); // fill 0.6475
});

test('position snaps the bounding-box centre to the nearest grid point; large reads as center', () => {
  const S = 64;
  const square = (x0: number, y0: number, side: number): Uint8Array => {
    const img = new Uint8Array(S * S * 3);
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) img.set([220, 40, 40], (y * S + x) * 3);
    return img;
  };
  // Centre (x0 + side/2): 4 + 5 = 9 -> 0.14 -> 0.25 (left column); 30 + 5 = 35 -> 0.55 -> 0.5.
  assert.equal(readShapeImage(square(4, 4, 10), S)!.position, 'top left');
  assert.equal(readShapeImage(square(30, 4, 10), S)!.position, 'top');
  assert.equal(readShapeImage(square(50, 50, 10), S)!.position, 'bottom right');
  assert.equal(readShapeImage(square(30, 40, 10), S)!.position, 'bottom');
  const large = readShapeImage(square(0, 0, 40), S)!;
  assert.deepEqual([large.size, large.position], ['large', 'center']);
});

test('parseShapeCaption reads what each template names', () => {
  assert.deepEqual(parseShapeCaption('a small red circle in the top left'), { color: 'red', shape: 'circle', size: 'small', position: 'top left' });
  assert.deepEqual(parseShapeCaption('tiny green box at the bottom'), { color: 'green', shape: 'square', size: 'small', position: 'bottom' });
  assert.deepEqual(parseShapeCaption('there is a huge white disk in the middle'), { color: 'white', shape: 'circle', size: 'large', position: 'center' });
  assert.deepEqual(parseShapeCaption('a cyan triangle on the right'), { color: 'cyan', shape: 'triangle', position: 'right' });
  assert.deepEqual(parseShapeCaption('a little square at the bottom right colored orange'), { color: 'orange', shape: 'square', size: 'small', position: 'bottom right' });
  assert.deepEqual(parseShapeCaption('in the center is a big purple triangle'), { color: 'purple', shape: 'triangle', size: 'large', position: 'center' });
  assert.deepEqual(parseShapeCaption('On the Top Right is a little Yellow box.'), { color: 'yellow', shape: 'square', size: 'small', position: 'top right' });
  assert.deepEqual(parseShapeCaption('nothing here'), {});
});
