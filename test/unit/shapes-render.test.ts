// The renderer against the dataset rules, using geometry written here from the
// rules rather than the renderer's own helpers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../models/data/rng';
import {
  COLORS,
  COLOR_NAMES,
  SHAPES,
  makeShapeSpec,
  randomShapeSpec,
  renderShape,
  type ShapeSpec,
} from '../../models/data/shapes';

const RULE_RGB: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [230, 200, 40],
  purple: [140, 60, 190],
  orange: [240, 130, 30],
  cyan: [40, 190, 200],
  white: [230, 230, 230],
};
const RULE_GRID: Record<string, [number, number]> = {
  'top left': [0.25, 0.25], top: [0.5, 0.25], 'top right': [0.75, 0.25],
  left: [0.25, 0.5], center: [0.5, 0.5], right: [0.75, 0.5],
  'bottom left': [0.25, 0.75], bottom: [0.5, 0.75], 'bottom right': [0.75, 0.75],
};

test('palette and vocabulary follow the rules, in order', () => {
  assert.deepEqual([...SHAPES], ['circle', 'square', 'triangle']);
  assert.deepEqual([...COLOR_NAMES], Object.keys(RULE_RGB));
  for (const c of COLORS) assert.deepEqual([...c.rgb], RULE_RGB[c.name]);
});

/** Point-in-shape from the rules (continuous coordinates, pixel i spans [i, i+1)). */
function insideAt(spec: ShapeSpec, S: number): (x: number, y: number) => boolean {
  const cx = spec.cx * S;
  const cy = spec.cy * S;
  const h = (spec.extent * S) / 2;
  if (spec.shape === 'circle') return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= h * h;
  if (spec.shape === 'square') return (x, y) => Math.abs(x - cx) <= h && Math.abs(y - cy) <= h;
  // Apex (cx, cy - h), base y = cy + h from cx - h to cx + h: half-width at y is (y - (cy - h)) / 2.
  return (x, y) => y <= cy + h && y >= cy - h && Math.abs(x - cx) <= (y - (cy - h)) / 2;
}

interface Measured {
  /** Continuous left/right/top/bottom edges estimated from edge opacity. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Sum of opacity: the drawn area in pixels. */
  area: number;
}

/** Opacity of each pixel (value / palette value) and the extents it implies. */
function measure(img: Uint8Array, S: number, rgb: readonly number[]): Measured {
  const k = rgb.indexOf(Math.max(...rgb));
  const colMax = new Array(S).fill(0);
  const rowMax = new Array(S).fill(0);
  let area = 0;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const a = img[(y * S + x) * 3 + k]! / rgb[k]!;
      area += a;
      colMax[x] = Math.max(colMax[x], a);
      rowMax[y] = Math.max(rowMax[y], a);
    }
  }
  const first = (v: number[]): number => v.findIndex((a) => a > 0);
  const last = (v: number[]): number => S - 1 - [...v].reverse().findIndex((a) => a > 0);
  const x0 = first(colMax);
  const x1 = last(colMax);
  const y0 = first(rowMax);
  const y1 = last(rowMax);
  return {
    left: x0 + 1 - colMax[x0],
    right: x1 + colMax[x1],
    top: y0 + 1 - rowMax[y0],
    bottom: y1 + rowMax[y1],
    area,
  };
}

function specsForAllCombos(rng: Rng): ShapeSpec[] {
  const specs: ShapeSpec[] = [];
  for (const shape of SHAPES) {
    for (const color of COLOR_NAMES) {
      for (const position of Object.keys(RULE_GRID)) {
        specs.push(randomShapeSpec(rng, { shape, color, size: 'small', position: position as ShapeSpec['position'] }));
      }
      specs.push(randomShapeSpec(rng, { shape, color, size: 'large' }));
    }
  }
  return specs;
}

