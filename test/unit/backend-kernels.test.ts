// Every training kernel we register on wasm, checked against the cpu backend (or against a
// hand-computed reference where cpu is itself wrong) over many shapes, plus a leak check.
// Everything runs twice: with our C++ addon's kernels on 2 threads (when it is built; CI
// requires it), and with the wasm kernels alone, the path of machines without a compiler.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../models/backend/select';
import { Adam } from '../../models/train/adam';
import { WASM_TRAINING_KERNELS } from '../../models/backend/wasmKernels';
import { addon, loadAddonKernels, setAddonEnabled, setAddonThreads } from '../../models/backend/kernels/addonKernels';
import { gradientsOn, maxRelativeError, outputsOn, seededTensor, type ScalarLoss } from '../../models/backend/backendCompare';

const TOLERANCE = 1e-4;
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
const t4 = (t: tf.Tensor) => t as tf.Tensor4D;
const sumSq = (t: tf.Tensor) => tf.sum(tf.square(t)) as tf.Scalar;
// A loss with a random-looking weight per element, so that every gradient entry differs.
const weighted = (t: tf.Tensor) => tf.sum(tf.mul(t, seededTensor(t.shape, 99))) as tf.Scalar;

async function assertGradientsMatchCpu(shapes: number[][], loss: ScalarLoss, label: string): Promise<void> {
  const expected = await gradientsOn('cpu', shapes, loss);
  const actual = await gradientsOn('wasm', shapes, loss);
  const err = maxRelativeError(expected, actual);
  assert.ok(err < TOLERANCE, `${label}: max relative error ${err.toExponential(2)}`);
}

async function assertOutputsMatchCpu(shapes: number[][], fn: (...x: tf.Tensor[]) => tf.Tensor | tf.Tensor[], label: string): Promise<void> {
  const err = maxRelativeError(await outputsOn('cpu', shapes, fn), await outputsOn('wasm', shapes, fn));
  assert.ok(err < TOLERANCE, `${label}: max relative error ${err.toExponential(2)}`);
}

before(async () => {
  const info = await initBackend({ choice: 'wasm', threads: 1 });
  assert.equal(info.name, 'wasm');
});

const addonBuilt = loadAddonKernels().ok;
test('our C++ kernels are built and load (required in CI)', { skip: !process.env.CI && !addonBuilt && 'not built here' }, () => {
  const state = loadAddonKernels();
  assert.ok(state.ok, state.ok ? '' : state.reason);
});

/** Runs `suites` with the addon on (2 threads) or off; the mode holds for every test inside. */
function inMode(mode: 'addon' | 'wasm', suites: () => void): void {
  describe(mode === 'addon' ? 'with our C++ kernels, 2 threads' : 'with the wasm kernels only', { skip: mode === 'addon' && !addonBuilt && 'addon not built' }, () => {
    before(() => {
      setAddonEnabled(mode === 'addon');
      if (mode === 'addon') assert.equal(setAddonThreads(2), 2);
      assert.equal(addon() !== undefined, mode === 'addon');
    });
    after(() => setAddonEnabled(true));
    suites();
  });
}


