// Sample grids: generated images for fixed captions and fixed noise, tiled
// into one PNG so that every snapshot is comparable across steps.
import * as tf from '@tensorflow/tfjs-core';
import { encodePng } from '../data/png';

/** Images [N,S,S,3] in [-1,1] → N RGB byte arrays. */
export function toRgbBytes(images: tf.Tensor4D): Uint8Array[] {
  const [n, s] = images.shape;
  const bytes = tf.tidy(() => tf.clipByValue(tf.round(tf.mul(tf.add(images, 1), 127.5)), 0, 255));
  const data = bytes.dataSync();
  bytes.dispose(); // tidy keeps what it returns: one tensor leaked per grid before this
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(Uint8Array.from(data.subarray(i * s * s * 3, (i + 1) * s * s * 3)));
  return out;
}

export interface GridLayout {
  rows: number;
  cols: number;
  cell: number;
  /** Pixels between cells (drawn in a dark grey). */
  gap: number;
}

export function gridLayout(count: number, cell: number, maxCols = 8): GridLayout {
  const cols = Math.min(maxCols, count);
  return { rows: Math.ceil(count / cols), cols, cell, gap: 2 };
}

/** Tiles RGB cells row-major into one PNG. */
export function tileGridPng(cells: Uint8Array[], layout: GridLayout): Buffer {
  const { rows, cols, cell, gap } = layout;
  const w = cols * cell + (cols + 1) * gap;
  const h = rows * cell + (rows + 1) * gap;
  const out = new Uint8Array(w * h * 3).fill(48);
  cells.forEach((px, i) => {
    const x0 = gap + (i % cols) * (cell + gap);
    const y0 = gap + Math.floor(i / cols) * (cell + gap);
    for (let y = 0; y < cell; y++) {
      out.set(px.subarray(y * cell * 3, (y + 1) * cell * 3), ((y0 + y) * w + x0) * 3);
    }
  });
  return encodePng(out, w, h, 3);
}
