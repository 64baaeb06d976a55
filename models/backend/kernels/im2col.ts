// The memory-bound loops around the convolution GEMMs: patch extraction (im2col), its
// transposed form, the scatter back (col2im), and a blocked 2-D transpose.
// Plain JS on heap views: they move bytes, the FLOPs go to XNNPACK.
import type { ConvGeometry } from './convGeometry';

/** dst[c * rows + r] = src[srcOffset + r * cols + c], in cache-sized blocks. */
export function transpose2d(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array, dstOffset = 0): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let r = r0; r < r1; r++) {
        const s = srcOffset + r * cols;
        let d = dstOffset + c0 * rows + r;
        for (let c = c0; c < c1; c++, d += rows) dst[d] = src[s + c];
      }
    }
  }
}

/** Range of output columns `ow` whose input column `ow * stride + offset` lies in [0, width). */
function validColumns(offset: number, stride: number, width: number, outW: number): [number, number] {
  const lo = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const hi = Math.min(outW, Math.ceil((width - offset) / stride));
  return hi > lo ? [lo, hi] : [0, 0];
}

/**
 * colT[(kh, kw, c), (b, oh, ow)] = x[b, oh*sH + kh*dH - padTop, ow*sW + kw*dW - padLeft, c], 0 outside.
 * The transposed patch matrix lets dW = colT @ dy run as a plain (fast) matmul.
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, colT: Float32Array): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft } = g;
  const n = batch * outH * outW;
  const step = strideW * inC;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const n0 = (b * outH + oh) * outW;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * strideH + kh * dilH - padTop;
        const rowInside = ih >= 0 && ih < inH;
        const xRow = (b * inH + ih) * inW * inC;
        for (let kw = 0; kw < kW; kw++) {
          const offset = kw * dilW - padLeft;
          const [lo, hi] = rowInside ? validColumns(offset, strideW, inW, outW) : [0, 0];
          const rowBase = (kh * kW + kw) * inC;
          for (let c = 0; c < inC; c++) {
            const dst = (rowBase + c) * n + n0;
            for (let ow = 0; ow < lo; ow++) colT[dst + ow] = 0;
            let src = xRow + (lo * strideW + offset) * inC + c;
            for (let ow = lo; ow < hi; ow++, src += step) colT[dst + ow] = x[src];
            for (let ow = hi > lo ? hi : lo; ow < outW; ow++) colT[dst + ow] = 0;
          }
        }
      }
    }
  }
}

/** dx[b, ih, iw, c] += col[(b, oh, ow), (kh, kw, c)] for every patch position; dx must start zeroed. */
export function col2im(col: Float32Array, g: ConvGeometry, dx: Float32Array): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft } = g;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const xb = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh * dilH - padTop;
          const rowInside = ih >= 0 && ih < inH;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW + kw * dilW - padLeft;
            if (rowInside && iw >= 0 && iw < inW) {
              const d = xb + (ih * inW + iw) * inC;
              for (let c = 0; c < inC; c++) dx[d + c] += col[o + c];
            }
            o += inC;
          }
        }
      }
    }
  }
}

/**
 * Layout for the stride-1 filter gradient: x copied channel-major and zero-padded,
 * xT[c][b][hp][wp] (hp < paddedH, wp < paddedW), plus `slack` trailing zeros so that a
 * patch row may run past the end of the last image row.
 */
export interface PaddedChannelMajor { paddedH: number; paddedW: number; size: number }

export function paddedChannelMajorLayout(g: ConvGeometry): PaddedChannelMajor {
  const paddedH = Math.max(g.padTop + g.inH, g.outH + (g.kH - 1) * g.dilH);
  const paddedW = Math.max(g.padLeft + g.inW, g.outW + (g.kW - 1) * g.dilW);
  const slack = (g.kW - 1) * g.dilW;
  return { paddedH, paddedW, size: g.inC * g.batch * paddedH * paddedW + slack };
}

/** xT (zero-filled by the caller) <- x[b][h][w][c] at [c][b][h + padTop][w + padLeft]. */
export function toPaddedChannelMajor(x: Float32Array, g: ConvGeometry, layout: PaddedChannelMajor, xT: Float32Array): void {
  const { batch, inH, inW, inC, padTop, padLeft } = g;
  const { paddedH, paddedW } = layout;
  const planeStride = batch * paddedH * paddedW; // distance between channels in xT
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < inH; h++) {
      const rowDst = (b * paddedH + h + padTop) * paddedW + padLeft;
      let s = (b * inH + h) * inW * inC;
      for (let w = 0; w < inW; w++) {
        let d = rowDst + w;
        for (let c = 0; c < inC; c++, d += planeStride) xT[d] = x[s++];
      }
    }
  }
}

/**
 * Stride-1 transposed patch matrix over a widened output grid (ow' < paddedW instead of outW):
 * colT[(kh, kw, c)][(b, oh, ow')] = xT[c][b][oh + kh*dilH][ow' + kw*dilW]. With the grid widened,
 * each (row, image) is one contiguous copy. Columns ow' >= outW hold junk that the caller
 * multiplies by zero (its dy is zero-padded to the same grid).
 */
export function im2colTransposedStride1(xT: Float32Array, g: ConvGeometry, layout: PaddedChannelMajor, colT: Float32Array): void {
  const { batch, inC, outH, kH, kW, dilH, dilW } = g;
  const { paddedH, paddedW } = layout;
  const run = outH * paddedW, rowLen = batch * run;
  let dst = 0;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const tapOffset = kh * dilH * paddedW + kw * dilW;
      for (let c = 0; c < inC; c++) {
        for (let b = 0; b < batch; b++, dst += run) {
          const src = (c * batch + b) * paddedH * paddedW + tapOffset;
          colT.set(xT.subarray(src, src + run), dst);
        }
      }
    }
  }
  if (dst !== kH * kW * inC * rowLen) throw new Error('im2colTransposedStride1: size mismatch');
}

/** dyWide[(b, oh, ow')][co] = dy[b][oh][ow'][co] for ow' < outW, else 0. */
export function widenRows(dy: Float32Array, g: ConvGeometry, paddedW: number, dyWide: Float32Array): void {
  const { batch, outH, outW, outC } = g;
  const run = outW * outC, wideRun = paddedW * outC;
  for (let r = 0; r < batch * outH; r++) {
    dyWide.set(dy.subarray(r * run, (r + 1) * run), r * wideRun);
    dyWide.fill(0, r * wideRun + run, (r + 1) * wideRun);
  }
}
