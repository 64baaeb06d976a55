// Pure heatmap maths for the attention panel (no DOM): normalising a map and
// mapping weights to colours. Tested in test/unit/attention-heatmap.test.ts.

/** Stops of a perceptually ordered "inferno"-like colour map, low → high. */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** Colour of a weight in [0, 1] (clamped; NaN counts as 0), by linear interpolation between stops. */
export function heatColor(v: number): [number, number, number] {
  const x = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
  const pos = x * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** Scales a map to [0, 1] by its own min and max; a flat map becomes all zeros. */
export function normalizeMap(map: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  if (!(span > 1e-12)) return map.map(() => 0);
  return map.map((v) => (Number.isFinite(v) ? (v - lo) / span : 0));
}

/**
 * RGBA pixels (size×size) of a map: colour from the normalised weight, alpha
 * grows with it too (so low attention lets the image show through), scaled by
 * `opacity` in [0, 1].
 */
export function heatmapRgba(map: readonly number[], size: number, opacity: number): Uint8ClampedArray {
  if (map.length !== size * size) throw new Error(`map has ${map.length} values, expected ${size}×${size}`);
  const op = Math.min(1, Math.max(0, opacity));
  const norm = normalizeMap(map);
  const out = new Uint8ClampedArray(size * size * 4);
  norm.forEach((v, i) => {
    const [r, g, b] = heatColor(v);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * op * (0.35 + 0.65 * v));
  });
  return out;
}

/** The word with the highest peak weight in a stage, for an initial selection. */
export function peakWord(maps: readonly (readonly number[])[]): number {
  let best = -1;
  let bestV = -Infinity;
  maps.forEach((m, i) => {
    const peak = Math.max(...m);
    if (peak > bestV) {
      bestV = peak;
      best = i;
    }
  });
  return best;
}

/** CSS gradient stops for a legend bar. */
export function legendGradient(steps = 8): string {
  const parts: string[] = [];
  for (let i = 0; i <= steps; i++) {
    const [r, g, b] = heatColor(i / steps);
    parts.push(`rgb(${r}, ${g}, ${b}) ${Math.round((100 * i) / steps)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
