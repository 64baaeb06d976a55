// Loader throughput (images/s at S x S), for the folder and shapes loaders:
//   node --import tsx models/data/loaderBench.ts [--count 400] [--size 64]
// Folder: a temp folder of PNGs (S x S and 256x256, as `t2i shapes --size N`
// writes them) and JPEGs (500x375, CUB-like photos) with sidecar captions. Reports
// the first open (decode + resize + cache write), the second open (cache
// read), and training reads (random crop + flip per image from the cache).
// Shapes: first image(i) call (render) and later calls (memory cache).
// Writes only under the OS temp folder, and removes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { resolveConfig } from '../config/config';
import type { T2IDataset } from './dataset';
import { openDataset } from './openDataset';
import type { PhotoDataset } from './photoDataset';
import { encodePng } from './png';
import { Rng } from './rng';
import { buildShapesDataset, randomShapeSpec, renderShape } from './shapes';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function photo(w: number, h: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const data = new Uint8Array(w * h * 3);
  const fx = rng.range(0.02, 0.1);
  const fy = rng.range(0.02, 0.1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = 128 + 100 * Math.sin(x * fx + y * 0.01);
      data[o + 1] = 128 + 100 * Math.cos(y * fy);
      data[o + 2] = (x * y + rng.int(24)) & 255;
    }
  }
  return data;
}

function toRgba(rgb: Uint8Array): Buffer {
  const out = Buffer.alloc((rgb.length / 3) * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    out[q] = rgb[p]!;
    out[q + 1] = rgb[p + 1]!;
    out[q + 2] = rgb[p + 2]!;
    out[q + 3] = 255;
  }
  return out;
}

function time<T>(fn: () => T): { value: T; s: number } {
  const t = performance.now();
  const value = fn();
  return { value, s: (performance.now() - t) / 1000 };
}

function readAll(ds: T2IDataset, rng?: Rng): number {
  let n = 0;
  for (const split of [ds.train, ds.test]) for (let i = 0; i < split.length; i++, n++) split.image(i, rng);
  return n;
}

function benchFolder(kind: 'png' | 'jpeg', count: number, size: number, side = 256): Record<string, number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-loader-bench-'));
  try {
    const images = path.join(dir, 'data', 'images');
    fs.mkdirSync(images, { recursive: true });
    const specRng = new Rng(1);
    for (let i = 0; i < count; i++) {
      const name = `img${String(i).padStart(5, '0')}`;
      if (kind === 'png') {
        const spec = randomShapeSpec(specRng);
        fs.writeFileSync(path.join(images, `${name}.png`), encodePng(renderShape(spec, side), side, side, 3));
      } else {
        fs.writeFileSync(path.join(images, `${name}.jpg`), encodeJpeg({ width: 500, height: 375, data: toRgba(photo(500, 375, i)) }, 90).data);
      }
      fs.writeFileSync(path.join(images, `${name}.txt`), `picture ${i}\nanother caption ${i}\n`);
    }
    const raw = { method: 'baseline', imageSize: size, dataset: { kind: 'folder', root: 'data', augment: 'crop-flip' } };
    const configPath = path.join(dir, 'bench.t2i.json');
    fs.writeFileSync(configPath, JSON.stringify(raw));
    const cfg = resolveConfig(raw, configPath);
    const first = time(() => openDataset(cfg, { configPath }) as PhotoDataset);
    const second = time(() => openDataset(cfg, { configPath }) as PhotoDataset);
    if (!second.value.imageStats.fromCache) throw new Error('second open did not use the cache');
    const label = kind === 'png' ? `png ${side}px` : 'jpeg 500x375';
    const rng = new Rng(3);
    let reads = 0;
    const reading = time(() => {
      for (let k = 0; k < 5; k++) reads += readAll(second.value, rng);
    });
    return {
      [`folder ${label}: first open (decode+resize+cache), images/s`]: count / first.s,
      [`folder ${label}: cached open, images/s`]: count / second.s,
      [`folder ${label}: training reads (crop+flip from cache), images/s`]: reads / reading.s,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function benchShapes(count: number, size: number): Record<string, number> {
  const ds = buildShapesDataset({ count, seed: 0, size });
  const first = time(() => readAll(ds));
  const second = time(() => readAll(ds));
  return {
    'shapes first pass (render), images/s': first.value / first.s,
    'shapes cached pass, images/s': second.value / second.s,
  };
}

const count = arg('count', 400);
const size = arg('size', 64);
const results = {
  ...benchShapes(Math.max(count, 2000), size),
  ...benchFolder('png', count, size, size),
  ...benchFolder('png', count, size, 256),
  ...benchFolder('jpeg', Math.ceil(count / 2), size),
};
console.log(`loader throughput at ${size}x${size} (${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version})`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(70)} ${v.toFixed(0)}`);
