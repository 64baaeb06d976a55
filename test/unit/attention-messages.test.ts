import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAttentionMessage, parseHostToAttention } from '../../protocol/attention';
import { captionAt, captionLineAt } from '../../extension/captionLocate';

test('panel → host messages are validated and rebuilt', () => {
  assert.deepEqual(parseAttentionMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.deepEqual(parseAttentionMessage({ type: 'generate', caption: '  a red circle ', seed: 3, x: 'y' }), { type: 'generate', caption: 'a red circle', seed: 3 });
  assert.equal(parseAttentionMessage({ type: 'generate', caption: '   ', seed: 3 }), undefined);
  assert.equal(parseAttentionMessage({ type: 'generate', caption: 'x'.repeat(501), seed: 3 }), undefined);
  assert.equal(parseAttentionMessage({ type: 'generate', caption: 'a', seed: 1.5 }), undefined);
  assert.equal(parseAttentionMessage({ type: 'generate', caption: 'a', seed: -1 }), undefined);
  assert.deepEqual(parseAttentionMessage({ type: 'live', on: true }), { type: 'live', on: true });
  assert.equal(parseAttentionMessage({ type: 'live', on: 'yes' }), undefined);
  assert.equal(parseAttentionMessage({ type: 'runCommand', command: 'rm' }), undefined);
  assert.equal(parseAttentionMessage(null), undefined);
  assert.equal(parseAttentionMessage('ready'), undefined);
});

test('host → panel messages are checked before drawing', () => {
  const result = {
    caption: 'a red circle', seed: 0, configName: 'c', image: 'data:image/png;base64,AAAA', step: 6, method: 'xmcgan', unknownWords: [],
    attention: { words: ['red', 'circle'], stages: [{ name: 'g16', size: 2, maps: [[0, 1, 0, 0], [1, 0, 0, 0]] }] },
  };
  assert.ok(parseHostToAttention({ type: 'result', result }));
  assert.ok(parseHostToAttention({ type: 'result', result: { ...result, attention: undefined } }));
  assert.equal(parseHostToAttention({ type: 'result', result: { ...result, image: 'javascript:alert(1)' } }), undefined);
  const bad = { ...result, attention: { words: ['red'], stages: [{ name: 'g16', size: 2, maps: [[0, 1, 0]] }] } };
  assert.equal(parseHostToAttention({ type: 'result', result: bad }), undefined);
  assert.ok(parseHostToAttention({ type: 'live', configName: 'c', step: 3, hasAttention: false, cells: [{ caption: 'x', image: 'data:image/png;base64,AA' }] }));
  assert.equal(parseHostToAttention({ type: 'live', step: 3, cells: [{ caption: 'x', image: 'http://evil' }] }), undefined);
  assert.equal(parseHostToAttention({ type: 'nope' }), undefined);
});

test('captionAt finds caption strings in caption arrays of a config, not keys or other strings', () => {
  const text = '{\n  "name": "demo",\n  "preview": { "count": 2, "captions": ["a red circle", "a \\"blue\\" square"] },\n  "method": "baseline"\n}\n';
  const at = (needle: string, delta = 2) => captionAt(text, text.indexOf(needle) + delta);
  assert.deepEqual(at('a red circle'), { caption: 'a red circle', start: text.indexOf('"a red circle"'), end: text.indexOf('"a red circle"') + 14 });
  assert.equal(at('a \\"blue')?.caption, 'a "blue" square');
  assert.equal(at('"demo"'), undefined, 'a plain value');
  assert.equal(at('"captions"'), undefined, 'a key');
  assert.equal(at('"baseline"'), undefined);
  assert.equal(captionAt('{"captions": "one caption"}', 16)?.caption, 'one caption');
});

test('captionLineAt takes the trimmed line, skipping blanks and comments', () => {
  assert.equal(captionLineAt('  a red circle  '), 'a red circle');
  assert.equal(captionLineAt('   '), undefined);
  assert.equal(captionLineAt('# comment'), undefined);
});
