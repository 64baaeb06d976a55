// FID, KID and IS against values worked out by hand and known identities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitGaussian, frechetDistance, frechetDistanceOfFeatures, inceptionScore, kernelInceptionDistance, type Gaussian } from '../../models/eval/fid';
import { sqrtPsd, symmetricEigen, matMul } from '../../models/eval/linalg';
import { Rng } from '../../models/data/rng';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const gauss = (mean: number[], cov: number[][]): Gaussian => ({ mean: Float64Array.from(mean), cov: { n: mean.length, data: Float64Array.from(cov.flat()) } });

test('1-D and diagonal cases: FID = Σ (σ₁ − σ₂)² + ‖μ₁ − μ₂‖²', () => {
  near(frechetDistance(gauss([0], [[4]]), gauss([0], [[9]])), 1); // (2 − 3)²
  near(frechetDistance(gauss([1, 2], [[1, 0], [0, 4]]), gauss([0, 0], [[4, 0], [0, 9]])), 5 + 2);
});

test('non-commuting covariances, by hand', () => {
  // Σ₁Σ₂ = [[2,4],[1,8]]: eigenvalues 5 ± √13, so Tr(Σ₁Σ₂)^½ = √(10 + 2√12)
  const expected = 4 + 5 - 2 * Math.sqrt(10 + 2 * Math.sqrt(12));
  near(frechetDistance(gauss([0, 0], [[2, 1], [1, 2]]), gauss([0, 0], [[1, 0], [0, 4]])), expected, 1e-12);
  near(expected, 0.77122, 1e-5);
});

test('identities on sampled features: FID(X, X) = 0; shifting the mean by d adds ‖d‖²', () => {
  const r = new Rng(5);
  const dim = 12;
  const xs = Array.from({ length: 300 }, () => Float64Array.from({ length: dim }, (_, i) => r.normal() * (1 + i / 4) + (i % 3 === 0 ? r.normal() : 0)));
  const g = fitGaussian(xs);
  near(frechetDistance(g, g), 0, 1e-7);
  const d = Float64Array.from({ length: dim }, (_, i) => (i % 2 ? 0.5 : -1));
  const shifted = fitGaussian(xs.map((x) => x.map((v, i) => v + d[i])));
  near(frechetDistance(g, shifted), d.reduce((a, v) => a + v * v, 0), 1e-7);
});

test('symmetric eigendecomposition reconstructs the matrix; the PSD square root squares back', () => {
  const r = new Rng(9);
  const n = 9;
  const a = Array.from({ length: n * n }, () => r.normal());
  const m = { n, data: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) m.data[i * n + j] += a[i * n + k] * a[j * n + k];
  const { values, vectors } = symmetricEigen(m);
  for (let i = 1; i < n; i++) assert.ok(values[i] >= values[i - 1], 'ascending');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors.data[i * n + k] * values[k] * vectors.data[j * n + k];
      near(s, m.data[i * n + j], 1e-9);
    }
  }
  const root = sqrtPsd(m);
  const sq = matMul(root, root);
  sq.data.forEach((v, i) => near(v, m.data[i], 1e-8));
});

test('KID: near 0 for one distribution, clearly positive for shifted ones', () => {
  const r = new Rng(3);
  const sample = (shift: number) => Array.from({ length: 200 }, () => Float64Array.from({ length: 8 }, () => r.normal() + shift));
  const random = () => r.uniform();
  const same = kernelInceptionDistance(sample(0), sample(0), { subsets: 5, subsetSize: 100, random });
  const diff = kernelInceptionDistance(sample(0), sample(1), { subsets: 5, subsetSize: 100, random });
  assert.ok(Math.abs(same) < 0.05, `same: ${same}`);
  assert.ok(diff > 0.5, `diff: ${diff}`);
});

test('KID: the unbiased polynomial-kernel MMD² worked out by hand', () => {
  // k(a, b) = (a·b / d + 1)³. d = 1, x = {1, -1}, y = {2, 0}, one subset of both items:
  // k_xx off-diagonal: k(1,-1) = 0 twice → 0; k_yy: k(2,0) = 1 twice → 2 / 2 = 1;
  // k_xy: k(1,2) = 27, k(1,0) = 1, k(-1,2) = -1, k(-1,0) = 1 → 28, and 2·28 / 4 = 14. KID = 0 + 1 - 14 = -13.
  const one = (v: number[]) => v.map((x) => Float64Array.from([x]));
  near(kernelInceptionDistance(one([1, -1]), one([2, 0]), { subsets: 1, random: () => 0.3 }), -13, 1e-12);
  // d = 2, x = {(1,0), (0,1)}, y = {(1,1), (0,0)}: k_xx = 1, k_yy = 1,
  // k_xy = 1.5³ + 1 + 1.5³ + 1 = 8.75, and 2·8.75 / 4 = 4.375. KID = 1 + 1 - 4.375 = -2.375.
  const two = (v: number[][]) => v.map((x) => Float64Array.from(x));
  near(kernelInceptionDistance(two([[1, 0], [0, 1]]), two([[1, 1], [0, 0]]), { subsets: 3, random: () => 0.7 }), -2.375, 1e-12);
});

test('IS: 1 for constant predictions, C for confident predictions spread over C classes', () => {
  const uniform = Array.from({ length: 40 }, () => Float64Array.from([0.25, 0.25, 0.25, 0.25]));
  near(inceptionScore(uniform, 4).mean, 1, 1e-12);
  const oneHot = Array.from({ length: 48 }, (_, i) => Float64Array.from([0, 1, 2, 3].map((c) => (c === i % 4 ? 1 : 0))));
  const is = inceptionScore(oneHot, 4);
  near(is.mean, 4, 1e-12);
  near(is.std, 0, 1e-12);
});

test('FID from features: with fewer samples than dimensions, the sample-space route equals the d×d one', () => {
  const r = new Rng(8);
  const dim = 40;
  const make = (n: number, shift: number) => Array.from({ length: n }, () => Float64Array.from({ length: dim }, (_, i) => r.normal() * (1 + (i % 5) / 2) + shift * (i % 3)));
  const x = make(25, 0);
  const y = make(31, 0.3);
  const direct = frechetDistance(fitGaussian(x), fitGaussian(y));
  // Rank-deficient covariances cost the d×d route about √ε in its square roots; 1e-6 relative.
  near(frechetDistanceOfFeatures(x, y), direct, 1e-6);
  near(frechetDistanceOfFeatures(y, x), direct, 1e-6);
  near(frechetDistanceOfFeatures(x, x), 0, 1e-9);
  // More samples than dimensions: the d×d route itself.
  const big = make(60, 0);
  const big2 = make(50, 0.3);
  near(frechetDistanceOfFeatures(big, big2), frechetDistance(fitGaussian(big), fitGaussian(big2)), 1e-12);
});