test('spec geometry: extents, grid points, jitter within ±0.03 S, large objects centred', () => {
  const rng = new Rng(1);
  let minJitter = 0;
  let maxJitter = 0;
  for (let i = 0; i < 3000; i++) {
    const s = randomShapeSpec(rng);
    assert.equal(s.extent, s.size === 'small' ? 0.34 : 0.62);
    if (s.size === 'large') assert.equal(s.position, 'center');
    assert.deepEqual([s.gx, s.gy], RULE_GRID[s.position]);
    for (const j of [s.cx - s.gx, s.cy - s.gy]) {
      assert.ok(Math.abs(j) <= 0.03 + 1e-12, `jitter ${j}`);
      minJitter = Math.min(minJitter, j);
      maxJitter = Math.max(maxJitter, j);
    }
  }
  assert.ok(minJitter < -0.029 && maxJitter > 0.029, 'jitter spans the whole range');
  assert.throws(() => makeShapeSpec({ shape: 'circle', color: 'red', size: 'large', position: 'top' }), /always "center"/);
});

test('interior pixels are exactly the palette colour; pixels outside are black; edges are scaled palette colour', () => {
  const rng = new Rng(2);
  for (const S of [32, 64, 128]) {
    for (const spec of specsForAllCombos(rng)) {
      const img = renderShape(spec, S);
      const rgb = RULE_RGB[spec.color]!;
      const inside = insideAt(spec, S);
      let interior = 0;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const o = (y * S + x) * 3;
          const px = [img[o]!, img[o + 1]!, img[o + 2]!];
          const corners = [inside(x, y), inside(x + 1, y), inside(x, y + 1), inside(x + 1, y + 1)];
          if (corners.every(Boolean)) {
            interior++;
            assert.deepEqual(px, rgb, `interior pixel (${x},${y}) of ${spec.color} ${spec.shape} at S=${S}`);
          } else if (px.some((v) => v > 0)) {
            // An edge pixel: colour·a for one a in (0, 1], rounded per channel.
            const brightest = rgb.indexOf(Math.max(...rgb)); // the finest estimate of a
            const a = px[brightest]! / rgb[brightest]!;
            for (let k = 0; k < 3; k++) assert.ok(Math.abs(px[k]! - rgb[k]! * a) <= 1, `edge pixel (${x},${y}) ${px} is not a shade of ${rgb}`);
            // ...and it touches the shape: some point of the pixel (5x5 probe) is inside.
            let touches = false;
            for (let i = 0; i <= 4 && !touches; i++) for (let j = 0; j <= 4 && !touches; j++) touches = inside(x + i / 4, y + j / 4);
            assert.ok(touches, `pixel (${x},${y}) drawn but wholly outside the ${spec.shape}`);
          }
        }
      }
      assert.ok(interior > 0);
    }
  }
});

test('bounding-box extent within a pixel of 0.34·S / 0.62·S (triangle corners: 2 px) and centre within the jitter', () => {
  const rng = new Rng(3);
  for (const S of [32, 64, 128, 256]) {
    for (let i = 0; i < (S >= 128 ? 40 : 300); i++) {
      const spec = randomShapeSpec(rng);
      const m = measure(renderShape(spec, S), S, RULE_RGB[spec.color]!);
      const e = (spec.size === 'small' ? 0.34 : 0.62) * S;
      const label = `${spec.size} ${spec.shape} at S=${S}`;
      // A triangle's apex and base corners are points, so the faint pixels there lose up to
      // about 0.8 px per side; its extent gets 2 px, and its vertical centre is taken from the base.
      const tolerance = spec.shape === 'triangle' ? 2 : 1;
      assert.ok(Math.abs(m.right - m.left - e) < tolerance, `${label}: width ${m.right - m.left} vs ${e}`);
      assert.ok(Math.abs(m.bottom - m.top - e) < tolerance, `${label}: height ${m.bottom - m.top} vs ${e}`);
      const [gx, gy] = RULE_GRID[spec.position]!;
      const jitter = 0.03 * S + tolerance / 2; // plus the edge-estimation error
      assert.ok(Math.abs((m.left + m.right) / 2 - gx * S) <= jitter, `${label}: centre x`);
      if (spec.shape !== 'triangle') assert.ok(Math.abs((m.top + m.bottom) / 2 - gy * S) <= jitter, `${label}: centre y`);
      else assert.ok(Math.abs(m.bottom - e / 2 - gy * S) <= jitter, `${label}: centre y from the base`);
    }
  }
});

