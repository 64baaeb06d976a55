// Turning a loss series into chart points: smoothing and decimation. Pure.

export interface Point {
  x: number;
  y: number;
}

/**
 * Debiased exponential moving average, TensorBoard's formula, so smoothed
 * values agree with what users already know. `weight` is in [0, 1): 0 leaves
 * the values as they are. Non-finite values pass through unsmoothed and do not
 * poison the average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values.slice();
  const out = new Array<number>(values.length);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    out[i] = last / debias;
  }
  return out;
}

/**
 * Keeps at most about `maxPoints` points for drawing: the x range is cut into
 * buckets of equal index count and each bucket keeps its lowest and its highest
 * point, in x order. Unlike averaging this keeps the spikes, which is what one
 * looks for in GAN losses. First and last points are always kept.
 */
export function decimateMinMax(xs: readonly number[], ys: readonly number[], maxPoints: number): Point[] {
  const n = Math.min(xs.length, ys.length);
  const all = (): Point[] => {
    const out = new Array<Point>(n);
    for (let i = 0; i < n; i++) out[i] = { x: xs[i], y: ys[i] };
    return out;
  };
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) return all();
  const buckets = Math.floor((limit - 2) / 2);
  const out: Point[] = [{ x: xs[0], y: ys[0] }];
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      // NaN compares false, so a NaN never wins a bucket over a number.
      if (ys[i] < ys[lo] || Number.isNaN(ys[lo])) lo = i;
      if (ys[i] > ys[hi] || Number.isNaN(ys[hi])) hi = i;
    }
    if (lo === hi) out.push({ x: xs[lo], y: ys[lo] });
    else if (lo < hi) out.push({ x: xs[lo], y: ys[lo] }, { x: xs[hi], y: ys[hi] });
    else out.push({ x: xs[hi], y: ys[hi] }, { x: xs[lo], y: ys[lo] });
  }
  out.push({ x: xs[n - 1], y: ys[n - 1] });
  return out;
}

/** Loss values: enough digits to compare, no more. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  const s = v.toPrecision(4);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
