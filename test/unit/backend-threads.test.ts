// wasm's threaded build: starts in Node with the asked-for pool size, gives the same
// gradients as cpu, lets the process exit by itself, and loads from an esbuild bundle.
// This is the path of machines where our C++ addon is not built, so the addon is turned off
// here (and in the processes these tests start); backend-addon.test.ts covers the other path.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { initBackend } from '../../models/backend/select';
import { gradientsOn, maxRelativeError } from '../../models/backend/backendCompare';

const root = path.resolve(__dirname, '../..');
// Read when the backend first starts (in before()), and inherited by the child processes.
process.env.T2I_NATIVE_KERNELS = 'off';

before(async () => {
  const info = await initBackend({ choice: 'wasm', threads: 2 });
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 2, JSON.stringify(info));
  assert.match(info.attempts[0].reason ?? '', /threaded-simd/);
});

test('gradients on the threaded build match cpu', async () => {
  const cases: [number[][], (...x: tf.Tensor[]) => tf.Scalar][] = [
    [[[4, 16, 16, 8], [3, 3, 8, 16]], (x, f) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))],
    [[[2, 9, 9, 4], [3, 3, 4, 6]], (x, f) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')))],
    [[[3, 40, 30], [3, 50, 30]], (a, b) => tf.sum(tf.square(tf.matMul(a, b, false, true)))],
  ];
  for (const [shapes, loss] of cases) {
    const err = maxRelativeError(await gradientsOn('cpu', shapes, loss), await gradientsOn('wasm', shapes, loss));
    assert.ok(err < 1e-4, `max relative error ${err}`);
  }
});

/** Runs a script with node and returns how it ended; fails the test if it hangs. */
function runNode(args: string[], cwd: string): { status: number | null; out: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
}

const SELECT = JSON.stringify(path.join(root, 'models/backend/select'));
const BODY = `
  initBackend({ choice: 'wasm', threads: 2 }).then((info) => {
    const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    console.log(JSON.stringify({ info, y: y.dataSync()[0] }));
  });`;
const SCRIPT = `const tf = require('@tensorflow/tfjs-core'); const { initBackend } = require(${SELECT});${BODY}`;
// In the bundle also check what esbuild could silently drop: the gradients and the cpu backend.
const BUNDLE_ENTRY = `import * as tf from '@tensorflow/tfjs-core'; import { initBackend, withBackend } from ${SELECT};
  const grad = () => Array.from(tf.grad((x) => tf.sum(tf.square(tf.conv2d(x, tf.ones([3, 3, 2, 2]), 1, 'same'))))(tf.ones([1, 4, 4, 2])).dataSync());
  initBackend({ choice: 'wasm', threads: 2 }).then(async (info) => {
    const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    const cpuGrad = await withBackend('cpu', grad);
    const prodGrad = Array.from(tf.grad((x) => tf.prod(x))(tf.tensor1d([2, 3, 4])).dataSync()); // uses chained ops inside
    console.log(JSON.stringify({ info, y: y.dataSync()[0], sameGrads: JSON.stringify(cpuGrad) === JSON.stringify(grad()), prodGrad }));
  });`;

test('a process that used threads exits on its own (no process.exit)', () => {
  const r = runNode(['--import', 'tsx', '-e', SCRIPT], root);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /"threads":2/);
  assert.match(r.out, /"y":64/);
});

test('the esbuild bundle loads the wasm files from beside itself', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-wasm-bundle-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, BUNDLE_ENTRY);
    await build({
      entryPoints: [entry], outfile: path.join(dir, 'cli.js'), bundle: true, platform: 'node', format: 'cjs',
      target: 'node20', external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], logLevel: 'error', nodePaths: [path.join(root, 'node_modules')],
    });
    // The same files scripts/build.mjs copies into dist/.
    const wasmOut = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out');
    for (const f of fs.readdirSync(wasmOut)) {
      if (f.endsWith('.wasm') || f.includes('threaded-simd')) fs.copyFileSync(path.join(wasmOut, f), path.join(dir, f));
    }
    const r = runNode([path.join(dir, 'cli.js')], dir); // run from a folder with no node_modules above it
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /"name":"wasm","threads":2/);
    assert.match(r.out, /"y":64/);
    assert.match(r.out, /"sameGrads":true/);
    assert.match(r.out, /"prodGrad":\[12,8,6\]/);

    // Without the pthread worker script the threaded build cannot start: it falls back to
    // the single-threaded SIMD build and says why.
    fs.rmSync(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'));
    const fallback = runNode([path.join(dir, 'cli.js')], dir);
    assert.equal(fallback.status, 0, fallback.out);
    assert.match(fallback.out, /"name":"wasm","threads":1/);
    assert.match(fallback.out, /threaded wasm build unavailable \(Cannot find module '[^'\\]*threaded-simd.worker.js'\); using the single-threaded SIMD build/);
    assert.match(fallback.out, /"sameGrads":true/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
