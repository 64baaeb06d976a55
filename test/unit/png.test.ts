import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { crc32, decodePng, encodePng, pngToRgb } from '../../models/data/png';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A chunk built independently of the codec (CRC from node:zlib). */
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
  return out;
}

function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  d[12] = interlace;
  return chunk('IHDR', d);
}

/** A PNG from already-filtered scanlines (each row starts with its filter byte). */
function pngFromScanlines(header: Buffer, scanlines: number[][], extra: Buffer[] = []): Buffer {
  const raw = Uint8Array.from(scanlines.flat());
  return Buffer.concat([SIGNATURE, header, ...extra, chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 < 4 ? (i * 3 + seed) & 0xff : s >>> 24; // part smooth, part noisy
  }
  return out;
}

test('crc32 matches node:zlib', () => {
  const data = pattern(1000, 3);
  assert.equal(crc32(data), zlib.crc32(data));
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
});

test('round trip for 1-4 channels, several sizes', () => {
  for (const channels of [1, 2, 3, 4]) {
    for (const [w, h] of [[1, 1], [3, 5], [32, 32], [17, 9]] as const) {
      const pixels = pattern(w * h * channels, w + h + channels);
      const decoded = decodePng(encodePng(pixels, w, h, channels));
      assert.equal(decoded.width, w);
      assert.equal(decoded.height, h);
      assert.equal(decoded.channels, channels);
      assert.deepEqual(decoded.data, pixels, `${channels} channels ${w}x${h}`);
    }
  }
});

test('encoder defaults to RGB and checks its input', () => {
  const rgb = pattern(4 * 4 * 3, 1);
  assert.equal(decodePng(encodePng(rgb, 4, 4)).channels, 3);
  assert.throws(() => encodePng(rgb, 4, 5), /expected 60 bytes/);
  assert.throws(() => encodePng(rgb, 4, 4, 5), /1-4 channels/);
});

test('decodes each filter type from hand-built scanlines', () => {
  // 2x2 RGB image. Row 0: (10,20,30) (40,50,60); row 1: (15,25,35) (45,65,75).
  // Row 1 is filtered with each type; row 0 is always "None" (filter 0).
  const row0 = [0, 10, 20, 30, 40, 50, 60];
  const expected = Uint8Array.from([10, 20, 30, 40, 50, 60, 15, 25, 35, 45, 65, 75]);
  const row1ByFilter: Record<number, number[]> = {
    // None: raw bytes.
    0: [0, 15, 25, 35, 45, 65, 75],
    // Sub: x - left; first pixel has no left neighbour. 45-15, 65-25, 75-35.
    1: [1, 15, 25, 35, 30, 40, 40],
    // Up: x - above. 15-10, 25-20, 35-30, 45-40, 65-50, 75-60.
    2: [2, 5, 5, 5, 5, 15, 15],
    // Average: x - floor((left + above) / 2). First pixel: 15 - 5, 25 - 10, 35 - 15;
    // second: 45 - floor((15+40)/2)=45-27, 65 - floor((25+50)/2)=65-37, 75 - floor((35+60)/2)=75-47.
    3: [3, 10, 15, 20, 18, 28, 28],
    // Paeth: predictor is the neighbour nearest to left + above - upleft. First pixel: a=0, b=above, c=0 -> b.
    // Second pixel, R: a=15 b=40 c=10, p=45 -> pb=5 smallest -> 40: 45-40=5.
    // G: a=25 b=50 c=20, p=55 -> pb=5 -> 50: 15. B: a=35 b=60 c=30, p=65 -> 60: 15.
    4: [4, 5, 5, 5, 5, 15, 15],
  };
  for (const [filter, row1] of Object.entries(row1ByFilter)) {
    const decoded = decodePng(pngFromScanlines(ihdr(2, 2, 8, 2), [row0, row1]));
    assert.deepEqual(decoded.data, expected, `filter ${filter}`);
  }
  // Wrap-around arithmetic: Sub with a byte that must overflow mod 256.
  const wrapped = decodePng(pngFromScanlines(ihdr(2, 1, 8, 0), [[1, 200, 100]]));
  assert.deepEqual(wrapped.data, Uint8Array.from([200, 44]));
  // Paeth where up-left wins. Gray 2x2, row 0 = [11, 12]. Row 1 pixel 0: a=0 b=11 c=0 -> b,
  // stored 255 gives (255+11)&255 = 10. Pixel 1: a=10 b=12 c=11, p=11 -> c, stored 3 gives 14.
  const paethC = decodePng(pngFromScanlines(ihdr(2, 2, 8, 0), [[0, 11, 12], [4, 255, 3]]));
  assert.deepEqual([...paethC.data], [11, 12, 10, 14]);
});

test('the encoder picks filters that the decoder undoes (smooth gradients and noise)', () => {
  const w = 40;
  const h = 30;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      rgb[o] = x * 6;
      rgb[o + 1] = y * 8;
      rgb[o + 2] = (x * y) & 0xff;
    }
  }
  const png = encodePng(rgb, w, h);
  const raw = zlib.inflateSync(png.subarray(8 + 25 + 8, png.length - 12 - 4));
  const filters = new Set(Array.from({ length: h }, (_, y) => raw[y * (w * 3 + 1)]));
  assert.ok(filters.size >= 2, `expected several filter types, got ${[...filters]}`);
  assert.deepEqual(decodePng(png).data, rgb);
});