test('drawn area matches the geometric area (disc πe²/4, square e², triangle e²/2)', () => {
  const rng = new Rng(4);
  for (const S of [64, 256]) {
    for (const shape of SHAPES) {
      for (const size of ['small', 'large'] as const) {
        const spec = randomShapeSpec(rng, { shape, size });
        const e = spec.extent * S;
        const expected = shape === 'circle' ? (Math.PI * e * e) / 4 : shape === 'square' ? e * e : (e * e) / 2;
        const m = measure(renderShape(spec, S), S, RULE_RGB[spec.color]!);
        // Edge opacity differs from exact coverage by at most 1/3 per edge pixel.
        const perimeter = shape === 'circle' ? Math.PI * e : shape === 'square' ? 4 * e : (1 + Math.sqrt(5)) * e;
        assert.ok(Math.abs(m.area - expected) <= perimeter / 3, `${size} ${shape} S=${S}: area ${m.area} vs ${expected}`);
        assert.ok(Math.abs(m.area - expected) / expected < 0.03, `${size} ${shape} S=${S}: area ${m.area} vs ${expected}`);
      }
    }
  }
});

test('triangle points up: rows widen from apex to base', () => {
  const rng = new Rng(5);
  for (const S of [32, 64, 256]) {
    for (let i = 0; i < 20; i++) {
      const spec = randomShapeSpec(rng, { shape: 'triangle' });
      const img = renderShape(spec, S);
      const widths: number[] = [];
      for (let y = 0; y < S; y++) {
        let w = 0;
        for (let x = 0; x < S; x++) if (img[(y * S + x) * 3]! + img[(y * S + x) * 3 + 1]! + img[(y * S + x) * 3 + 2]! > 0) w++;
        if (w > 0) widths.push(w);
      }
      const e = spec.extent * S;
      const widest = widths.lastIndexOf(Math.max(...widths));
      assert.ok(widths[0]! <= 3, `apex row is narrow (${widths[0]})`);
      // The base may fall part-way through the last row, which then shows only its middle.
      assert.ok(widest >= widths.length - 2, `widest row ${widest} of ${widths.length} is at the base`);
      assert.ok(Math.abs(widths[widest]! - e) <= 2, `base is about e wide (${widths[widest]} vs ${e})`);
      for (let r = 1; r <= widest; r++) assert.ok(widths[r]! >= widths[r - 1]!, `row ${r} narrower than the row above`);
    }
  }
});

test('fill ratios of the thresholded foreground are well inside the oracle bands at S >= 64', () => {
  const rng = new Rng(6);
  for (const S of [64, 128]) {
    for (let i = 0; i < 150; i++) {
      const spec = randomShapeSpec(rng);
      const img = renderShape(spec, S);
      let area = 0;
      let x0 = S, x1 = -1, y0 = S, y1 = -1;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const o = (y * S + x) * 3;
          if (Math.max(img[o]!, img[o + 1]!, img[o + 2]!) <= 64) continue;
          area++;
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
      const fill = area / ((x1 - x0 + 1) * (y1 - y0 + 1));
      const [lo, hi] = spec.shape === 'square' ? [0.97, 1] : spec.shape === 'circle' ? [0.72, 0.86] : [0.49, 0.6];
      assert.ok(fill >= lo && fill <= hi, `${spec.size} ${spec.shape} S=${S}: fill ${fill.toFixed(3)}`);
    }
  }
});

test('one spec renders at any resolution; rendering is deterministic', () => {
  const spec = makeShapeSpec({ shape: 'circle', color: 'cyan', size: 'small', position: 'bottom right', jx: 0.01, jy: -0.02 });
  for (const S of [32, 48, 64, 100, 256]) {
    const img = renderShape(spec, S);
    assert.equal(img.length, S * S * 3);
    assert.deepEqual(renderShape(spec, S), img);
  }
  assert.throws(() => renderShape(spec, 0), /positive integer/);
});
