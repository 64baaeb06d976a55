import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../models/data/rng';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.uniform());

test('same seed, same sequence; different seeds differ', () => {
  assert.deepEqual(draw(new Rng(42), 100), draw(new Rng(42), 100));
  assert.notDeepEqual(draw(new Rng(42), 10), draw(new Rng(43), 10));
  // Seeds beyond 32 bits are distinct from their low word.
  assert.notDeepEqual(draw(new Rng(2 ** 32 + 5), 10), draw(new Rng(5), 10));
  assert.notDeepEqual(draw(new Rng(-5), 10), draw(new Rng(5), 10));
});

test('known values pin the algorithm (saved checkpoints and datasets depend on it)', () => {
  const rng = new Rng(0);
  assert.deepEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [4205396811, 3543653536, 1222415357]);
  assert.equal(new Rng(12345).uniform(), 0.5460953065240817);
});

test('state save/restore resumes exactly', () => {
  const rng = new Rng(7);
  draw(rng, 37);
  rng.normal();
  const state = rng.getState();
  assert.equal(state.length, 4);
  assert.ok(state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  const expected = [draw(rng, 20), rng.int(1000), rng.normal(), rng.shuffle([1, 2, 3, 4, 5, 6])];

  const restored = Rng.fromState(JSON.parse(JSON.stringify(state)) as number[]);
  assert.deepEqual([draw(restored, 20), restored.int(1000), restored.normal(), restored.shuffle([1, 2, 3, 4, 5, 6])], expected);

  const other = new Rng(999);
  other.setState(state);
  assert.deepEqual(draw(other, 20), expected[0]);
  const copy = rng.getState();
  copy[0] = 0;
  assert.notEqual(rng.getState()[0], 0, 'getState returns a copy');
});

test('setState rejects malformed state', () => {
  const rng = new Rng(1);
  assert.throws(() => rng.setState([1, 2, 3]), /four unsigned 32-bit integers/);
  assert.throws(() => rng.setState([1, 2, 3, -1]), /four unsigned 32-bit integers/);
  assert.throws(() => rng.setState([1, 2, 3, 2 ** 32]), /four unsigned 32-bit integers/);
  assert.throws(() => new Rng(Number.NaN), /finite/);
});

test('uniform, range and int stay in bounds and are roughly uniform', () => {
  const rng = new Rng(3);
  const counts = new Array(10).fill(0);
  let sum = 0;
  const n = 50000;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    const r = rng.range(-2, 5);
    assert.ok(r >= -2 && r < 5);
    counts[rng.int(10)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  for (const c of counts) assert.ok(Math.abs(c / n - 0.1) < 0.01, `bucket ${c}`);
  assert.throws(() => rng.int(0), /positive integer/);
  assert.throws(() => rng.int(2.5), /positive integer/);
});

test('normal has mean 0 and std 1', () => {
  const rng = new Rng(11);
  const n = 40000;
  const xs = Array.from({ length: n }, () => rng.normal());
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 1) < 0.03, `std ${Math.sqrt(variance)}`);
  assert.ok(xs.every(Number.isFinite));
  const shifted = new Rng(11).normal(10, 2);
  assert.equal(shifted, 10 + 2 * xs[0]!);
});

test('choice and shuffle', () => {
  const rng = new Rng(5);
  const items = ['a', 'b', 'c'] as const;
  const seen = new Set(Array.from({ length: 100 }, () => rng.choice(items)));
  assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  assert.throws(() => rng.choice([]), /empty/);

  const arr = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = rng.shuffle(arr);
  assert.equal(shuffled, arr, 'shuffles in place');
  assert.deepEqual([...arr].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(arr, Array.from({ length: 50 }, (_, i) => i));
});

test('fork gives deterministic, independent streams', () => {
  const a = new Rng(8);
  const b = new Rng(8);
  const fa = a.fork();
  const fb = b.fork();
  assert.deepEqual(draw(fa, 10), draw(fb, 10));
  assert.deepEqual(draw(a, 10), draw(b, 10));
  assert.notDeepEqual(draw(new Rng(8).fork(), 10), draw(new Rng(8), 10));
});
