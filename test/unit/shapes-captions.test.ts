import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../models/data/rng';
import { randomShapeSpec, shapeCaptions, type ShapeSpec } from '../../models/data/shapes';

// The rules' synonyms and templates, written out independently of the code.
const SIZE_WORDS: Record<string, string[]> = { small: ['small', 'little', 'tiny'], large: ['large', 'big', 'huge'] };
const SHAPE_WORDS: Record<string, string[]> = { circle: ['circle', 'disk'], square: ['square', 'box'], triangle: ['triangle'] };
const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'cyan', 'white'];
const POSITIONS = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'];
const VOCABULARY = new Set(
  ['a', 'there', 'is', 'colored', 'the', 'in', 'at', 'on', 'middle', ...COLORS, ...POSITIONS.join(' ').split(' '), ...Object.values(SIZE_WORDS).flat(), ...Object.values(SHAPE_WORDS).flat()],
);

const SIZE = '(small|little|tiny|large|big|huge)';
const COLOR = `(${COLORS.join('|')})`;
const SHAPE = '(circle|disk|square|box|triangle)';
const PP = `((?:in|at|on) the (?:${POSITIONS.join('|')})|in the middle)`;
/** Template regexes; groups are named by what they capture. */
const TEMPLATES: { re: RegExp; groups: string[] }[] = [
  { re: new RegExp(`^a ${SIZE} ${COLOR} ${SHAPE} ${PP}$`), groups: ['size', 'color', 'shape', 'pp'] },
  { re: new RegExp(`^${SIZE} ${COLOR} ${SHAPE} ${PP}$`), groups: ['size', 'color', 'shape', 'pp'] },
  { re: new RegExp(`^there is a ${SIZE} ${COLOR} ${SHAPE} ${PP}$`), groups: ['size', 'color', 'shape', 'pp'] },
  { re: new RegExp(`^a ${COLOR} ${SHAPE} ${PP}$`), groups: ['color', 'shape', 'pp'] },
  { re: new RegExp(`^a ${SIZE} ${SHAPE} ${PP} colored ${COLOR}$`), groups: ['size', 'shape', 'pp', 'color'] },
  { re: new RegExp(`^${PP} is a ${SIZE} ${COLOR} ${SHAPE}$`), groups: ['pp', 'size', 'color', 'shape'] },
];

/** Which template a caption comes from and the words it used (first matching template wins). */
function parse(caption: string): { template: number; words: Record<string, string> } | undefined {
  for (let t = 0; t < TEMPLATES.length; t++) {
    const m = TEMPLATES[t]!.re.exec(caption);
    if (m) return { template: t, words: Object.fromEntries(TEMPLATES[t]!.groups.map((g, i) => [g, m[i + 1]!])) };
  }
  return undefined;
}

function checkAgainstSpec(caption: string, spec: ShapeSpec): number {
  const parsed = parse(caption);
  assert.ok(parsed, `caption "${caption}" matches no template`);
  const { words } = parsed;
  assert.equal(words.color, spec.color, caption);
  assert.ok(SHAPE_WORDS[spec.shape]!.includes(words.shape!), caption);
  if (words.size !== undefined) assert.ok(SIZE_WORDS[spec.size]!.includes(words.size), caption);
  if (spec.size === 'large') assert.ok(['in the center', 'in the middle'].includes(words.pp!), caption);
  else assert.match(words.pp!, new RegExp(`^(in|at|on) the ${spec.position}$`), caption);
  return parsed.template;
}

test('captions are lower case, use only the vocabulary, and match the spec', () => {
  const rng = new Rng(1);
  for (let i = 0; i < 500; i++) {
    const spec = randomShapeSpec(rng);
    const captions = shapeCaptions(spec, rng);
    assert.equal(captions.length, 10);
    for (const c of captions) {
      assert.equal(c, c.toLowerCase());
      for (const w of c.split(' ')) assert.ok(VOCABULARY.has(w), `word "${w}" in "${c}"`);
      checkAgainstSpec(c, spec);
    }
  }
});

test('every item\'s 10 captions cover all 6 templates', () => {
  const rng = new Rng(2);
  for (let i = 0; i < 200; i++) {
    const spec = randomShapeSpec(rng);
    const used = new Set(shapeCaptions(spec, rng).map((c) => checkAgainstSpec(c, spec)));
    assert.equal(used.size, 6);
  }
  assert.equal(shapeCaptions(randomShapeSpec(rng), rng, 3).length, 3);
  assert.equal(shapeCaptions(randomShapeSpec(rng), rng, 25).length, 25);
});

test('all synonyms and position phrasings appear over many draws', () => {
  const rng = new Rng(3);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const spec = randomShapeSpec(rng);
    for (const c of shapeCaptions(spec, rng)) {
      const { words } = parse(c)!;
      for (const v of Object.values(words)) seen.add(v);
      seen.add(words.pp!.split(' ')[0]!);
    }
  }
  for (const w of [...Object.values(SIZE_WORDS).flat(), ...Object.values(SHAPE_WORDS).flat(), 'in', 'at', 'on', 'in the middle', 'in the center', 'on the top left']) {
    assert.ok(seen.has(w), `never saw "${w}"`);
  }
});

test('captions are deterministic from the rng', () => {
  const spec = randomShapeSpec(new Rng(9));
  assert.deepEqual(shapeCaptions(spec, new Rng(4)), shapeCaptions(spec, new Rng(4)));
  assert.notDeepEqual(shapeCaptions(spec, new Rng(4)), shapeCaptions(spec, new Rng(5)));
});
