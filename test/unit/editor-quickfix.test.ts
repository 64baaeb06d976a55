// The pure parts of the editor's config diagnostics: the offset-keeping JSON
// parser, pointer resolution, and what each quick fix would write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConfigText } from '../../models/config/checkConfigText';
import { orderedReplacements } from '../../models/config/nearest';
import { parseJsonTree, pointerTokens, problemRange, propertyDeletionRange, resolvePointer } from '../../extension/jsonPointerRange';

const text = JSON.stringify({ method: 'baseline', 'a/b': { '~x': [10, 20] }, dataset: { kind: 'shapes', extra: true, count: 50 } }, null, 2);

test('the tree keeps exact offsets, and pointers unescape ~1 and ~0', () => {
  const root = parseJsonTree(text)!;
  assert.deepEqual(pointerTokens('/a~1b/~0x/1'), ['a/b', '~x', '1']);
  const hit = resolvePointer(root, '/a~1b/~0x/1');
  assert.ok(hit.complete);
  assert.equal(text.slice(hit.node.start, hit.node.end), '20');
  const miss = resolvePointer(root, '/dataset/holdout/0');
  assert.equal(miss.complete, false);
  assert.equal(text.slice(miss.property!.keyRange.start, miss.property!.keyRange.end), '"dataset"');
  assert.equal(parseJsonTree('{"a": 1,}'), undefined);
  assert.equal(parseJsonTree('{"a": 1} x'), undefined);
});

function applyDeletion(src: string, pointer: string): string {
  const r = propertyDeletionRange(src, pointer)!;
  assert.ok(r, `a deletion range for ${pointer}`);
  return src.slice(0, r.start) + src.slice(r.end);
}

test('removing an unknown field leaves valid JSON without it, wherever it sits', () => {
  for (const [pointer, parent] of [['/dataset/extra', 'dataset'], ['/dataset/kind', 'dataset'], ['/dataset/count', 'dataset'], ['/method', '']] as const) {
    const out = JSON.parse(applyDeletion(text, pointer));
    const obj = parent ? out[parent] : out;
    assert.equal(pointer.split('/').pop()! in obj, false, pointer);
    assert.equal(Object.keys(obj).length, Object.keys(parent ? JSON.parse(text)[parent] : JSON.parse(text)).length - 1);
  }
  assert.deepEqual(JSON.parse(applyDeletion('{"only": 1}', '/only')), {});
});

test('the remove quick fix turns an unknown-key config valid', () => {
  const bad = JSON.stringify({ method: 'baseline', lerningRate: 0.1, dataset: { kind: 'shapes' } }, null, 2);
  const [p] = checkConfigText(bad, 'x.t2i.json').problems;
  assert.equal(p!.code, 'unknown-key');
  const fixed = applyDeletion(bad, p!.pointer);
  assert.deepEqual(checkConfigText(fixed, 'x.t2i.json').problems, []);
});

test('a misspelt key offers the field meant, and renaming fixes it', () => {
  const bad = JSON.stringify({ method: 'baseline', dataset: { kind: 'shapes' }, train: { stpes: 10 } }, null, 2);
  const [p] = checkConfigText(bad, 'x.t2i.json').problems;
  assert.deepEqual(p!.allowed, ['steps']);
  const r = problemRange(bad, p!);
  const fixed = bad.slice(0, r.start) + JSON.stringify(p!.allowed![0]) + bad.slice(r.end);
  assert.equal(checkConfigText(fixed, 'x.t2i.json').cfg?.train.steps, 10);
});

test('a holdout name outside the palette is replaced by the nearest valid one first', () => {
  const bad = JSON.stringify({ method: 'baseline', dataset: { kind: 'shapes', holdout: [['purpel', 'circel']] } }, null, 2);
  const problems = checkConfigText(bad, 'x.t2i.json').problems;
  assert.equal(problems.length, 2);
  const [colour, shape] = problems;
  assert.equal(orderedReplacements('purpel', colour!.allowed!)[0], 'purple');
  assert.equal(orderedReplacements('circel', shape!.allowed!)[0], 'circle');
  assert.ok(orderedReplacements('purpel', colour!.allowed!).length <= 3);
});

test('an image size the method cannot do offers each supported size, nearest first', () => {
  const bad = JSON.stringify({ method: 'baseline', imageSize: 256, dataset: { kind: 'shapes' } });
  const [p] = checkConfigText(bad, 'x.t2i.json').problems;
  assert.deepEqual(p!.allowed, [32, 64, 128]);
  assert.deepEqual(orderedReplacements(256, p!.allowed!), [128, 64, 32]);
  for (const size of orderedReplacements(256, p!.allowed!)) {
    const r = problemRange(bad, p!);
    const fixed = bad.slice(0, r.start) + JSON.stringify(size) + bad.slice(r.end);
    assert.equal(checkConfigText(fixed, 'x.t2i.json').cfg?.imageSize, size);
  }
});

test('a missing dataset folder is a path problem on /dataset/root (the "Choose folder…" fix)', () => {
  const bad = JSON.stringify({ method: 'baseline', dataset: { kind: 'folder', root: 'nowhere' } });
  const [p] = checkConfigText(bad, '/tmp/x.t2i.json', { checkPaths: true }).problems;
  assert.equal(p!.code, 'path');
  assert.equal(p!.pointer, '/dataset/root');
  // Without the path check (viewing a run's snapshot) the same config is valid.
  assert.deepEqual(checkConfigText(bad, '/tmp/x.t2i.json').problems, []);
});
