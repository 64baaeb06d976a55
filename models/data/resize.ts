// Crops and resizes RGB images the way the AttnGAN pipeline does with PIL:
// bilinear resampling whose filter widens when shrinking (antialiased, as
// Pillow's BILINEAR), torchvision's "shorter side to N" sizes, the CUB
// bounding-box crop, random crop and horizontal flip.
import type { RgbImage } from './imageDecode';

/** Integer crop box: [x1, y1) to [x2, y2). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * AttnGAN's CUB crop: a square of half side r = int(0.75 * max(w, h)) centred
 * on the bounding box [x, y, w, h] (integers), clipped to the image.
 */
export function cubCropBox(bbox: readonly [number, number, number, number], width: number, height: number): Box {
  const [x, y, w, h] = bbox.map((v) => Math.trunc(v)) as [number, number, number, number];
  const r = Math.trunc(Math.max(w, h) * 0.75);
  const cx = Math.trunc((2 * x + w) / 2);
  const cy = Math.trunc((2 * y + h) / 2);
  return {
    x1: Math.max(0, cx - r),
    y1: Math.max(0, cy - r),
    x2: Math.min(width, cx + r),
    y2: Math.min(height, cy + r),
  };
}

/** torchvision Resize(n) for an int n: the shorter side becomes n, the longer int(n * long / short). */
export function shorterSideSize(width: number, height: number, n: number): { width: number; height: number } {
  if (width <= height) return { width: n, height: Math.max(n, Math.trunc((n * height) / width)) };
  return { width: Math.max(n, Math.trunc((n * width) / height)), height: n };
}

/** The stored side for random crops of size S: ⌊S·76/64⌋ (AttnGAN's 76/64 margin). */
export function cropMarginSize(size: number): number {
  return Math.floor((size * 76) / 64);
}

export function cropRgb(img: RgbImage, box: Box): RgbImage {
  const x1 = Math.max(0, Math.min(img.width, box.x1));
  const y1 = Math.max(0, Math.min(img.height, box.y1));
  const w = Math.max(0, Math.min(img.width, box.x2) - x1);
  const h = Math.max(0, Math.min(img.height, box.y2) - y1);
  if (w === 0 || h === 0) throw new Error(`crop box ${JSON.stringify(box)} is empty for a ${img.width}x${img.height} image`);
  const out = new Uint8Array(w * h * 3);
  const rowBytes = w * 3;
  for (let y = 0; y < h; y++) {
    const src = ((y1 + y) * img.width + x1) * 3;
    out.set(img.data.subarray(src, src + rowBytes), y * rowBytes);
  }
  return { width: w, height: h, data: out };
}

/** Reverses each row in place. */
export function flipRgbInPlace(data: Uint8Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    let a = y * width * 3;
    let b = a + (width - 1) * 3;
    while (a < b) {
      for (let k = 0; k < 3; k++) {
        const t = data[a + k]!;
        data[a + k] = data[b + k]!;
        data[b + k] = t;
      }
      a += 3;
      b -= 3;
    }
  }
}

interface Coefficients {
  /** First source index per output pixel. */
  start: Int32Array;
  /** Number of taps per output pixel. */
  count: Int32Array;
  /** Weights, `taps` per output pixel. */
  weights: Float32Array;
  taps: number;
}

/** Pillow's precompute_coeffs for the triangle (bilinear) filter. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle support 1.0, widened when shrinking
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    const n = Math.min(hi - lo, taps);
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs((k + lo - center + 0.5) / filterScale));
      weights[o * taps + k] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < n; k++) weights[o * taps + k]! /= total;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, taps };
}

/** Bilinear (antialiased when shrinking) resize to width x height. */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice() };
  if (!(width > 0 && height > 0)) throw new Error(`resize target ${width}x${height} is empty`);
  const sw = img.width;
  const sh = img.height;
  const src = img.data;
  // Horizontal pass: sw x sh -> width x sh (floats).
  const cx = coefficients(sw, width);
  const xStart = cx.start;
  const xCount = cx.count;
  const xWeights = cx.weights;
  const xTaps = cx.taps;
  const tmp = new Float32Array(width * sh * 3);
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 3;
    let o = y * width * 3;
    for (let x = 0; x < width; x++) {
      const n = xCount[x]!;
      const wo = x * xTaps;
      let p = row + xStart[x]! * 3;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++, p += 3) {
        const w = xWeights[wo + k]!;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      tmp[o++] = r;
      tmp[o++] = g;
      tmp[o++] = b;
    }
  }
  // Vertical pass: width x sh -> width x height (bytes), row by row.
  const cy = coefficients(sh, height);
  const out = new Uint8Array(width * height * 3);
  const stride = width * 3;
  const acc = new Float32Array(stride);
  for (let y = 0; y < height; y++) {
    const s = cy.start[y]!;
    const n = cy.count[y]!;
    const wo = y * cy.taps;
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const w = cy.weights[wo + k]!;
      const base = (s + k) * stride;
      for (let i = 0; i < stride; i++) acc[i]! += tmp[base + i]! * w;
    }
    const o = y * stride;
    for (let i = 0; i < stride; i++) {
      const v = acc[i]!;
      out[o + i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
  return { width, height, data: out };
}
