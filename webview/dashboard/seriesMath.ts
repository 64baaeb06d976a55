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
  return emaSmoothWeighted(values, undefined, weight);
}

/**
 * The same EMA over points that each stand for `counts[i]` steps (history the
 * host averaged into buckets): a bucket of c steps with mean m is weighted as c
 * steps of value m, i.e. with weight^c, so the curve matches the one over the
 * raw steps wherever the loss is steady within a bucket.
 */
export function emaSmoothWeighted(values: readonly number[], counts: readonly number[] | undefined, weight: number): number[] {
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
    const wc = Math.pow(w, Math.max(1, counts?.[i] ?? 1));
    last = last * wc + (1 - wc) * v;
    debias = debias * wc + (1 - wc);
    out[i] = last / debias;
  }
  return out;
}

/** Index range [from, to) of ascending `xs` inside [min, max], widened by one point each side so lines reach the edges. */
export function visibleRange(xs: readonly number[], min: number, max: number): [number, number] {
  const lower = (v: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const from = Math.max(0, lower(min) - 1);
  let to = lower(max);
  while (to < xs.length && xs[to] <= max) to++;
  return [from, Math.min(xs.length, to + 1)];
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

/**
 * The lowest and highest value of each of about `buckets` equal index ranges,
 * at the range's middle x: the raw values' spread as a band, which reads
 * better than a dense zigzag once there are more points than pixels. NaNs are skipped.
 */
export function envelope(xs: readonly number[], ys: readonly number[], buckets: number): { lower: Point[]; upper: Point[] } {
  const n = Math.min(xs.length, ys.length);
  const lower: Point[] = [];
  const upper: Point[] = [];
  const b = Math.max(1, Math.min(n, Math.floor(buckets)));
  for (let k = 0; k < b; k++) {
    const from = Math.floor((k * n) / b);
    const to = Math.floor(((k + 1) * n) / b);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
    if (lo > hi) continue;
    const x = (xs[from] + xs[to - 1]) / 2;
    lower.push({ x, y: lo });
    upper.push({ x, y: hi });
  }
  return { lower, upper };
}

/** Loss values: enough digits to compare, no more. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  const s = v.toPrecision(4);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