test('palette images: 8-bit, 2-bit packed, and tRNS alpha', () => {
  const plte = chunk('PLTE', Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]));
  // 3x1, indices 2, 0, 1.
  const eight = decodePng(pngFromScanlines(ihdr(3, 1, 8, 3), [[0, 2, 0, 1]], [plte]));
  assert.equal(eight.channels, 3);
  assert.deepEqual(eight.data, Uint8Array.from([0, 0, 255, 255, 0, 0, 0, 255, 0]));
  // 2-bit: indices 1, 2, 0, 1, 2 packed MSB first: 01 10 00 01 | 10 000000.
  const packed = decodePng(pngFromScanlines(ihdr(5, 1, 2, 3), [[0, 0b01100001, 0b10000000]], [plte]));
  assert.deepEqual(packed.data, Uint8Array.from([0, 255, 0, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]));
  const trns = chunk('tRNS', Uint8Array.from([0, 128]));
  const alpha = decodePng(pngFromScanlines(ihdr(3, 1, 8, 3), [[0, 0, 1, 2]], [plte, trns]));
  assert.equal(alpha.channels, 4);
  assert.deepEqual(alpha.data, Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255]));
  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 8, 3), [[0, 5]], [plte])), /PNG palette index 5 is out of range/);
  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 8, 3), [[0, 0]])), /PNG palette image has no PLTE/);
});

test('gray and gray-alpha from hand-built files; low bit-depth gray scales to 0..255', () => {
  const gray = decodePng(pngFromScanlines(ihdr(2, 1, 8, 0), [[0, 7, 250]]));
  assert.deepEqual([gray.channels, ...gray.data], [1, 7, 250]);
  const ga = decodePng(pngFromScanlines(ihdr(1, 1, 8, 4), [[0, 100, 50]]));
  assert.deepEqual([ga.channels, ...ga.data], [2, 100, 50]);
  const oneBit = decodePng(pngFromScanlines(ihdr(3, 1, 1, 0), [[0, 0b10100000]]));
  assert.deepEqual([...oneBit.data], [255, 0, 255]);
});

test('pngToRgb replicates gray and composites alpha over black', () => {
  assert.deepEqual([...pngToRgb({ width: 1, height: 1, channels: 1, data: Uint8Array.from([9]) })], [9, 9, 9]);
  assert.deepEqual([...pngToRgb({ width: 1, height: 1, channels: 2, data: Uint8Array.from([200, 0]) })], [0, 0, 0]);
  assert.deepEqual([...pngToRgb({ width: 1, height: 1, channels: 4, data: Uint8Array.from([200, 100, 50, 255]) })], [200, 100, 50]);
});

test('corrupt, truncated and unsupported files give clear errors', () => {
  const good = encodePng(pattern(8 * 8 * 3, 5), 8, 8);
  assert.throws(() => decodePng(Buffer.from('hello world, not a png')), /^Error: PNG signature missing/);

  const badCrc = Buffer.from(good);
  const idatData = good.indexOf('IDAT') + 4;
  badCrc[idatData] = badCrc[idatData]! ^ 0xff;
  assert.throws(() => decodePng(badCrc), /PNG CRC mismatch in IDAT chunk/);

  assert.throws(() => decodePng(good.subarray(0, good.length - 20)), /PNG truncated/);
  assert.throws(() => decodePng(good.subarray(0, 12)), /PNG truncated/);
  // Cut cleanly between chunks, before IEND.
  assert.throws(() => decodePng(good.subarray(0, good.length - 12)), /PNG truncated: no IEND/);

  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 8, 2, 1), [[0, 1, 2, 3]])), /PNG interlaced/);
  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 16, 2), [[0, 1, 2, 3, 4, 5, 6]])), /PNG 16-bit/);
  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 8, 2), [[5, 1, 2, 3]])), /PNG row 0 has unknown filter type 5/);
  assert.throws(() => decodePng(pngFromScanlines(ihdr(2, 2, 8, 2), [[0, 1, 2, 3, 4, 5, 6]])), /PNG image data is too short/);
  const garbage = Buffer.concat([SIGNATURE, ihdr(1, 1, 8, 2), chunk('IDAT', Uint8Array.from([1, 2, 3, 4])), chunk('IEND', new Uint8Array(0))]);
  assert.throws(() => decodePng(garbage), /PNG image data is corrupt \(zlib/);
  const noHeader = Buffer.concat([SIGNATURE, chunk('IEND', new Uint8Array(0))]);
  assert.throws(() => decodePng(noHeader), /PNG first chunk is IEND, expected IHDR/);
});

test('ancillary chunks are skipped, unknown critical chunks rejected', () => {
  const text = chunk('tEXt', Buffer.from('Comment\0hi'));
  assert.deepEqual([...decodePng(pngFromScanlines(ihdr(1, 1, 8, 0), [[0, 42]], [text])).data], [42]);
  const critical = chunk('ABCD', Uint8Array.from([1]));
  assert.throws(() => decodePng(pngFromScanlines(ihdr(1, 1, 8, 0), [[0, 42]], [critical])), /PNG critical chunk ABCD/);
});
