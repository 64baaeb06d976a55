import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSafetensors, encodeSafetensors } from '../../models/train/safetensors';

test('round trip is bit-exact, header 8-byte aligned, metadata kept', () => {
  const a = Float32Array.from([1.5, -0, NaN, 3.4028234663852886e38, 1e-45, Math.PI]);
  const b = Int32Array.from([-2147483648, 0, 7]);
  const buf = encodeSafetensors([['g/w', { dtype: 'F32', shape: [2, 3], data: a }], ['n', { dtype: 'I32', shape: [3], data: b }]], { k: 'v' });
  const n = Number(buf.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const out = decodeSafetensors(buf);
  assert.deepEqual(out.metadata, { k: 'v' });
  const ga = out.tensors.get('g/w')!;
  assert.deepEqual(ga.shape, [2, 3]);
  assert.deepEqual(Buffer.from(ga.data.buffer), Buffer.from(a.buffer), 'bit-exact including NaN and -0');
  assert.deepEqual([...out.tensors.get('n')!.data], [...b]);
});

test('truncated and corrupt files give clear errors', () => {
  const buf = encodeSafetensors([['w', { dtype: 'F32', shape: [4], data: new Float32Array(4) }]]);
  assert.throws(() => decodeSafetensors(buf.subarray(0, 5)), /shorter than its 8-byte header/);
  assert.throws(() => decodeSafetensors(buf.subarray(0, buf.length - 4)), /tensor "w".*truncated/);
  const corrupt = Buffer.from(buf);
  corrupt[9] = 0x7b; // breaks the JSON
  corrupt[10] = 0x7b;
  assert.throws(() => decodeSafetensors(corrupt), /corrupt safetensors header/);
  const huge = Buffer.from(buf);
  huge.writeBigUInt64LE(BigInt(1e9), 0);
  assert.throws(() => decodeSafetensors(huge), /truncated: header length/);
});

test('a tensor whose data does not match its shape is refused when writing', () => {
  assert.throws(() => encodeSafetensors([['w', { dtype: 'F32', shape: [5], data: new Float32Array(4) }]]), /tensor w: 16 bytes for shape \[5\]/);
});
