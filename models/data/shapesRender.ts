// Renders one ShapeSpec to S×S RGB on black. Pixels wholly inside the shape
// are exactly the palette colour; only edge pixels are blended, with
// colour·ramp(coverage), where coverage is the exact area of the pixel inside
// the shape (analytic for squares and triangles, 16×16 supersampling on circle
// edges).
//
// Why a ramp rather than plain coverage: the oracle counts a pixel as
// foreground from about 1/3 coverage, which dilates small shapes. At S = 32 a
// small disc with plain coverage can read a fill of 94/144, one pixel above
// the 0.65 circle/triangle cut. Mapping coverage [1/3, 2/3] linearly onto
// [0, 1] keeps the edges smooth while leaving several pixels of margin.
import { colorRgb, type ShapeSpec } from './shapesSpec';

/** Supersampling grid (per axis) for circle edge pixels. */
const CIRCLE_SAMPLES = 16;
/** Coverage below RAMP_LOW draws nothing, above RAMP_HIGH draws the full colour. */
const RAMP_LOW = 1 / 3;
const RAMP_HIGH = 2 / 3;

/** Edge opacity for a pixel's exact coverage in [0, 1]. */
export function edgeAlpha(coverage: number): number {
  if (coverage >= 1) return 1; // interior pixels stay exact
  return Math.min(1, Math.max(0, (coverage - RAMP_LOW) / (RAMP_HIGH - RAMP_LOW)));
}

type Coverage = (px: number, py: number) => number;

export function renderShape(spec: ShapeSpec, S: number): Uint8Array {
  if (!Number.isInteger(S) || S <= 0) throw new Error(`Canvas size must be a positive integer, got ${S}`);
  const out = new Uint8Array(S * S * 3);
  drawShape(out, spec, S);
  return out;
}

/** Draws the shape over an existing S×S RGB canvas (black background assumed for blending). */
export function drawShape(canvas: Uint8Array, spec: ShapeSpec, S: number): void {
  const cx = spec.cx * S;
  const cy = spec.cy * S;
  const half = (spec.extent * S) / 2;
  const coverage = coverageFor(spec.shape, cx, cy, half);
  const [r, g, b] = colorRgb(spec.color);
  const x0 = Math.max(0, Math.floor(cx - half));
  const x1 = Math.min(S - 1, Math.ceil(cx + half) - 1);
  const y0 = Math.max(0, Math.floor(cy - half));
  const y1 = Math.min(S - 1, Math.ceil(cy + half) - 1);
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const a = edgeAlpha(coverage(px, py));
      if (a <= 0) continue;
      const o = (py * S + px) * 3;
      if (a >= 1) {
        canvas[o] = r;
        canvas[o + 1] = g;
        canvas[o + 2] = b;
      } else {
        canvas[o] = Math.round(r * a);
        canvas[o + 1] = Math.round(g * a);
        canvas[o + 2] = Math.round(b * a);
      }
    }
  }
}

function coverageFor(shape: ShapeSpec['shape'], cx: number, cy: number, half: number): Coverage {
  switch (shape) {
    case 'square':
      return squareCoverage(cx - half, cx + half, cy - half, cy + half);
    case 'circle':
      return circleCoverage(cx, cy, half);
    case 'triangle':
      // Apex up: (cx, cy - e/2), base from (cx - e/2, cy + e/2) to (cx + e/2, cy + e/2).
      return convexPolygonCoverage([
        [cx, cy - half],
        [cx + half, cy + half],
        [cx - half, cy + half],
      ]);
  }
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

function squareCoverage(left: number, right: number, top: number, bottom: number): Coverage {
  return (px, py) => overlap(px, px + 1, left, right) * overlap(py, py + 1, top, bottom);
}

function circleCoverage(cx: number, cy: number, r: number): Coverage {
  const r2 = r * r;
  const step = 1 / CIRCLE_SAMPLES;
  return (px, py) => {
    // Farthest corner inside: the pixel is interior.
    const fx = Math.max(Math.abs(px - cx), Math.abs(px + 1 - cx));
    const fy = Math.max(Math.abs(py - cy), Math.abs(py + 1 - cy));
    if (fx * fx + fy * fy <= r2) return 1;
    // Nearest point outside: the pixel is empty.
    const nx = Math.max(px - cx, 0, cx - px - 1);
    const ny = Math.max(py - cy, 0, cy - py - 1);
    if (nx * nx + ny * ny >= r2) return 0;
    let inside = 0;
    for (let i = 0; i < CIRCLE_SAMPLES; i++) {
      const dy = py + (i + 0.5) * step - cy;
      for (let j = 0; j < CIRCLE_SAMPLES; j++) {
        const dx = px + (j + 0.5) * step - cx;
        if (dx * dx + dy * dy < r2) inside++;
      }
    }
    return inside / (CIRCLE_SAMPLES * CIRCLE_SAMPLES);
  };
}

type Point = readonly [number, number];

/** Exact area of the unit pixel inside a convex polygon (vertices clockwise on screen). */
function convexPolygonCoverage(vertices: Point[]): Coverage {
  // Half-planes nx*x + ny*y <= c, one per edge; with y down, a screen-clockwise
  // walk keeps the interior where (dy, -dx)·(point - p) <= 0.
  const planes = vertices.map((p, i) => {
    const q = vertices[(i + 1) % vertices.length]!;
    const nx = q[1] - p[1];
    const ny = -(q[0] - p[0]);
    return { nx, ny, c: nx * p[0] + ny * p[1] };
  });
  const inside = (x: number, y: number): boolean => planes.every((h) => h.nx * x + h.ny * y <= h.c);
  return (px, py) => {
    if (inside(px, py) && inside(px + 1, py) && inside(px, py + 1) && inside(px + 1, py + 1)) return 1;
    let poly: Point[] = [
      [px, py],
      [px + 1, py],
      [px + 1, py + 1],
      [px, py + 1],
    ];
    for (const h of planes) {
      poly = clip(poly, h.nx, h.ny, h.c);
      if (poly.length === 0) return 0;
    }
    return Math.min(1, polygonArea(poly));
  };
}

/** Sutherland-Hodgman clip of a polygon to nx*x + ny*y <= c. */
function clip(poly: Point[], nx: number, ny: number, c: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    const dp = nx * p[0] + ny * p[1] - c;
    const dq = nx * q[0] + ny * q[1] - c;
    if (dp <= 0) out.push(p);
    if ((dp < 0 && dq > 0) || (dp > 0 && dq < 0)) {
      const t = dp / (dp - dq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

function polygonArea(poly: Point[]): number {
  let twice = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    twice += p[0] * q[1] - q[0] * p[1];
  }
  return Math.abs(twice) / 2;
}
