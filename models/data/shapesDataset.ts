// The procedural shapes dataset as a T2IDataset: items are drawn
// deterministically from the seed, held-out [colour, shape] pairs go only to
// the test split, and images are rendered on first use and cached.
import type { DatasetSplit, T2IDataset } from './dataset';
import { Rng } from './rng';
import { shapeCaptions } from './shapesCaptions';
import { renderShape } from './shapesRender';
import {
  COLOR_NAMES,
  NUM_CLASSES,
  SHAPES,
  attributesOf,
  labelOf,
  randomShapeSpec,
  type ColorName,
  type ShapeAttributes,
  type ShapeName,
  type ShapeSpec,
} from './shapesSpec';

export const CAPTIONS_PER_ITEM = 10;
export const DEFAULT_TEST_FRACTION = 0.1;
const DEFAULT_MAX_CACHE_BYTES = 1 << 30;

export interface ShapesDatasetOptions {
  /** Total number of images (train + test). */
  count: number;
  seed: number;
  /** Image side S in pixels. */
  size: number;
  /** [colour, shape] pairs that never appear in training. */
  holdout?: readonly (readonly [string, string])[];
  /** Share of the non-held-out images that go to test (default 0.1). */
  testFraction?: number;
  /** Memory for cached renders (default 1 GiB); past it, images are re-rendered on each call. */
  maxCacheBytes?: number;
}

export type ShapeSplitName = 'train' | 'test';

export interface ShapeItem {
  /** Position in generation order (also the file number written by the shapes command). */
  index: number;
  spec: ShapeSpec;
  captions: string[];
  label: number;
  split: ShapeSplitName;
  /** True when the item's [colour, shape] pair is held out. */
  heldOut: boolean;
}

export interface ShapesSplit extends DatasetSplit {
  attributes(i: number): ShapeAttributes;
  spec(i: number): ShapeSpec;
  /** The item behind split index i (its global index, captions, ...). */
  item(i: number): ShapeItem;
}

export interface ShapesDataset extends T2IDataset {
  readonly kind: 'shapes';
  readonly numClasses: number;
  readonly train: ShapesSplit;
  readonly test: ShapesSplit;
  readonly holdout: readonly [ColorName, ShapeName][];
  /** All items in generation order. */
  readonly items: readonly ShapeItem[];
}

/** Checks holdout pairs; the error names the bad value and lists the valid ones. */
export function validateHoldout(holdout: readonly (readonly [string, string])[]): [ColorName, ShapeName][] {
  const valid: [ColorName, ShapeName][] = [];
  const seen = new Set<string>();
  holdout.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new Error(`Holdout entry ${i} must be a [colour, shape] pair, got ${JSON.stringify(pair)}`);
    }
    const [color, shape] = pair;
    const isColor = (COLOR_NAMES as readonly string[]).includes(color);
    const isShape = (SHAPES as readonly string[]).includes(shape);
    if (!isColor && (SHAPES as readonly string[]).includes(color) && (COLOR_NAMES as readonly string[]).includes(shape)) {
      throw new Error(`Holdout entry ${i} ${JSON.stringify(pair)} is reversed: entries are [colour, shape], e.g. ["${shape}", "${color}"]`);
    }
    if (!isColor) throw new Error(`Unknown colour "${color}" in holdout entry ${i}; valid colours: ${COLOR_NAMES.join(', ')}`);
    if (!isShape) throw new Error(`Unknown shape "${shape}" in holdout entry ${i}; valid shapes: ${SHAPES.join(', ')}`);
    const key = `${color}/${shape}`;
    if (!seen.has(key)) valid.push([color as ColorName, shape as ShapeName]);
    seen.add(key);
  });
  return valid;
}

