// Fréchet distance between two Gaussians fitted to feature sets (FID when
// the features are Inception pool3; here also DAMSM or classifier features,
// which are labelled as such because their numbers are not comparable to
// papers), and KID (unbiased MMD² with the cubic polynomial kernel).
//
//   FID = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½)
//
// Tr((Σ₁Σ₂)^½) is computed as Tr((Σ₁^½ Σ₂ Σ₁^½)^½): the inner matrix is
// symmetric PSD, so both roots come from symmetric eigendecompositions in
// float64 rather than a general (complex) matrix square root.
import { matMul, meanAndCovariance, sqrtPsd, symmetricEigen, trace, type Matrix } from './linalg';

export interface Gaussian {
  mean: Float64Array;
  cov: Matrix;
}

export function fitGaussian(features: Float64Array[]): Gaussian {
  if (!features.length) throw new Error('no features');
  return meanAndCovariance(features, features[0].length);
}

export function frechetDistance(a: Gaussian, b: Gaussian): number {
  const n = a.mean.length;
  if (b.mean.length !== n) throw new Error(`feature sizes differ: ${n} vs ${b.mean.length}`);
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const s1 = sqrtPsd(a.cov);
  const inner = matMul(matMul(s1, b.cov), s1);
  // Symmetrise away rounding before the eigendecomposition.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (inner.data[i * n + j] + inner.data[j * n + i]) / 2;
      inner.data[i * n + j] = v;
      inner.data[j * n + i] = v;
    }
  }
  const { values } = symmetricEigen(inner);
  let traceSqrt = 0;
  for (const v of values) traceSqrt += Math.sqrt(Math.max(0, v));
  return Math.max(0, meanTerm + trace(a.cov) + trace(b.cov) - 2 * traceSqrt);
}

/**
 * FID straight from two feature sets. With fewer samples than dimensions
 * (2048-d Inception features, a few hundred images), the covariances have
 * rank below d and the d×d route costs minutes; the same value comes from
 * the samples: with Σ₁ = AAᵀ and Σ₂ = BBᵀ (A, B the centred features over
 * √(n−1), as columns), the non-zero eigenvalues of Σ₁Σ₂ are those of
 * (AᵀB)(AᵀB)ᵀ, so Tr((Σ₁Σ₂)^½) is the sum of the singular values of AᵀB.
 */
export function frechetDistanceOfFeatures(x: Float64Array[], y: Float64Array[]): number {
  const d = x[0]?.length ?? 0;
  if (!x.length || !y.length) throw new Error('no features');
  if (y[0].length !== d) throw new Error(`feature sizes differ: ${d} vs ${y[0].length}`);
  if (Math.min(x.length, y.length) > d) return frechetDistance(fitGaussian(x), fitGaussian(y));
  if (x.length < 2 || y.length < 2) throw new Error('FID needs at least 2 samples per set');
  const centred = (set: Float64Array[]) => {
    const mean = new Float64Array(d);
    for (const r of set) for (let i = 0; i < d; i++) mean[i] += r[i] / set.length;
    const scale = 1 / Math.sqrt(set.length - 1);
    return { mean, rows: set.map((r) => r.map((v, i) => (v - mean[i]) * scale)) };
  };
  const a = centred(x);
  const b = centred(y);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const dot = (u: Float64Array, v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += u[i] * v[i];
    return s;
  };
  const traceA = a.rows.reduce((t, r) => t + dot(r, r), 0);
  const traceB = b.rows.reduce((t, r) => t + dot(r, r), 0);
  // Gram matrix (AᵀB)(AᵀB)ᵀ on the smaller side.
  const [p, q] = a.rows.length <= b.rows.length ? [a.rows, b.rows] : [b.rows, a.rows];
  const m = p.map((u) => Float64Array.from(q, (v) => dot(u, v)));
  const n = p.length;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      const mi = m[i];
      const mj = m[j];
      for (let k = 0; k < mi.length; k++) s += mi[k] * mj[k];
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  }
  const { values } = symmetricEigen({ n, data: gram });
  let traceSqrt = 0;
  for (const v of values) traceSqrt += Math.sqrt(Math.max(0, v));
  return Math.max(0, meanTerm + traceA + traceB - 2 * traceSqrt);
}

/** Unbiased MMD² with k(x, y) = (x·y/d + 1)³, averaged over `subsets` random subsets of size `subsetSize`. */
export function kernelInceptionDistance(x: Float64Array[], y: Float64Array[], opts: { subsets?: number; subsetSize?: number; random?: () => number } = {}): number {
  const d = x[0].length;
  const m = Math.min(opts.subsetSize ?? 1000, x.length, y.length);
  if (m < 2) throw new Error('KID needs at least 2 samples per set');
  const subsets = opts.subsets ?? 10;
  const random = opts.random ?? Math.random;
  const k = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += a[i] * b[i];
    return (s / d + 1) ** 3;
  };
  const pick = (set: Float64Array[]) => {
    const idx = set.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, m).map((i) => set[i]);
  };
  let total = 0;
  for (let s = 0; s < subsets; s++) {
    const a = pick(x);
    const b = pick(y);
    let kxx = 0;
    let kyy = 0;
    let kxy = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) {
          kxx += k(a[i], a[j]);
          kyy += k(b[i], b[j]);
        }
        kxy += k(a[i], b[j]);
      }
    }
    total += kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m);
  }
  return total / subsets;
}

/** Inception Score: exp(E_x KL(p(y|x) ‖ p(y))), mean and std over `splits`. */
export function inceptionScore(probs: Float64Array[], splits = 10): { mean: number; std: number } {
  const n = probs.length;
  const per = Math.floor(n / splits);
  if (per < 1) throw new Error(`IS needs at least ${splits} samples`);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const part = probs.slice(s * per, (s + 1) * per);
    const c = part[0].length;
    const py = new Float64Array(c);
    for (const p of part) for (let i = 0; i < c; i++) py[i] += p[i] / part.length;
    let kl = 0;
    for (const p of part) for (let i = 0; i < c; i++) if (p[i] > 0) kl += p[i] * (Math.log(p[i]) - Math.log(py[i]));
    scores.push(Math.exp(kl / part.length));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { mean, std };
}
