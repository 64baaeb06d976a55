// Captions for the shapes dataset: six templates, lower case, with synonyms
// for size, shape and the position phrase chosen at random.
import type { Rng } from './rng';
import { COLOR_NAMES, POSITIONS, type ShapeAttributes, type ShapeName, type SizeName } from './shapesSpec';

export const SIZE_SYNONYMS: Record<SizeName, readonly string[]> = {
  small: ['small', 'little', 'tiny'],
  large: ['large', 'big', 'huge'],
};

export const SHAPE_SYNONYMS: Record<ShapeName, readonly string[]> = {
  circle: ['circle', 'disk'],
  square: ['square', 'box'],
  triangle: ['triangle'],
};

const PREPOSITIONS = ['in', 'at', 'on'] as const;
/** Large objects are always central and are described only this way. */
const LARGE_POSITION_PHRASES = ['in the center', 'in the middle'] as const;

interface Words {
  size: string;
  color: string;
  shape: string;
  pp: string;
}

/** The six templates, numbered as in the dataset rules (1-based in prose, 0-based here). */
export const CAPTION_TEMPLATES: readonly ((w: Words) => string)[] = [
  (w) => `a ${w.size} ${w.color} ${w.shape} ${w.pp}`,
  (w) => `${w.size} ${w.color} ${w.shape} ${w.pp}`,
  (w) => `there is a ${w.size} ${w.color} ${w.shape} ${w.pp}`,
  (w) => `a ${w.color} ${w.shape} ${w.pp}`,
  (w) => `a ${w.size} ${w.shape} ${w.pp} colored ${w.color}`,
  (w) => `${w.pp} is a ${w.size} ${w.color} ${w.shape}`,
];

/** The position phrase {pp}, e.g. "at the top left". */
export function positionPhrase(a: Pick<ShapeAttributes, 'size' | 'position'>, rng: Rng): string {
  if (a.size === 'large') return rng.choice(LARGE_POSITION_PHRASES);
  return `${rng.choice(PREPOSITIONS)} the ${a.position}`;
}

/** One caption from template `template` (0..5) with fresh synonyms. */
export function shapeCaption(a: ShapeAttributes, template: number, rng: Rng): string {
  const fill = CAPTION_TEMPLATES[template];
  if (!fill) throw new Error(`Caption template ${template} does not exist (0..${CAPTION_TEMPLATES.length - 1})`);
  return fill({
    size: rng.choice(SIZE_SYNONYMS[a.size]),
    color: a.color,
    shape: rng.choice(SHAPE_SYNONYMS[a.shape]),
    pp: positionPhrase(a, rng),
  });
}

/**
 * n captions for one object. Every template is used once before any repeats
 * (so 10 captions cover all six), in a random order.
 */
export function shapeCaptions(a: ShapeAttributes, rng: Rng, n = 10): string[] {
  const templates: number[] = [];
  while (templates.length < n) {
    const round = rng.shuffle(CAPTION_TEMPLATES.map((_, i) => i));
    templates.push(...round.slice(0, n - templates.length));
  }
  return rng.shuffle(templates).map((t) => shapeCaption(a, t, rng));
}

/** Every word a shapes caption can contain. */
export function captionVocabulary(): Set<string> {
  const text = [
    'a there is colored the',
    ...PREPOSITIONS,
    ...LARGE_POSITION_PHRASES,
    ...Object.values(SIZE_SYNONYMS).flat(),
    ...Object.values(SHAPE_SYNONYMS).flat(),
    ...COLOR_NAMES,
    ...POSITIONS,
  ].join(' ');
  return new Set(text.split(/\s+/));
}