function validateOptions(opts: ShapesDatasetOptions): void {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`Shapes count must be a positive integer, got ${opts.count}`);
  if (!Number.isInteger(opts.size) || opts.size < 16) throw new Error(`Shapes image size must be an integer >= 16, got ${opts.size}`);
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`Shapes seed must be an integer, got ${opts.seed}`);
  const f = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(f >= 0 && f < 1)) throw new Error(`Shapes testFraction must be in [0, 1), got ${f}`);
}

/**
 * Draws every item. Classes come in shuffled blocks of 24 so each
 * [colour, shape] pair appears count/24 times (±1); size, position and jitter
 * are random. Independent streams for classes, specs, captions and the split
 * keep item i's spec and captions the same for any count > i.
 */
export function generateShapeItems(opts: ShapesDatasetOptions): ShapeItem[] {
  validateOptions(opts);
  const holdout = validateHoldout(opts.holdout ?? []);
  const heldOutKeys = new Set(holdout.map(([c, s]) => `${c}/${s}`));
  const root = new Rng(opts.seed);
  const classRng = root.fork();
  const specRng = root.fork();
  const captionRng = root.fork();
  const splitRng = root.fork();

  const items: ShapeItem[] = [];
  let block: number[] = [];
  for (let index = 0; index < opts.count; index++) {
    if (block.length === 0) block = classRng.shuffle(Array.from({ length: NUM_CLASSES }, (_, k) => k));
    const label = block.pop()!;
    const shape = SHAPES[Math.floor(label / COLOR_NAMES.length)]!;
    const color = COLOR_NAMES[label % COLOR_NAMES.length]!;
    const spec = randomShapeSpec(specRng, { shape, color });
    const captions = shapeCaptions(spec, captionRng, CAPTIONS_PER_ITEM);
    const heldOut = heldOutKeys.has(`${color}/${shape}`);
    items.push({ index, spec, captions, label: labelOf(shape, color), split: heldOut ? 'test' : 'train', heldOut });
  }

  const candidates = items.filter((it) => !it.heldOut);
  const testCount = Math.round((opts.testFraction ?? DEFAULT_TEST_FRACTION) * candidates.length);
  for (const it of splitRng.shuffle(candidates).slice(0, testCount)) it.split = 'test';
  return items;
}

export function buildShapesDataset(opts: ShapesDatasetOptions): ShapesDataset {
  const items = generateShapeItems(opts);
  const holdout = validateHoldout(opts.holdout ?? []);
  const S = opts.size;
  const train = items.filter((it) => it.split === 'train');
  const test = items.filter((it) => it.split === 'test');
  if (train.length === 0) {
    throw new Error(`Shapes dataset has no training images (count ${opts.count}, ${holdout.length} held-out pairs)`);
  }

  // One cache for both splits, keyed by global index.
  const cache: (Uint8Array | undefined)[] = new Array(items.length);
  const maxCacheBytes = opts.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES;
  let cachedBytes = 0;
  const imageOf = (item: ShapeItem): Uint8Array => {
    let img = cache[item.index];
    if (!img) {
      img = renderShape(item.spec, S);
      if (cachedBytes + img.length <= maxCacheBytes) {
        cache[item.index] = img;
        cachedBytes += img.length;
      }
    }
    // A copy, so callers may augment in place without corrupting the cache.
    return img.slice();
  };

  const makeSplit = (name: ShapeSplitName, members: ShapeItem[]): ShapesSplit => {
    const at = (i: number): ShapeItem => {
      const item = members[i];
      if (!item) throw new RangeError(`Shapes ${name} index ${i} is out of range (0..${members.length - 1})`);
      return item;
    };
    return {
      length: members.length,
      image: (i) => imageOf(at(i)),
      captions: (i) => at(i).captions.slice(),
      label: (i) => at(i).label,
      attributes: (i) => attributesOf(at(i).spec),
      spec: (i) => ({ ...at(i).spec }),
      item: at,
    };
  };

  return {
    kind: 'shapes',
    size: S,
    numClasses: NUM_CLASSES,
    train: makeSplit('train', train),
    test: makeSplit('test', test),
    holdout,
    items,
  };
}
