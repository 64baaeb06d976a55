// Image decoding (PNG, JPEG, refusals), AttnGAN-style crop and resize, and
// the decoded-image cache (reuse, invalidation, confinement, large datasets).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BadSamples } from '../../models/data/datasetErrors';
import { decodeImage } from '../../models/data/imageDecode';
import { openImageStore, type ImageJob } from '../../models/data/imageStore';
import { encodePng } from '../../models/data/png';
import { cropMarginSize, cubCropBox, flipRgbInPlace, resizeRgb, shorterSideSize } from '../../models/data/resize';
import { jsonErrorOffset } from '../../models/data/textFiles';
import { near, snapshot, tempDir, write, writeJpeg, writePng } from './data-fixtures';

test('decodes PNG (RGB, gray, RGBA over black) and JPEG to RGB', () => {
  const rgb = decodeImage(encodePng(Uint8Array.from([10, 20, 30, 40, 50, 60]), 2, 1, 3));
  assert.deepEqual([rgb.width, rgb.height, [...rgb.data]], [2, 1, [10, 20, 30, 40, 50, 60]]);
  const gray = decodeImage(encodePng(Uint8Array.from([7, 9]), 2, 1, 1));
  assert.deepEqual([...gray.data], [7, 7, 7, 9, 9, 9]);
  const rgba = decodeImage(encodePng(Uint8Array.from([200, 100, 50, 0, 200, 100, 50, 255]), 2, 1, 4));
  assert.deepEqual([...rgba.data], [0, 0, 0, 200, 100, 50]);

  const dir = tempDir();
  const file = writeJpeg(path.join(dir, 'a.jpg'), 16, 8, () => [200, 60, 30]);
  const jpg = decodeImage(fs.readFileSync(file));
  assert.equal(jpg.width, 16);
  assert.equal(jpg.height, 8);
  assert.equal(jpg.data.length, 16 * 8 * 3);
  assert.ok(near([...jpg.data.subarray(0, 3)], [200, 60, 30], 6));
});

test('refuses what is not a PNG or JPEG, saying what it is', () => {
  assert.throws(() => decodeImage(new Uint8Array(0)), /the file is empty/);
  assert.throws(() => decodeImage(Buffer.from('GIF89a....')), /GIF images are not supported \(convert to PNG or JPEG\)/);
  assert.throws(() => decodeImage(Buffer.from('BM........')), /BMP images are not supported/);
  assert.throws(() => decodeImage(Buffer.from('hello')), /not a PNG or JPEG file \(starts with bytes 68 65 6c 6c\)/);
  const png = encodePng(new Uint8Array(4 * 4 * 3), 4, 4, 3);
  assert.throws(() => decodeImage(png.subarray(0, png.length - 20)), /PNG truncated/);
  const dir = tempDir();
  const jpg = fs.readFileSync(writeJpeg(path.join(dir, 'b.jpg'), 32, 32, (x) => [x * 8, 0, 0]));
  assert.throws(() => decodeImage(jpg.subarray(0, jpg.length >> 1)), /JPEG does not decode/);
});

test('torchvision sizes, AttnGAN CUB crop box and the 76/64 margin', () => {
  assert.deepEqual(shorterSideSize(500, 375, 76), { width: 101, height: 76 });
  assert.deepEqual(shorterSideSize(300, 400, 76), { width: 76, height: 101 });
  assert.deepEqual(shorterSideSize(50, 50, 38), { width: 38, height: 38 });
  assert.equal(cropMarginSize(64), 76);
  assert.equal(cropMarginSize(32), 38);
  assert.equal(cropMarginSize(128), 152);
  assert.equal(cropMarginSize(256), 304);
  // r = int(0.75 * max(w, h)), centre int((2x + w) / 2), clipped to the image.
  assert.deepEqual(cubCropBox([60, 27, 325, 304], 500, 375), { x1: 0, y1: 0, x2: 465, y2: 375 });
  assert.deepEqual(cubCropBox([30, 20, 20, 16], 80, 60), { x1: 25, y1: 13, x2: 55, y2: 43 });
});