for (const mode of ['addon', 'wasm'] as const) inMode(mode, () => {
  describe('conv2d gradients (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
    const explicit: Pad = [[0, 0], [1, 2], [2, 0], [0, 0]];
    const bigPad: Pad = [[0, 0], [3, 3], [3, 3], [0, 0]]; // padding > k-1: not the flipped-conv path
    const cases: [number, number, number, number, number, number, number, Pad][] = [
      // batch, H, W, C, k, CO, stride, pad
      [1, 5, 5, 1, 3, 1, 1, 'same'], [2, 8, 8, 3, 3, 5, 1, 'same'], [2, 8, 8, 3, 3, 5, 1, 'valid'],
      [3, 9, 7, 4, 3, 6, 2, 'same'], [3, 9, 7, 4, 3, 6, 2, 'valid'], [2, 10, 10, 5, 4, 3, 2, 'same'],
      [2, 11, 11, 7, 5, 8, 3, 'same'], [1, 11, 9, 3, 5, 4, 3, 'valid'], [2, 8, 8, 16, 1, 12, 1, 'valid'],
      [2, 8, 8, 6, 1, 12, 2, 'same'], [1, 6, 6, 2, 3, 2, 1, explicit], [2, 7, 7, 3, 3, 4, 2, explicit],
      [1, 5, 5, 2, 3, 3, 1, bigPad], [4, 6, 6, 8, 2, 4, 1, 'same'], [4, 12, 12, 8, 3, 16, 1, 'same'],
      [2, 9, 9, 3, 4, 2, 1, 2], [3, 6, 8, 5, 5, 3, 1, 'same'],
      [4, 16, 16, 8, 4, 16, 2, 1], [3, 8, 8, 4, 4, 8, 2, 1], // 4x4 stride 2 pad 1, as the baseline discriminator
      [2, 6, 6, 4, 3, 80, 1, 'same'], // many output channels on a small image: plain im2col, not the widened grid
    ];
    for (const [b, h, w, c, k, co, s, pad] of cases) {
      const label = `B${b} ${h}x${w}x${c} k${k} ->${co} s${s} pad ${JSON.stringify(pad)}`;
      test(label, () => assertGradientsMatchCpu([[b, h, w, c], [k, k, c, co]],
        (x, f) => weighted(tf.conv2d(t4(x), t4(f), s, pad)), label));
    }
    test('rectangular kernel and strides', () => assertGradientsMatchCpu([[2, 9, 10, 3], [3, 2, 3, 4]],
      (x, f) => weighted(tf.conv2d(t4(x), t4(f), [2, 1], 'same')), 'rect'));
    test('fused conv2d with bias and relu', () => assertGradientsMatchCpu([[2, 8, 8, 4], [3, 3, 4, 6], [6]],
      (x, f, b) => weighted(tf.fused.conv2d({ x: t4(x), filter: t4(f), strides: 1, pad: 'same', bias: b, activation: 'relu' })), 'fused'));
    test('conv1d', () => assertGradientsMatchCpu([[2, 10, 3], [3, 3, 4]],
      (x, f) => weighted(tf.conv1d(x as tf.Tensor3D, f as tf.Tensor3D, 2, 'same')), 'conv1d'));
  });

  describe('conv2dTranspose (Conv2DBackpropInput forward) and its gradients', () => {
    const cases: [number, number, number, number, number, number, 'same' | 'valid'][] = [
      // batch, H, C, k, CO, stride, pad
      [2, 4, 6, 4, 3, 2, 'same'], [2, 4, 6, 3, 3, 2, 'same'], [2, 5, 6, 3, 4, 1, 'valid'], [2, 4, 8, 5, 5, 2, 'same'],
      [1, 3, 4, 3, 2, 3, 'same'], [3, 4, 5, 2, 3, 2, 'valid'], [4, 4, 8, 1, 4, 1, 'same'],
    ];
    for (const [b, h, c, k, co, s, pad] of cases) {
      const out = pad === 'same' ? h * s : (h - 1) * s + k;
      const label = `B${b} ${h}x${h}x${c} k${k} ->${co} s${s} ${pad}`;
      test(label, () => assertGradientsMatchCpu([[b, h, h, c], [k, k, co, c]],
        (x, f) => weighted(tf.conv2dTranspose(t4(x), t4(f), [b, out, out, co], s, pad)), label));
    }
  });

  describe('depthwise conv2d gradients', () => {
    const cases: [number, number, number, number, number, 'same' | 'valid'][] = [
      // batch, C, multiplier, k, stride, pad
      [2, 4, 1, 3, 1, 'same'], [2, 4, 2, 3, 2, 'same'], [1, 3, 3, 5, 1, 'same'], [2, 5, 1, 3, 2, 'valid'],
      [3, 2, 2, 1, 1, 'valid'], [4, 6, 1, 4, 3, 'same'], [1, 3, 2, 2, 2, 'valid'],
    ];
    for (const [b, c, m, k, s, pad] of cases) {
      const label = `B${b} C${c} x${m} k${k} s${s} ${pad}`;
      test(label, () => assertGradientsMatchCpu([[b, 9, 9, c], [k, k, c, m]],
        (x, f) => weighted(tf.depthwiseConv2d(t4(x), t4(f), s, pad)), label));
    }
  });

  describe('maxPool gradient (MaxPoolGrad)', () => {
    const cases: [number, number, Pad][] = [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [3, 2, 'valid'], [2, 1, 'valid'], [4, 3, 'same']];
    for (const [k, s, pad] of cases) {
      for (const shift of [0, -3]) {
        const label = `k${k} s${s} ${pad} inputs shifted by ${shift}`;
        test(label, () => assertGradientsMatchCpu([[3, 9, 9, 4]],
          (x) => weighted(tf.maxPool(t4(tf.add(x, shift)), k, s, pad as 'same' | 'valid')), label));
      }
    }
  });

  describe('hand references where cpu is wrong (resize gradients, dilated depthwise kernels)', () => {
    // The exact gradient of sum(op(x) * dy) for an op linear in x, one Jacobian column per
    // input element, from the cpu *forward* op. Used where cpu's own gradient kernel is wrong:
    // ResizeNearestNeighborGrad (batch > 1), ResizeBilinearGrad (halfPixelCenters, non-square)
    // and the depthwise backprop kernels (dilation).
    async function linearAdjointReference(xShape: number[], op: (x: tf.Tensor) => tf.Tensor, dy: Float32Array): Promise<Float32Array> {
      const size = xShape.reduce((a, b) => a * b, 1);
      const [columns] = await outputsOn('cpu', [], () => tf.tidy(() => {
        const dyT = tf.tensor(dy);
        const out: number[] = [];
        for (let j = 0; j < size; j++) {
          const basis = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([j], 'int32'), size), 'float32'), xShape);
          out.push(tf.sum(tf.mul(tf.reshape(op(basis), [-1]), dyT)).arraySync() as number);
        }
        return tf.tensor(out);
      }));
      return columns;
    }
    const dyFor = async (shape: number[]) => (await outputsOn('cpu', [shape], (t) => t, 5))[0];

    const resizes: [number[], [number, number], boolean, boolean][] = [
      [[2, 4, 5, 3], [8, 10], false, false], [[3, 4, 5, 2], [8, 10], true, false], [[2, 4, 5, 2], [8, 10], false, true],
      [[2, 4, 5, 3], [6, 7], false, false], [[2, 4, 5, 3], [3, 3], true, false], [[2, 4, 5, 3], [7, 9], false, true],
      [[1, 6, 6, 1], [3, 4], false, false], [[4, 3, 3, 2], [6, 6], false, false], [[2, 5, 4, 3], [2, 9], false, true],
    ];
    for (const [kind, resize] of [['nearest', tf.image.resizeNearestNeighbor], ['bilinear', tf.image.resizeBilinear]] as const) {
      for (const [shape, size, alignCorners, halfPixel] of resizes) {
        const label = `${kind} ${JSON.stringify(shape)} -> ${size} alignCorners=${alignCorners} halfPixel=${halfPixel}`;
        test(label, async () => {
          const dyShape = [shape[0], size[0], size[1], shape[3]];
          const dy = await dyFor(dyShape);
          const op = (x: tf.Tensor) => resize(t4(x), size, alignCorners, halfPixel);
          const want = await linearAdjointReference(shape, op, dy);
          const got = await gradientsOn('wasm', [shape], (x) => tf.sum(tf.mul(op(x), tf.tensor(dy, dyShape))) as tf.Scalar);
          const err = maxRelativeError([want], got);
          assert.ok(err < TOLERANCE, `${label}: max relative error ${err.toExponential(2)}`);
        });
      }
    }
    // avgPool divides each window by the pixels inside the image; cpu's and wasm's own
    // AvgPoolGrad divide by the full window size, wrong at 'same'-padded borders.
    for (const [shape, k, s, pad] of [[[2, 7, 7, 3], 3, 2, 'same'], [[2, 8, 8, 3], 2, 2, 'valid'], [[1, 7, 7, 2], 3, 1, 'same'],
      [[3, 7, 6, 2], 2, 2, 'same'], [[2, 9, 9, 2], 3, 2, 'valid'], [[1, 6, 6, 4], 4, 3, 'same']] as [number[], number, number, 'same' | 'valid'][]) {
      const label = `avgPool ${JSON.stringify(shape)} k${k} s${s} ${pad}`;
      test(label, async () => {
        const op = (x: tf.Tensor) => tf.avgPool(t4(x), k, s, pad);
        const yShape = (await outputsOn('cpu', [shape], (x) => tf.tensor1d(op(x).shape)))[0];
        const dy = await dyFor(Array.from(yShape));
        const want = await linearAdjointReference(shape, op, dy);
        const got = await gradientsOn('wasm', [shape], (x) => tf.sum(tf.mul(op(x), tf.tensor(dy, Array.from(yShape)))) as tf.Scalar);
        const err = maxRelativeError([want], got);
        assert.ok(err < TOLERANCE, `${label}: max relative error ${err.toExponential(2)}`);
      });
    }
    test('bilinear forward matches cpu', () => assertOutputsMatchCpu([[2, 4, 5, 3]],
      (x) => tf.concat([[7, 9, false], [8, 10, true]].map(([h, w, hp]) => tf.image.resizeBilinear(t4(x), [h as number, w as number], false, hp as boolean).flatten())), 'bilinear fwd'));

    // tfjs' depthwise gradient refuses dilation, but the kernels take it: check them directly.
    for (const [dilation, stride, pad] of [[2, 1, 'same'], [2, 1, 'valid'], [3, 1, 'same'], [1, 2, 'same']] as [number, number, 'same' | 'valid'][]) {
      test(`depthwise backprop kernels, dilation ${dilation} stride ${stride} ${pad}`, async () => {
        const xShape = [2, 8, 8, 3], fShape = [3, 3, 3, 2];
        const attrs = { strides: [stride, stride], dilations: [dilation, dilation], pad };
        const conv = (x: tf.Tensor, f: tf.Tensor) => tf.depthwiseConv2d(t4(x), t4(f), stride, pad, 'NHWC', dilation);
        const [x, f] = await outputsOn('cpu', [xShape, fShape], (a, b) => [a, b], 11);
        const yShape = (await outputsOn('cpu', [xShape, fShape], (a, b) => tf.tensor1d(conv(a, b).shape)))[0];
        const dy = await dyFor(Array.from(yShape));
        const wantX = await linearAdjointReference(xShape, (xx) => conv(xx, tf.tensor(f, fShape)), dy);
        const wantF = await linearAdjointReference(fShape, (ff) => conv(tf.tensor(x, xShape), ff), dy);
        const got = await outputsOn('wasm', [], () => {
          const dyT = tf.tensor(dy, Array.from(yShape));
          return [
            tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyT, filter: tf.tensor(f, fShape) }, { ...attrs, inputShape: xShape }) as tf.Tensor,
            tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor(x, xShape), dy: dyT }, { ...attrs, filterShape: fShape }) as tf.Tensor,
          ];
        });
        const err = maxRelativeError([wantX, wantF], got);
        assert.ok(err < TOLERANCE, `max relative error ${err.toExponential(2)}`);
      });
    }
  });

  describe('matMul (BatchMatMul wrapper)', () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const sa = tA ? [7, 5] : [5, 7], sb = tB ? [3, 7] : [7, 3];
      test(`2-D transposeA=${tA} transposeB=${tB}`, () => assertGradientsMatchCpu([sa, sb], (a, b) => weighted(tf.matMul(a, b, tA, tB)), 'mm'));
      const ba = tA ? [4, 8, 6] : [4, 6, 8], bb = tB ? [4, 5, 8] : [4, 8, 5];
      test(`batched transposeA=${tA} transposeB=${tB}`, () => assertGradientsMatchCpu([ba, bb], (a, b) => weighted(tf.matMul(a, b, tA, tB)), 'bmm'));
      const ra = tA ? [2, 3, 8, 6] : [2, 3, 6, 8];
      test(`rank-4 batched transposeA=${tA} transposeB=${tB}`, () => assertGradientsMatchCpu([ra, [2, 3, ...(tB ? [5, 8] : [8, 5])]], (a, b) => weighted(tf.matMul(a, b, tA, tB)), 'bmm4'));
    }
    test('large enough to use several GEMM tiles', () => assertGradientsMatchCpu([[33, 70], [45, 70]], (a, b) => weighted(tf.matMul(a, b, false, true)), 'big'));
    // Broadcast batch dims: tfjs' matMul gradient does not support them on any backend, and
    // cpu's forward is wrong for some, so compare with cpu on operands broadcast explicitly.
    const broadcast: [number[], number[], boolean, boolean][] = [
      [[4, 6, 8], [8, 5], false, false], [[6, 8], [2, 3, 8, 5], false, false], [[2, 1, 6, 8], [1, 3, 5, 8], false, true],
      [[3, 8, 6], [5, 8], true, true], [[3, 1, 6, 8], [4, 8, 5], false, false], [[8, 5], [2, 8, 6], true, false],
    ];
    for (const [sa, sb, tA, tB] of broadcast) {
      test(`broadcast ${JSON.stringify(sa)} x ${JSON.stringify(sb)} tA=${tA} tB=${tB}`, async () => {
        const outer = tf.broadcast_util.assertAndGetBroadcastShape(sa.slice(0, -2), sb.slice(0, -2));
        const full = (t: tf.Tensor) => tf.broadcastTo(t, [...outer, ...t.shape.slice(-2)]);
        const want = await outputsOn('cpu', [sa, sb], (a, b) => tf.matMul(full(a), full(b), tA, tB));
        const got = await outputsOn('wasm', [sa, sb], (a, b) => tf.matMul(a, b, tA, tB));
        assert.ok(maxRelativeError(want, got) < TOLERANCE);
      });
    }
    test('attention: softmax(q k^T) v', () => assertGradientsMatchCpu([[2, 6, 8], [2, 6, 8], [2, 6, 8]],
      (q, k, v) => weighted(tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), 3)), v)), 'attention'));
  });

  describe('fused matMul (_FusedMatMul wrapper)', () => {
    const activations: tf.fused.Activation[] = ['linear', 'relu', 'leakyrelu', 'sigmoid', 'elu', 'relu6', 'prelu'];
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const [i, activation] of activations.entries()) {
        for (const biasShape of [[7], [1], [5, 7], null]) {
          if (biasShape && i % 2 === 1 && biasShape.length === 2) continue; // keep the grid small
          const label = `tA=${tA} tB=${tB} ${activation} bias ${JSON.stringify(biasShape)}`;
          const prelu = activation === 'prelu';
          const shapes = [tA ? [6, 5] : [5, 6], tB ? [7, 6] : [6, 7], ...(biasShape ? [biasShape] : []), ...(prelu ? [[7]] : [])];
          test(label, () => assertGradientsMatchCpu(shapes, (...t) => {
            const [a, b] = t, bias = biasShape ? t[2] : undefined, alpha = prelu ? t[t.length - 1] : undefined;
            return weighted(tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias, activation, preluActivationWeights: alpha, leakyreluAlpha: 0.15 }));
          }, label));
        }
      }
    }
    test('batched with bias', () => assertOutputsMatchCpu([[3, 5, 6], [3, 6, 7], [7]],
      (a, b, bias) => tf.fused.matMul({ a, b, bias, activation: 'relu' }), 'batched fused'));
    test('batched a, shared b, transposeB', () => assertOutputsMatchCpu([[3, 5, 6], [7, 6], [7]],
      (a, b, bias) => tf.fused.matMul({ a, b, bias, transposeB: true }), 'folded fused'));
  });

  describe('gather / embedding gradient (UnsortedSegmentSum)', () => {
    test('1-D indices with repeats', () => assertGradientsMatchCpu([[10, 6]],
      (e) => weighted(tf.gather(e, tf.tensor1d([1, 3, 3, 7, 0, 9, 3], 'int32'))), 'gather1d'));
    test('2-D indices (token batches)', () => assertGradientsMatchCpu([[12, 5]],
      (e) => weighted(tf.gather(e, tf.tensor2d([[1, 3, 3], [11, 0, 1]], [2, 3], 'int32'))), 'gather2d'));
    test('gather on axis 1', () => assertGradientsMatchCpu([[3, 8, 4]],
      (e) => weighted(tf.gather(e, tf.tensor1d([7, 0, 7, 2], 'int32'), 1)), 'gather axis 1'));
    test('unsortedSegmentSum forward, float and int, out-of-range ids dropped', async () => {
      const ids = [0, 2, 2, 5, 1, 0];
      await assertOutputsMatchCpu([[6, 3]], (x) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 4), 'float');
      const run = () => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2);
      const [cpu] = await outputsOn('cpu', [], run), [wasm] = await outputsOn('wasm', [], run);
      assert.deepEqual(Array.from(wasm), Array.from(cpu));
    });
  });

  describe('einsum (cpu fallback, forward only in tfjs)', () => {
    test('ij,jk->ik', () => assertOutputsMatchCpu([[3, 4], [4, 5]], (a, b) => tf.einsum('ij,jk->ik', a, b), 'einsum'));
    test('bij,bjk->bik', () => assertOutputsMatchCpu([[2, 3, 4], [2, 4, 5]], (a, b) => tf.einsum('bij,bjk->bik', a, b), 'einsum batched'));
  });

  describe('LeakyRelu (forward kernel and the step-based gradient) and Relu', () => {
    for (const alpha of [0.2, 0.01, 1.5]) {
      test(`leakyRelu alpha ${alpha}`, async () => {
        await assertGradientsMatchCpu([[3, 5, 7, 4]], (x) => weighted(tf.leakyRelu(x, alpha)), `leaky ${alpha}`);
        await assertOutputsMatchCpu([[3, 5, 7, 4]], (x) => tf.leakyRelu(x, alpha), `leaky forward ${alpha}`);
      });
    }
    test('relu, and relu inside fused conv', () => assertGradientsMatchCpu([[2, 6, 6, 3], [3, 3, 3, 4]],
      (x, f) => tf.add(weighted(tf.relu(x)), weighted(tf.conv2d(t4(tf.relu(x)), t4(f), 1, 'same'))) as tf.Scalar, 'relu'));
    test('at exactly 0 the gradient is the negative slope, as in tfjs', async () => {
      const run = () => tf.grads((x: tf.Tensor) => tf.sum(tf.add(tf.leakyRelu(x, 0.2), tf.relu(x))))([tf.tensor1d([0, -0, 1, -1])])[0];
      const [cpu] = await outputsOn('cpu', [], run), [wasm] = await outputsOn('wasm', [], run);
      assert.deepEqual(Array.from(wasm), Array.from(cpu));
    });
    test('second-order gradients through leakyRelu and relu (e.g. gradient penalties)', async () => {
      // h(c) = sum((d/dx sum(act(x) * c))^2) = sum(c^2 m^2), so dh/dc = 2 c m^2 with m = act'(x).
      const [x, c] = [seededTensor([4, 6], 1), seededTensor([4, 6], 2)];
      for (const [act, slope] of [[(t: tf.Tensor) => tf.leakyRelu(t, 0.3), 0.3], [(t: tf.Tensor) => tf.relu(t), 0]] as const) {
        const got = await outputsOn('wasm', [], () => tf.grad((cc: tf.Tensor) =>
          tf.sum(tf.square(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(act(xx), cc)))(x))))(c));
        const m = x.dataSync().map((v) => (v > 0 ? 1 : slope));
        const want = c.dataSync().map((v, i) => 2 * v * m[i] * m[i]);
        assert.ok(maxRelativeError([want], got) < TOLERANCE);
      }
    });
  });

  describe('Identity shares data safely', () => {
    test('a clone outlives its source, and assigning a variable leaves the clone alone', async () => {
      await tf.setBackend('wasm');
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
      const v = tf.variable(y);
      const z = tf.clone(v);
      v.assign(tf.tensor1d([7, 8, 9]));
      assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3]);
      assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
      tf.dispose([y, v, z]);
    });
  });

  describe('other gradients a GAN or text encoder uses (wasm built-ins, checked once)', () => {
    const cond = () => tf.tensor2d(Array.from({ length: 40 }, (_, i) => i % 3 === 0), [4, 10], 'bool');
    const cases: [string, number[][], ScalarLoss][] = [
      ['resizeBilinear', [[2, 4, 4, 3]], (x) => weighted(tf.image.resizeBilinear(t4(x), [8, 8]))],
      ['resizeBilinear alignCorners (square: cpu breaks on non-square)', [[2, 4, 4, 3]], (x) => weighted(tf.image.resizeBilinear(t4(x), [7, 9], true))],
      ['batch norm via moments', [[4, 6, 6, 5], [5], [5]], (x, g, b) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return weighted(tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b));
      }],
      ['batchNorm op', [[4, 6, 6, 5], [5], [5], [5], [5]], (x, m, v, g, b) => weighted(tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g, 1e-3))],
      ['activations', [[4, 10]], (x) => weighted(tf.addN([tf.leakyRelu(x, 0.2), tf.relu(x), tf.sigmoid(x), tf.tanh(x), tf.softmax(x),
        tf.elu(x), tf.relu6(tf.mul(x, 8)), tf.selu(x), tf.softplus(x), tf.logSigmoid(x), tf.logSoftmax(x), tf.exp(x),
        tf.log(tf.add(tf.abs(x), 1)), tf.pow(tf.add(tf.abs(x), 0.1), 1.5), tf.clipByValue(x, -0.5, 0.5), tf.maximum(x, 0.1), tf.abs(x)]))],
      ['prelu', [[4, 10], [10]], (x, a) => weighted(tf.prelu(x, a))],
      ['logSumExp', [[4, 10]], (x) => sumSq(tf.logSumExp(x, 1))],
      ['concat, slice, pad, tile, transpose', [[2, 3, 4], [2, 3, 4]], (x, y) => weighted(tf.transpose(tf.tile(tf.pad(
        tf.slice(tf.concat([x, y], 2), [0, 1, 0], [2, 2, 6]), [[0, 0], [1, 1], [2, 0]]), [1, 2, 1]), [2, 0, 1]))],
      ['where', [[4, 10]], (x) => weighted(tf.where(cond(), x, tf.mul(x, 2)))],
      ['cumsum, reverse, stack', [[4, 5]], (x) => weighted(tf.stack([tf.cumsum(x, 1), tf.reverse(x, 1), tf.cumsum(x, 1, true, true)]))],
      ['l2 normalise', [[4, 10]], (x) => weighted(tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))))],
      ['mean, max, min, prod', [[4, 10]], (x) => tf.addN([tf.sum(tf.mean(x, 1)), tf.sum(tf.max(x, 1)), tf.sum(tf.min(x, 0)), tf.sum(tf.prod(tf.add(x, 2), 1))]) as tf.Scalar],
      ['LSTM cell from matMul/sigmoid/tanh', [[3, 4], [3, 5], [3, 5], [9, 20], [20]], (x, h, c, w, b) => {
        const z = tf.add(tf.matMul(tf.concat([x, h], 1), w), b);
        const [i, f, g, o] = tf.split(z, 4, 1);
        const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        return tf.add(weighted(tf.mul(tf.sigmoid(o), tf.tanh(c2))), tf.sum(c2)) as tf.Scalar;
      }],
      ['GAN losses', [[8, 1], [8, 10]], (l, m) => tf.addN([tf.losses.sigmoidCrossEntropy(tf.onesLike(l), l),
        tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 2, 3, 9, 0, 0, 1, 1], 'int32'), 10), m),
        tf.losses.meanSquaredError(tf.zerosLike(l), l), tf.losses.cosineDistance(tf.onesLike(m), m, 1)]) as tf.Scalar],
      ['mirrorPad', [[1, 4, 4, 2]], (x) => weighted(tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'))],
    ];
    for (const [label, shapes, loss] of cases) test(label, () => assertGradientsMatchCpu(shapes, loss, label));
  });

  describe('Unpack (unstack) on every axis, and its gradient', () => {
    for (const [shape, axis] of [[[4, 3, 5], 0], [[4, 3, 5], 1], [[4, 3, 5], 2], [[2, 6], -1], [[7], 0], [[3, 1, 2, 2], 1]] as [number[], number][]) {
      const label = `unstack ${JSON.stringify(shape)} axis ${axis}`;
      test(label, () => assertOutputsMatchCpu([shape], (x) => tf.unstack(x, axis), label));
      // (tfjs' own Unpack gradient fails for a single output, on every backend.)
      if (shape[axis < 0 ? shape.length + axis : axis] > 1) test(`${label}: gradient`, () => assertGradientsMatchCpu([shape], (x) => tf.addN(tf.unstack(x, axis).map((t, i) => tf.mul(weighted(t), i + 1))) as tf.Scalar, label));
    }
    test('int32 values and an empty axis', async () => {
      const parts = tf.unstack(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), 1);
      assert.deepEqual(await Promise.all(parts.map(async (p) => [p.dtype, Array.from(await p.data())])), [['int32', [1, 4]], ['int32', [2, 5]], ['int32', [3, 6]]]);
      tf.dispose(parts);
      assert.deepEqual(tf.unstack(tf.zeros([2, 0, 3]), 1), []);
    });
  });

  describe('SplitV, Concat and Tile (block copies), and their gradients', () => {
    const cases: [string, number[][], (...x: tf.Tensor[]) => tf.Tensor | tf.Tensor[]][] = [
      ['split a GLU input in two along channels', [[2, 3, 4, 6]], (x) => tf.split(x, 2, 3)],
      ['split with uneven sizes along a middle axis', [[3, 5, 4]], (x) => tf.split(x, [1, 3, 1], 1)],
      ['split along axis 0, and -1 as a size', [[6, 2]], (x) => tf.split(x, [2, -1], 0)],
      ['split a vector into three', [[9]], (x) => tf.split(x, 3)],
      ['concat along channels', [[2, 3, 3, 2], [2, 3, 3, 5]], (a, b) => tf.concat([a, b], 3)],
      ['concat along a middle axis, three parts', [[2, 1, 4], [2, 3, 4], [2, 2, 4]], (a, b, c) => tf.concat([a, b, c], 1)],
      ['concat along axis 0, with an empty part', [[2, 3], [0, 3], [1, 3]], (a, b, c) => tf.concat([a, b, c], 0)],
      ['concat of one tensor', [[3, 2]], (a) => tf.concat([a], 1)],
      ['tile a sentence over a grid', [[2, 1, 1, 5]], (x) => tf.tile(x, [1, 3, 4, 1])],
      ['tile every axis, the last one too', [[2, 3, 2]], (x) => tf.tile(x, [2, 1, 3])],
      ['tile a rank-6 tensor (x2 upsampling)', [[2, 2, 1, 3, 1, 2]], (x) => tf.tile(x, [1, 1, 2, 1, 2, 1])],
      ['tile a vector', [[4]], (x) => tf.tile(x, [3])],
    ];
    for (const [label, shapes, op] of cases) {
      test(label, () => assertOutputsMatchCpu(shapes, op, label));
      // tfjs has no Tile gradient above rank 5.
      if (!label.includes('rank-6') && !label.includes('empty')) {
        test(`${label}: gradient`, () => assertGradientsMatchCpu(shapes, (...x) => {
          const out = op(...x);
          return tf.addN((Array.isArray(out) ? out : [out]).map((t, i) => tf.mul(weighted(t), i + 1))) as tf.Scalar;
        }, label));
      }
    }
    test('int32 values are copied bit for bit', async () => {
      const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
      const [a, b] = tf.split(x, [1, 2], 1);
      const c = tf.concat([b, a], 1);
      const t = tf.tile(a, [1, 2]);
      for (const r of [a, b, c, t]) assert.equal(r.dtype, 'int32');
      assert.deepEqual([Array.from(await a.data()), Array.from(await b.data()), Array.from(await c.data()), Array.from(await t.data())],
        [[1, 4], [2, 3, 5, 6], [2, 3, 1, 5, 6, 4], [1, 1, 4, 4]]);
      tf.dispose([x, a, b, c, t]);
    });
    test('a concat of mismatched shapes is refused', () => {
      assert.throws(() => tf.concat([tf.zeros([2, 3, 1]), tf.zeros([2, 2, 1])], 2), /does not match/);
    });
    test('a concat of bools keeps its values (wasm path)', async () => {
      const c = tf.concat([tf.tensor1d([true, false], 'bool'), tf.tensor1d([true], 'bool')]);
      assert.equal(c.dtype, 'bool');
      assert.deepEqual(Array.from(await c.data()), [1, 0, 1]);
      c.dispose();
    });
  });

  describe('Sum and Mean over leading axes (bias and batch-norm reductions)', () => {
    const cases: [string, number[], (x: tf.Tensor) => tf.Tensor][] = [
      ['sum over N, H, W', [4, 5, 6, 7], (x) => tf.sum(x, [0, 1, 2])],
      ['mean over N, H, W (moments)', [4, 5, 6, 7], (x) => tf.moments(x, [0, 1, 2]).variance],
      ['sum over axis 0 of a matrix', [33, 9], (x) => tf.sum(x, 0)],
      ['mean, axes given out of order and negative, keepDims', [3, 4, 5], (x) => tf.mean(x, [1, -3], true)],
      ['sum of everything', [6, 7], (x) => tf.sum(x)],
      ['sum over a trailing axis (wasm path)', [4, 6], (x) => tf.sum(x, 1)],
    ];
    for (const [label, shape, op] of cases) {
      test(label, () => assertOutputsMatchCpu([shape], op, label));
      test(`${label}: gradient`, () => assertGradientsMatchCpu([shape], (x) => weighted(op(x)), label));
    }
    test('int32 sums stay exact (wasm path)', async () => {
      const got = tf.sum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), 0);
      assert.equal(got.dtype, 'int32');
      assert.deepEqual(Array.from(await got.data()), [9, 12]);
      got.dispose();
    });
  });

  describe('no leaks', () => {
    const lossesByKernel: [string, number[][], ScalarLoss][] = [
      ['Conv2DBackprop*, stride 1', [[2, 6, 6, 3], [3, 3, 3, 4]], (x, f) => sumSq(tf.conv2d(t4(x), t4(f), 1, 'same'))],
      ['Conv2DBackprop*, stride 2', [[2, 6, 6, 3], [3, 3, 3, 4]], (x, f) => sumSq(tf.conv2d(t4(x), t4(f), 2, 'same'))],
      ['DepthwiseConv2dNativeBackprop*', [[2, 6, 6, 3], [3, 3, 3, 2]], (x, f) => sumSq(tf.depthwiseConv2d(t4(x), t4(f), 1, 'same'))],
      ['MaxPoolGrad', [[2, 6, 6, 3]], (x) => sumSq(tf.maxPool(t4(x), 2, 2, 'valid'))],
      ['AvgPoolGrad', [[2, 6, 6, 3]], (x) => sumSq(tf.avgPool(t4(x), 3, 2, 'same'))],
      ['LeakyRelu', [[2, 6, 6, 3]], (x) => sumSq(tf.leakyRelu(x, 0.2))],
      ['Identity (clone, and the engine saving tensors for backprop)', [[2, 6, 6, 3]], (x) => sumSq(tf.mul(tf.clone(x), tf.sigmoid(x)))],
      ['ResizeNearestNeighborGrad', [[2, 3, 3, 2]], (x) => sumSq(tf.image.resizeNearestNeighbor(t4(x), [6, 6]))],
      ['ResizeBilinearGrad', [[2, 3, 3, 2]], (x) => sumSq(tf.image.resizeBilinear(t4(x), [6, 5], false, true))],
      ['BatchMatMul', [[3, 4, 5], [3, 6, 5]], (a, b) => sumSq(tf.matMul(a, b, false, true))],
      ['_FusedMatMul', [[4, 5], [6, 5], [6]], (a, b, c) => sumSq(tf.fused.matMul({ a, b, bias: c, transposeB: true, activation: 'relu' }))],
      ['_FusedMatMul (generic path)', [[3, 4, 5], [3, 5, 6], [4, 6]], (a, b, c) => sumSq(tf.fused.matMul({ a, b, bias: c, activation: 'leakyrelu' }))],
      ['Unpack', [[3, 4, 2]], (x) => tf.addN(tf.unstack(x, 1).map(sumSq)) as tf.Scalar],
      ['SplitV, Concat and Tile', [[2, 3, 4]], (x) => sumSq(tf.concat([...tf.split(x, [1, 3], 2).reverse(), tf.tile(tf.slice(x, [0, 0, 0], [2, 3, 1]), [1, 1, 2])], 2))],
      ['Sum and Mean', [[3, 4, 5, 2]], (x) => tf.add(sumSq(tf.sum(x, [0, 1, 2])), sumSq(tf.mean(x, [0, 1])))],
      ['UnsortedSegmentSum', [[6, 3]], (e) => sumSq(tf.gather(e, tf.tensor1d([0, 2, 2], 'int32')))],
    ];
    // tfjs has no Einsum gradient: check its forward pass instead.
    const forwardOnly: [string, number[][], (...x: tf.Tensor[]) => tf.Tensor][] = [
      ['Einsum', [[3, 4], [4, 5]], (a, b) => tf.einsum('ij,jk->ik', a, b)],
      // One optimiser step: the fused kernel with the addon, the op-by-op update without it.
      ['T2IAdamUpdate', [[3, 4]], (x) => {
        const w = tf.variable(x);
        const opt = new Adam('leak', [['w', w]], { lr: 0.1, beta1: 0.9, beta2: 0.999 });
        opt.minimize(() => sumSq(w));
        const out = w.clone();
        opt.dispose();
        w.dispose();
        return out;
      }],
    ];
    test('tensor count and wasm heap tensors are flat across repeated gradient calls', async () => {
      await tf.setBackend('wasm');
      const backend = tf.backend() as BackendWasm;
      const checks = [
        ...lossesByKernel.map(([label, shapes, loss]) => [label, shapes, (...x: tf.Tensor[]) => tf.grads(loss)(x)] as const),
        ...forwardOnly.map(([label, shapes, fn]) => [label, shapes, (...x: tf.Tensor[]) => [fn(...x)]] as const),
      ];
      for (const [label, shapes, run] of checks) {
        const inputs = shapes.map((s, i) => seededTensor(s, 3 + i));
        const once = () => { const g = run(...inputs); g.forEach((t) => t.dataSync()); tf.dispose(g); };
        once();
        const tensors = tf.memory().numTensors, heapTensors = backend.numDataIds();
        for (let i = 0; i < 3; i++) once();
        assert.equal(tf.memory().numTensors, tensors, `${label}: engine tensors leaked`);
        assert.equal(backend.numDataIds(), heapTensors, `${label}: wasm heap tensors leaked`);
        tf.dispose(inputs);
      }
    });
    test('every registered kernel is covered by the leak check', () => {
      const covered = [...lossesByKernel, ...forwardOnly].map(([label]) => label).join(' ');
      for (const name of Object.keys(WASM_TRAINING_KERNELS)) {
        const stem = name.replace(/(Filter|Input)$/, '');
        assert.ok(covered.includes(stem) || covered.includes(name), `${name} has no leak check`);
      }
    });
  });
});
