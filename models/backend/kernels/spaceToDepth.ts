// Turns a strided convolution into a stride-1 one (polyphase / space-to-depth):
// with kh = s*qh + rh, x[s*oh + kh - pad] = xs[oh + qh][rh], so
//   conv(x, W, stride s) = conv(xs, W', stride 1, 'valid')
// where xs[b, i, j, (rh, rw, c)] = xPadded[b, s*i + rh, s*j + rw, c] and
//   W'[qh, qw, (rh, rw, c), co] = W[s*qh + rh, s*qw + rw, c, co] (zero past the kernel).
// Same FLOPs when s divides the kernel size; the stride-1 form runs on XNNPACK's fast paths.
import type { ConvGeometry } from './convGeometry';

export interface StrideSplit {
  sH: number; sW: number;
  /** Kernel size of the stride-1 conv: ceil(k / s). */
  qH: number; qW: number;
  /** Spatial size of xs: enough rows for every output ('valid' conv of size q). */
  hs: number; ws: number;
  /** Channels of xs: sH * sW * inC. */
  channels: number;
}

export function strideSplit(g: ConvGeometry): StrideSplit {
  const qH = Math.ceil(g.kH / g.strideH), qW = Math.ceil(g.kW / g.strideW);
  return {
    sH: g.strideH, sW: g.strideW, qH, qW,
    hs: g.outH + qH - 1, ws: g.outW + qW - 1,
    channels: g.strideH * g.strideW * g.inC,
  };
}

/** The stride-1, 'valid', dilation-1 geometry of the split convolution. */
export function splitGeometry(g: ConvGeometry, s: StrideSplit): ConvGeometry {
  return {
    batch: g.batch, inH: s.hs, inW: s.ws, inC: s.channels, outH: g.outH, outW: g.outW, outC: g.outC,
    kH: s.qH, kW: s.qW, strideH: 1, strideW: 1, dilH: 1, dilW: 1, padTop: 0, padLeft: 0,
  };
}

/**
 * Walks every (xs pixel, phase) pair with the matching x pixel (or -1 for padding) and calls
 * visit(xsOffset, xOffset); offsets point at channel 0 of a run of inC values.
 */
function forEachPhase(g: ConvGeometry, s: StrideSplit, visit: (xsOffset: number, xOffset: number) => void): void {
  const { batch, inH, inW, inC, padTop, padLeft } = g;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < s.hs; i++) {
      for (let j = 0; j < s.ws; j++) {
        for (let rh = 0; rh < s.sH; rh++) {
          const h = s.sH * i + rh - padTop;
          for (let rw = 0; rw < s.sW; rw++, o += inC) {
            const w = s.sW * j + rw - padLeft;
            visit(o, h >= 0 && h < inH && w >= 0 && w < inW ? ((b * inH + h) * inW + w) * inC : -1);
          }
        }
      }
    }
  }
}

/** xs <- space-to-depth of the zero-padded x; xs has batch * hs * ws * channels values. */
export function spaceToDepth(x: Float32Array, g: ConvGeometry, s: StrideSplit, xs: Float32Array): void {
  const c = g.inC;
  forEachPhase(g, s, (xo, so) => {
    if (so < 0) xs.fill(0, xo, xo + c);
    else xs.set(x.subarray(so, so + c), xo);
  });
}

/** dx <- gradient of x from the gradient of xs (each x pixel appears at most once in xs). */
export function depthToSpace(dxs: Float32Array, g: ConvGeometry, s: StrideSplit, dx: Float32Array): void {
  const c = g.inC;
  dx.fill(0); // x pixels that no output reads (past the last window) get zero gradient
  forEachPhase(g, s, (xo, so) => {
    if (so >= 0) dx.set(dxs.subarray(xo, xo + c), so);
  });
}

/** W'[qh][qw][rh][rw][c][co] <- W[s*qh + rh][s*qw + rw][c][co], zero past the kernel. */
export function splitFilter(w: Float32Array, g: ConvGeometry, s: StrideSplit, wSplit: Float32Array): void {
  const run = g.inC * g.outC;
  let o = 0;
  for (let qh = 0; qh < s.qH; qh++) {
    for (let qw = 0; qw < s.qW; qw++) {
      for (let rh = 0; rh < s.sH; rh++) {
        for (let rw = 0; rw < s.sW; rw++, o += run) {
          const kh = s.sH * qh + rh, kw = s.sW * qw + rw;
          if (kh < g.kH && kw < g.kW) wSplit.set(w.subarray((kh * g.kW + kw) * run, (kh * g.kW + kw + 1) * run), o);
          else wSplit.fill(0, o, o + run);
        }
      }
    }
  }
}

/** dW[kh][kw][c][co] <- dW'[kh div s][kw div s][kh mod s][kw mod s][c][co]. */
export function mergeFilter(dwSplit: Float32Array, g: ConvGeometry, s: StrideSplit, dw: Float32Array): void {
  const run = g.inC * g.outC;
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      const qh = Math.floor(kh / s.sH), rh = kh % s.sH, qw = Math.floor(kw / s.sW), rw = kw % s.sW;
      const src = (((qh * s.qW + qw) * s.sH + rh) * s.sW + rw) * run;
      dw.set(dwSplit.subarray(src, src + run), (kh * g.kW + kw) * run);
    }
  }
}