test('resize: constant stays constant, shrinking averages (antialiased, Pillow bilinear), flips mirror', () => {
  const flat = { width: 7, height: 5, data: new Uint8Array(7 * 5 * 3).fill(90) };
  assert.ok(resizeRgb(flat, 3, 2).data.every((v) => v === 90));
  assert.ok(resizeRgb(flat, 13, 11).data.every((v) => v === 90));
  // 1-pixel checkerboard halved: every output is the mean, not a sample.
  const checker = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  for (let p = 0; p < 64; p++) checker.data.fill(((p % 8) + (p >> 3)) % 2 ? 255 : 0, p * 3, p * 3 + 3);
  const half = resizeRgb(checker, 4, 4);
  assert.ok(half.data.every((v) => Math.abs(v - 127.5) < 20), `${[...half.data.subarray(0, 12)]}`);
  // Pillow's triangle filter at scale 2: (0*.75 + 100*.75 + 200*.25) / 1.75 = 71.4.
  const row = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]) };
  assert.equal(resizeRgb(row, 2, 1).data[0], 71);
  const img = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  flipRgbInPlace(img, 3, 1);
  assert.deepEqual([...img], [7, 8, 9, 4, 5, 6, 1, 2, 3]);
});

// Reference outputs of Pillow 9.4 `Image.resize(size, Image.BILINEAR)` (what
// torchvision's Resize uses) on a 9x7 image with pixel (x*37 + y*91 + c*53) % 256.
const PIL_4x3 = [98, 128, 138, 130, 155, 131, 124, 128, 137, 106, 120, 149, 108, 129, 139, 113, 133, 133, 130, 149, 126, 123, 126, 144, 129, 136, 137, 111, 131, 149, 116, 130, 126, 130, 142, 126];
const PIL_5x11_FIRST_ROWS = [21, 74, 127, 79, 132, 185, 148, 201, 194, 169, 94, 67, 37, 72, 125, 62, 115, 160, 120, 173, 132, 162, 153, 146, 116, 99, 108, 70, 113, 166];

test('resize matches Pillow bilinear within one level, shrinking and enlarging', () => {
  const data = new Uint8Array(9 * 7 * 3);
  for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) for (let c = 0; c < 3; c++) data[(y * 9 + x) * 3 + c] = (x * 37 + y * 91 + c * 53) % 256;
  const small = resizeRgb({ width: 9, height: 7, data }, 4, 3).data;
  assert.ok(near([...small], PIL_4x3, 1), `${[...small]}`);
  const tall = resizeRgb({ width: 9, height: 7, data }, 5, 11).data;
  assert.ok(near([...tall.subarray(0, 30)], PIL_5x11_FIRST_ROWS, 1), `${[...tall.subarray(0, 30)]}`);
});

