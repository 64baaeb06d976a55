// The vocabulary and geometry of the procedural shapes dataset (single-object
// mode) and the random draw of one object. Geometry is kept in fractions of
// the canvas side S so the same spec renders at any resolution.
import type { Rng } from './rng';

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Palette in label order; RGB values are exact. */
export const COLORS = [
  { name: 'red', rgb: [220, 40, 40] },
  { name: 'green', rgb: [40, 170, 60] },
  { name: 'blue', rgb: [40, 80, 220] },
  { name: 'yellow', rgb: [230, 200, 40] },
  { name: 'purple', rgb: [140, 60, 190] },
  { name: 'orange', rgb: [240, 130, 30] },
  { name: 'cyan', rgb: [40, 190, 200] },
  { name: 'white', rgb: [230, 230, 230] },
] as const;
export type ColorName = (typeof COLORS)[number]['name'];
export const COLOR_NAMES: readonly ColorName[] = COLORS.map((c) => c.name);

export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/** Bounding-box side as a fraction of S. */
export const EXTENT: Record<SizeName, number> = { small: 0.34, large: 0.62 };

/** Grid coordinates (fractions of S) for the three rows/columns. */
export const GRID = [0.25, 0.5, 0.75] as const;

/** Position names indexed [row gy][column gx]; y grows downward. */
export const POSITION_GRID = [
  ['top left', 'top', 'top right'],
  ['left', 'center', 'right'],
  ['bottom left', 'bottom', 'bottom right'],
] as const;
export type PositionName = (typeof POSITION_GRID)[number][number];
export const POSITIONS: readonly PositionName[] = POSITION_GRID.flat();

/** Maximum jitter of the centre, as a fraction of S (each axis, uniform). */
export const JITTER = 0.03;

export const NUM_CLASSES = SHAPES.length * COLORS.length;

/** A type alias (not an interface) so it is assignable to Record<string, string>. */
export type ShapeAttributes = {
  shape: ShapeName;
  color: ColorName;
  size: SizeName;
  position: PositionName;
};

export interface ShapeSpec extends ShapeAttributes {
  /** Grid point of the object, fractions of S (0.5, 0.5 for large objects). */
  gx: number;
  gy: number;
  /** Bounding-box centre, fractions of S: grid point plus jitter. */
  cx: number;
  cy: number;
  /** Bounding-box width and height, fraction of S. */
  extent: number;
}

/** Class label: shapeIndex*8 + colourIndex (0..23). */
export function labelOf(shape: ShapeName, color: ColorName): number {
  const s = SHAPES.indexOf(shape);
  const c = COLOR_NAMES.indexOf(color);
  if (s < 0) throw new Error(`Unknown shape "${shape}"; valid shapes: ${SHAPES.join(', ')}`);
  if (c < 0) throw new Error(`Unknown colour "${color}"; valid colours: ${COLOR_NAMES.join(', ')}`);
  return s * COLORS.length + c;
}

export function colorRgb(color: ColorName): readonly [number, number, number] {
  const entry = COLORS.find((c) => c.name === color);
  if (!entry) throw new Error(`Unknown colour "${color}"; valid colours: ${COLOR_NAMES.join(', ')}`);
  return entry.rgb;
}

export function gridOf(position: PositionName): { gx: number; gy: number } {
  for (let row = 0; row < 3; row++) {
    const col = (POSITION_GRID[row] as readonly string[]).indexOf(position);
    if (col >= 0) return { gx: GRID[col]!, gy: GRID[row]! };
  }
  throw new Error(`Unknown position "${position}"; valid positions: ${POSITIONS.join(', ')}`);
}

export interface RandomShapeOptions {
  shape?: ShapeName;
  color?: ColorName;
  size?: SizeName;
  /** Ignored (forced to "center") when the size is large. */
  position?: PositionName;
  /** Probability of a large object when size is not fixed (default 0.5). */
  largeProbability?: number;
}

/**
 * Draws one object. Unfixed attributes are uniform; jitter is uniform in
 * [-0.03, 0.03]·S on each axis. Always consumes the same number of draws, so
 * fixing an attribute does not shift the stream for the others.
 */
export function randomShapeSpec(rng: Rng, opts: RandomShapeOptions = {}): ShapeSpec {
  const drawnShape = rng.choice(SHAPES);
  const drawnColor = rng.choice(COLOR_NAMES);
  const drawnLarge = rng.uniform() < (opts.largeProbability ?? 0.5);
  const drawnPosition = rng.choice(POSITIONS);
  const jx = rng.range(-JITTER, JITTER);
  const jy = rng.range(-JITTER, JITTER);
  const size: SizeName = opts.size ?? (drawnLarge ? 'large' : 'small');
  return makeShapeSpec({
    shape: opts.shape ?? drawnShape,
    color: opts.color ?? drawnColor,
    size,
    position: size === 'large' ? 'center' : (opts.position ?? drawnPosition),
    jx,
    jy,
  });
}

/** A spec from attributes and jitter (fractions of S); large objects are centred. */
export function makeShapeSpec(a: ShapeAttributes & { jx?: number; jy?: number }): ShapeSpec {
  if (!SHAPES.includes(a.shape)) throw new Error(`Unknown shape "${a.shape}"; valid shapes: ${SHAPES.join(', ')}`);
  colorRgb(a.color); // validates
  if (!SIZES.includes(a.size)) throw new Error(`Unknown size "${a.size}"; valid sizes: ${SIZES.join(', ')}`);
  if (a.size === 'large' && a.position !== 'center') throw new Error(`Large objects are always "center", got "${a.position}"`);
  const jx = a.jx ?? 0;
  const jy = a.jy ?? 0;
  if (Math.abs(jx) > JITTER || Math.abs(jy) > JITTER) throw new Error(`Jitter (${jx}, ${jy}) exceeds ±${JITTER}`);
  const { gx, gy } = gridOf(a.position);
  return { shape: a.shape, color: a.color, size: a.size, position: a.position, gx, gy, cx: gx + jx, cy: gy + jy, extent: EXTENT[a.size] };
}

/** Just the attributes of a spec (the dataset's metadata). */
export function attributesOf(spec: ShapeSpec): ShapeAttributes {
  return { shape: spec.shape, color: spec.color, size: spec.size, position: spec.position };
}
