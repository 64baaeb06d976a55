// Our C++ kernels (native/t2i_kernels.cc) as the wasm backend uses them: how they are chosen
// and reported, that they refuse bad arguments instead of touching memory outside the heap,
// that results do not depend on thread timing, that their threads never hold a process open,
// and that the build script degrades to one line when it cannot compile. The kernels' values
// are checked against cpu in backend-kernels.test.ts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../models/backend/select';
import { seededTensor } from '../../models/backend/backendCompare';
import { addonHeap, loadAddonKernels, setAddonThreads, type AddonKernels } from '../../models/backend/kernels/addonKernels';

const root = path.resolve(__dirname, '../..');
const state = loadAddonKernels();
const skip = !state.ok && !process.env.CI && 'our C++ kernels are not built here';
const kernels = (): AddonKernels => {
  assert.ok(state.ok, state.ok ? '' : state.reason);
  return state.kernels;
};

before(async () => {
  if (skip) return;
  const info = await initBackend({ choice: 'wasm', threads: 2 });
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 2, JSON.stringify(info));
  // The addon takes the threads; wasm itself runs single-threaded beside it.
  assert.match(info.attempts[0].reason ?? '', /^simd; native kernels (avx2\+fma|generic) x2$/);
});

test('arguments outside the wasm heap are refused with a clear error, and nothing is written', { skip }, () => {
  const k = kernels();
  const heap = addonHeap(tf.backend() as BackendWasm);
  const beyond = heap.length - 10;
  assert.throws(() => k.gemm(heap, Int32Array.of(0, 0, beyond, 1, 4, 4, 4, 0, 0, 0, 0, 0)), (e: Error) => e instanceof RangeError && /C lies outside the wasm heap/.test(e.message));
  assert.throws(() => k.gemm(heap, Int32Array.of(-4, 0, 0, 1, 2, 2, 2, 0, 0, 0, 0, 0)), /A lies outside the wasm heap/);
  assert.throws(() => k.conv2d(heap, Int32Array.of(1, 4, 4, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, beyond)), /output lies outside the wasm heap/);
  assert.throws(() => k.conv2d(heap, Int32Array.of(1, 4, 4, 0, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0)), /conv sizes must be positive/);
  assert.throws(() => k.gemm(new Float64Array(8) as unknown as Float32Array, Int32Array.of(0)), (e: Error) => e instanceof TypeError && /Float32Array over the wasm heap/.test(e.message));
  assert.throws(() => k.gemm(heap, Int32Array.of(0, 0, 0)), /Int32Array of sizes/);
  assert.throws(() => k.resizeNearestGrad(heap, Int32Array.of(0, 100, 1, 2, 2, 4, 4, 1), Int32Array.of(0, 0, 1, 2), Int32Array.of(0, 0, 1, 1)), /row source out of range/);
});

test('results are bit-identical run to run on 2 threads, and within rounding of 1 thread', { skip }, () => {
  const x = seededTensor([8, 16, 16, 24], 1), w = seededTensor([3, 3, 24, 40], 2), dyW = seededTensor([8, 16, 16, 40], 3);
  const grads = () => tf.tidy(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), dyW)) as tf.Scalar)([x, w]).map((g) => g.dataSync().slice()));
  const [a, b] = [grads(), grads()];
  a.forEach((values, i) => assert.deepEqual(values, b[i], `gradient ${i} differs between two runs`));
  setAddonThreads(1);
  try {
    const one = grads();
    one.forEach((values, i) => {
      let err = 0, scale = 0;
      values.forEach((v, j) => { err = Math.max(err, Math.abs(v - a[i][j])); scale = Math.max(scale, Math.abs(v)); });
      assert.ok(err / scale < 1e-5, `gradient ${i}: 1 vs 2 threads differ by ${err / scale}`);
    });
  } finally {
    setAddonThreads(2);
  }
  tf.dispose([x, w, dyW]);
});

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const SCRIPT = `const tf = require('@tensorflow/tfjs-core'); const { initBackend } = require(${JSON.stringify(path.join(root, 'models/backend/select'))});
  initBackend({ choice: 'wasm', threads: 2 }).then((info) => {
    const g = tf.grad((x) => tf.sum(tf.square(tf.conv2d(x, tf.ones([3, 3, 8, 8]), 1, 'same'))))(tf.ones([4, 16, 16, 8]));
    console.log(JSON.stringify({ info, g: g.dataSync()[0] }));
  });`;

test("a process that used the addon's threads exits on its own", { skip }, () => {
  const r = runNode(['--import', 'tsx', '-e', SCRIPT]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /native kernels [^"]* x2/);
  // d/dx of sum(y^2) at the corner pixel: y = 8 * (taps inside) = 32, 48, 48, 72 at the four
  // outputs that see it, each over 8 output channels: 2 * 8 * (32 + 48 + 48 + 72) = 3200.
  assert.match(r.out, /"g":3200/);
});

test('T2I_NATIVE_KERNELS=off gives the wasm kernels and wasm threads, and says so', () => {
  const r = runNode(['--import', 'tsx', '-e', SCRIPT], { T2I_NATIVE_KERNELS: 'off' });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /"threads":2/);
  assert.match(r.out, /threaded-simd; wasm kernels only: turned off by T2I_NATIVE_KERNELS/);
  assert.match(r.out, /"g":3200/);
});

test('the build script compiles a loadable addon, and without a compiler says so in one line and exits 0', { skip: process.platform === 'win32' && 'not built on Windows' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-native-'));
  try {
    const out = path.join(dir, 'k.node');
    const built = spawnSync(process.execPath, ['scripts/build-native.mjs', '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    if (process.env.CI || fs.existsSync(out)) {
      assert.match(built.stdout, /native kernels: built /);
      const k = createRequire(__filename)(out) as AddonKernels;
      assert.equal(k.setThreads(3), 3);
      assert.deepEqual(Object.keys(k.info()).sort(), ['simd', 'threads']);
      // A tiny product on a plain (non-wasm) heap: [1 2; 3 4] @ [5 6; 7 8] = [19 22; 43 50].
      const heap = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0);
      k.gemm(heap, Int32Array.of(0, 4, 8, 1, 2, 2, 2, 0, 0, 0, 0, 0));
      assert.deepEqual(Array.from(heap.subarray(8)), [19, 22, 43, 50]);
    }
    const missing = path.join(dir, 'missing.node');
    const noCompiler = spawnSync(process.execPath, ['scripts/build-native.mjs', '--out', missing], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CXX: path.join(dir, 'no-such-compiler') },
    });
    assert.equal(noCompiler.status, 0, noCompiler.stderr);
    assert.match(noCompiler.stdout, /^native kernels: not built: .*no-such-compiler could not run .*; training uses the wasm kernels\n$/);
    assert.equal(fs.existsSync(missing), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
