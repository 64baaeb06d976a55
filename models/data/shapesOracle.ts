// The shapes oracle: reads colour, shape, size and position back from an
// image using only the dataset's published rules, and scores generated
// images against the attributes their captions name.
import {
  COLORS,
  GRID,
  POSITION_GRID,
  type ColorName,
  type PositionName,
  type ShapeAttributes,
  type ShapeName,
  type SizeName,
} from './shapesSpec';

/** Foreground: largest per-channel difference from black greater than this. */
export const FOREGROUND_THRESHOLD = 64;
/** Bounding-box width below this fraction of S reads as small. */
export const SMALL_WIDTH_FRACTION = 0.48;
export const SQUARE_MIN_FILL = 0.9; // fill > this: square
export const CIRCLE_MIN_FILL = 0.65; // 0.65 <= fill <= 0.90: circle; below: triangle

export interface ForegroundMeasure {
  /** Pixels in the largest 4-connected foreground component. */
  area: number;
  /** Inclusive pixel bounding box. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Per-channel median colour of the component. */
  median: [number, number, number];
}

/** Measures the largest 4-connected foreground component, or undefined if there is none. */
export function measureForeground(rgb: Uint8Array, S: number): ForegroundMeasure | undefined {
  const n = S * S;
  if (rgb.length < n * 3) throw new Error(`Oracle expected ${n * 3} RGB bytes for S=${S}, got ${rgb.length}`);
  const isForeground = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const o = p * 3;
    isForeground[p] = Math.max(rgb[o]!, rgb[o + 1]!, rgb[o + 2]!) > FOREGROUND_THRESHOLD ? 1 : 0;
  }
  // Label components by flood fill; remember the largest.
  const component = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let best = -1;
  let bestSize = 0;
  let id = 0;
  for (let start = 0; start < n; start++) {
    if (!isForeground[start] || component[start] !== -1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    component[start] = id;
    while (head < tail) {
      const p = queue[head++]!;
      const x = p % S;
      // 4-neighbours: left, right, up, down (-1 marks "off the canvas").
      for (let k = 0; k < 4; k++) {
        const q = k === 0 ? (x > 0 ? p - 1 : -1) : k === 1 ? (x < S - 1 ? p + 1 : -1) : k === 2 ? p - S : p + S;
        if (q < 0 || q >= n || !isForeground[q] || component[q] !== -1) continue;
        component[q] = id;
        queue[tail++] = q;
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      best = id;
    }
    id++;
  }
  if (best < 0) return undefined;

  let x0 = S;
  let x1 = -1;
  let y0 = S;
  let y1 = -1;
  const channels = [new Uint8Array(bestSize), new Uint8Array(bestSize), new Uint8Array(bestSize)] as const;
  let k = 0;
  for (let p = 0; p < n; p++) {
    if (component[p] !== best) continue;
    const x = p % S;
    const y = (p - x) / S;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    channels[0][k] = rgb[p * 3]!;
    channels[1][k] = rgb[p * 3 + 1]!;
    channels[2][k] = rgb[p * 3 + 2]!;
    k++;
  }
  const median = channels.map(medianOf) as [number, number, number];
  return { area: bestSize, x0, x1, y0, y1, median };
}

function medianOf(values: Uint8Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function nearestColor(rgb: readonly number[]): ColorName {
  let best: ColorName = COLORS[0].name;
  let bestDistance = Infinity;
  for (const c of COLORS) {
    const d = (rgb[0]! - c.rgb[0]) ** 2 + (rgb[1]! - c.rgb[1]) ** 2 + (rgb[2]! - c.rgb[2]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = c.name;
    }
  }
  return best;
}

function nearestGridIndex(fraction: number): number {
  let best = 0;
  for (let i = 1; i < GRID.length; i++) if (Math.abs(fraction - GRID[i]!) < Math.abs(fraction - GRID[best]!)) best = i;
  return best;
}

/** The oracle's reading of an S×S RGB image, or undefined when nothing is in the foreground. */
export function readShapeImage(rgb: Uint8Array, S: number): ShapeAttributes | undefined {
  const m = measureForeground(rgb, S);
  if (!m) return undefined;
  const w = m.x1 - m.x0 + 1;
  const h = m.y1 - m.y0 + 1;
  const size: SizeName = w < SMALL_WIDTH_FRACTION * S ? 'small' : 'large';
  const fill = m.area / (w * h);
  const shape: ShapeName = fill > SQUARE_MIN_FILL ? 'square' : fill >= CIRCLE_MIN_FILL ? 'circle' : 'triangle';
  let position: PositionName = 'center';
  if (size === 'small') {
    // Pixel i spans [i, i+1), so the box centre is (x0 + x1 + 1) / 2.
    const col = nearestGridIndex((m.x0 + m.x1 + 1) / 2 / S);
    const row = nearestGridIndex((m.y0 + m.y1 + 1) / 2 / S);
    position = POSITION_GRID[row]![col]!;
  }
  return { color: nearestColor(m.median), shape, size, position };
}

const SHAPE_WORDS: Record<string, ShapeName> = { circle: 'circle', disk: 'circle', square: 'square', box: 'square', triangle: 'triangle' };
const SIZE_WORDS: Record<string, SizeName> = { small: 'small', little: 'small', tiny: 'small', large: 'large', big: 'large', huge: 'large' };
const POSITION_PHRASE = /\b(?:in|at|on) the (top left|top right|bottom left|bottom right|top|bottom|left|right|center|middle)\b/;

/** The attributes a caption names (size is absent from some templates). */
export function parseShapeCaption(caption: string): Partial<ShapeAttributes> {
  const text = caption.toLowerCase();
  const words = text.split(/[^a-z]+/).filter(Boolean);
  const found: Partial<ShapeAttributes> = {};
  for (const word of words) {
    const color = COLORS.find((c) => c.name === word);
    if (color && !found.color) found.color = color.name;
    if (SHAPE_WORDS[word] && !found.shape) found.shape = SHAPE_WORDS[word];
    if (SIZE_WORDS[word] && !found.size) found.size = SIZE_WORDS[word];
  }
  const place = POSITION_PHRASE.exec(text);
  if (place) found.position = place[1] === 'middle' ? 'center' : (place[1] as PositionName);
  return found;
}

export type OracleAttribute = keyof ShapeAttributes;
export const ORACLE_ATTRIBUTES: readonly OracleAttribute[] = ['color', 'shape', 'size', 'position'];

export interface OracleItem {
  image: Uint8Array;
  S: number;
  /** The caption the image was generated from; its named attributes are the targets. */
  caption?: string;
  /** Explicit targets; used instead of parsing when given. */
  expected?: Partial<ShapeAttributes>;
}

export interface OracleScore {
  /** Fraction of items whose reading equals the target, per attribute (NaN when no item names it). */
  accuracy: Record<OracleAttribute, number>;
  /** Items that named each attribute (the denominators). */
  counts: Record<OracleAttribute, number>;
  /** Fraction of items where every named attribute matches. */
  all: number;
  /** Items with no foreground at all (count as wrong on everything they name). */
  unreadable: number;
  items: number;
}

export function scoreOracle(items: readonly OracleItem[]): OracleScore {
  const correct = { color: 0, shape: 0, size: 0, position: 0 };
  const counts = { color: 0, shape: 0, size: 0, position: 0 };
  let allCorrect = 0;
  let unreadable = 0;
  for (const item of items) {
    const target = item.expected ?? parseShapeCaption(item.caption ?? '');
    const reading = readShapeImage(item.image, item.S);
    if (!reading) unreadable++;
    let every = true;
    for (const attr of ORACLE_ATTRIBUTES) {
      if (target[attr] === undefined) continue;
      counts[attr]++;
      if (reading && reading[attr] === target[attr]) correct[attr]++;
      else every = false;
    }
    if (every) allCorrect++;
  }
  const accuracy = Object.fromEntries(ORACLE_ATTRIBUTES.map((a) => [a, counts[a] ? correct[a] / counts[a] : NaN])) as Record<OracleAttribute, number>;
  return { accuracy, counts, all: items.length ? allCorrect / items.length : NaN, unreadable, items: items.length };
}
