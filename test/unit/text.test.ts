import { lengthsOf } from '../../models/text/lengths';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../../models/text/tokenize';
import { END_TOKEN, Vocabulary } from '../../models/text/vocabulary';

test('tokenize lower-cases, splits on word runs, then drops non-ASCII per token', () => {
  assert.deepEqual(tokenize('A Red, CIRCLE!  in the top-left'), ['a', 'red', 'circle', 'in', 'the', 'top', 'left']);
  assert.deepEqual(tokenize('café bird_2'), ['caf', 'bird_2']);
  assert.deepEqual(tokenize('red—blue ☃'), ['red', 'blue'], 'split first, then strip non-ASCII');
  assert.deepEqual(tokenize(' ... '), []);
});

test('vocabulary: index 0 is <end>, first-seen order, encode pads with 0', () => {
  const v = Vocabulary.fromCaptions(['a red circle', 'a blue square']);
  assert.deepEqual(v.words, [END_TOKEN, 'a', 'red', 'circle', 'blue', 'square']);
  const enc = v.encode('A blue circle', 5);
  assert.deepEqual([...enc.ids], [1, 4, 3, 0, 0]);
  assert.equal(enc.length, 3);
  assert.deepEqual(enc.unknown, []);
  assert.equal(v.decode(enc.ids), 'a blue circle');
});

test('unknown words are reported, not silently dropped', () => {
  const v = Vocabulary.fromCaptions(['a red circle']);
  const enc = v.encode('a green circle', 4);
  assert.deepEqual(enc.unknown, ['green']);
  assert.deepEqual([...enc.ids], [1, 3, 0, 0]);
});

test('long captions keep a random ordered subset (or a prefix without randomness)', () => {
  const words = 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9';
  const v = Vocabulary.fromCaptions([words]);
  assert.deepEqual([...v.encode(words, 4).ids], [1, 2, 3, 4]);
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const ids = [...v.encode(words, 4, rand).ids];
  assert.equal(ids.length, 4);
  assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'order kept');
  assert.equal(new Set(ids).size, 4);
  assert.notDeepEqual(ids, [1, 2, 3, 4], 'a subset, not the prefix (for this seed)');
});

test('vocabulary JSON round trip and bad file message', () => {
  const v = Vocabulary.fromCaptions(['x y']);
  assert.deepEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v))).words, v.words);
  assert.throws(() => Vocabulary.fromJSON({ nope: 1 }, 'run/vocab.json'), /run\/vocab\.json: expected/);
});

test('lengthsOf counts the words before the padding of each row', () => {
  const ids = tf.tensor2d([[4, 5, 6, 0, 0], [7, 0, 0, 0, 0], [1, 2, 3, 4, 5], [0, 0, 0, 0, 0]], [4, 5], 'int32');
  assert.deepEqual([...lengthsOf(ids)], [3, 1, 5, 0]);
  ids.dispose();
});