test('JSON syntax errors are located even when V8 gives no position', () => {
  const text = '{"train": [\n  "a",\n}';
  let msg = '';
  try {
    JSON.parse(text);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.equal(jsonErrorOffset(text, msg), text.indexOf('}'));
});

function jobsIn(dir: string, n: number): ImageJob[] {
  return Array.from({ length: n }, (_, i) => ({ file: writePng(path.join(dir, 'data', `i${i}.png`), 40 + i, 30, (x, y) => [x * 5, y * 7, i * 30]) }));
}

test('image cache: the second open reads the cache; a changed image rebuilds it and removes the stale file', () => {
  const dir = tempDir();
  const cacheDir = path.join(dir, '.t2i-cache');
  const jobs = jobsIn(dir, 4);
  const dataBefore = snapshot(path.join(dir, 'data'));
  const opts = { shortSide: 38, cacheName: 'folder-abc-32px', cacheDir };
  const first = openImageStore(jobs, opts, new BadSamples('error'));
  assert.equal(first.stats.fromCache, false);
  const files = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.t2ic'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^folder-abc-32px-[0-9a-f]{16}\.t2ic$/);
  assert.deepEqual(fs.readdirSync(cacheDir).sort(), ['CACHEDIR.TAG', files[0]!]);
  assert.deepEqual(snapshot(path.join(dir, 'data')), dataBefore, 'only the cache folder is written');
  assert.deepEqual([first.get(0).width, first.get(0).height], [50, 38], 'shorter side 38, aspect kept');

  const second = openImageStore(jobs, opts, new BadSamples('error'));
  assert.equal(second.stats.fromCache, true);
  for (let i = 0; i < 4; i++) assert.deepEqual(second.get(i), first.get(i));

  // A different size is a different cache; both stay.
  openImageStore(jobs, { ...opts, shortSide: 20, cacheName: 'folder-abc-16px' }, new BadSamples('error'));
  assert.equal(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.t2ic')).length, 2);

  writePng(jobs[2]!.file, 44, 30, () => [1, 2, 3]);
  fs.utimesSync(jobs[2]!.file, new Date(), new Date(Date.now() + 5000));
  const third = openImageStore(jobs, opts, new BadSamples('error'));
  assert.equal(third.stats.fromCache, false);
  assert.deepEqual([...third.get(2).data.subarray(0, 3)], [1, 2, 3]);
  const now = fs.readdirSync(cacheDir).filter((f) => f.startsWith('folder-abc-32px-'));
  assert.equal(now.length, 1);
  assert.notEqual(now[0], files[0]);

  // A corrupt cache file is rebuilt, not trusted.
  fs.writeFileSync(path.join(cacheDir, now[0]!), 'garbage');
  const fourth = openImageStore(jobs, opts, new BadSamples('error'));
  assert.equal(fourth.stats.fromCache, false);
  assert.deepEqual(fourth.get(3), third.get(3));
  assert.equal(openImageStore(jobs, opts, new BadSamples('error')).stats.fromCache, true);
});

test('image cache: past the memory limit images are read from the file on demand', () => {
  const dir = tempDir();
  const jobs = jobsIn(dir, 3);
  const opts = { shortSide: 16, cacheName: 'big-1-16px', cacheDir: path.join(dir, 'c'), maxMemoryBytes: 100 };
  const inMemory = openImageStore(jobs, { ...opts, cacheDir: undefined }, new BadSamples('error'));
  const built = openImageStore(jobs, opts, new BadSamples('error'));
  const reread = openImageStore(jobs, opts, new BadSamples('error'));
  assert.equal(reread.stats.fromCache, true);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(built.get(i), inMemory.get(i));
    assert.deepEqual(reread.get(i), inMemory.get(i));
  }
  built.close();
  reread.close();
  assert.throws(() => reread.get(0), /closed/);
});

test('image cache: skip mode records failed images and reports them again from the cache', () => {
  const dir = tempDir();
  const jobs = jobsIn(dir, 3);
  write(jobs[1]!.file, 'not a png');
  const opts = { shortSide: 16, cacheName: 'x-1-16px', cacheDir: path.join(dir, 'c') };
  const bad = new BadSamples('skip');
  const store = openImageStore(jobs, opts, bad);
  assert.deepEqual([...store.failed.keys()], [1]);
  assert.equal(bad.count('undecodable image'), 1);
  assert.throws(() => store.get(1), /does not decode/);
  const bad2 = new BadSamples('skip');
  const again = openImageStore(jobs, opts, bad2);
  assert.equal(again.stats.fromCache, true);
  assert.equal(bad2.count('undecodable image'), 1);
  assert.throws(() => openImageStore(jobs, opts, new BadSamples('error')), /i1\.png: image does not decode: not a PNG or JPEG file/);
});
