// Minimal PNG codec on node:zlib. Encodes 8-bit gray/gray-alpha/RGB/RGBA;
// decodes non-interlaced gray, gray-alpha, RGB, RGBA (8-bit) and palette or
// gray at 1/2/4/8 bits. Errors start with "PNG " and say what is wrong; the
// caller adds the file name.
import zlib from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palette images decode to 3, or 4 with tRNS). */
  channels: number;
  /** Row-major samples, width*height*channels bytes. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const COLOR_TYPE_GRAY = 0;
const COLOR_TYPE_RGB = 2;
const COLOR_TYPE_PALETTE = 3;
const COLOR_TYPE_GRAY_ALPHA = 4;
const COLOR_TYPE_RGBA = 6;

/** Samples per pixel as stored, by colour type. */
const STORED_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_TYPE_FOR_CHANNELS: Record<number, number> = { 1: COLOR_TYPE_GRAY, 2: COLOR_TYPE_GRAY_ALPHA, 3: COLOR_TYPE_RGB, 4: COLOR_TYPE_RGBA };

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG defines it (over chunk type + data). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return ~c >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes 8-bit samples (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA channels).
 * Each row gets the filter with the smallest sum of absolute residuals, the
 * usual heuristic that keeps files small.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels = 3): Buffer {
  const colorType = COLOR_TYPE_FOR_CHANNELS[channels];
  if (colorType === undefined) throw new Error(`PNG encoder supports 1-4 channels, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`PNG encoder needs positive integer dimensions, got ${width}x${height}`);
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new Error(`PNG encoder expected ${stride * height} bytes for ${width}x${height}x${channels}, got ${pixels.length}`);
  }
  const raw = new Uint8Array((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  const zeroRow = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zeroRow;
    let bestFilter = 0;
    let bestCost = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      filterRow(filter, row, prev, channels, candidate);
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const v = candidate[i]!;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestFilter = filter;
      }
    }
    const offset = y * (stride + 1);
    raw[offset] = bestFilter;
    filterRow(bestFilter, row, prev, channels, raw.subarray(offset + 1, offset + 1 + stride));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType;
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Writes row filtered with `filter` into out; bpp is bytes per pixel. */
function filterRow(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const x = row[i]!;
    let predicted = 0;
    if (filter === 1) predicted = a;
    else if (filter === 2) predicted = b;
    else if (filter === 3) predicted = (a + b) >> 1;
    else if (filter === 4) predicted = paeth(a, b, c);
    out[i] = (x - predicted) & 0xff;
  }
}

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

function readHeader(data: Uint8Array): Header {
  if (data.length !== 13) throw new Error(`PNG IHDR chunk has ${data.length} bytes, expected 13`);
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const header = { width: view.readUInt32BE(0), height: view.readUInt32BE(4), bitDepth: view[8]!, colorType: view[9]! };
  const [compression, filterMethod, interlace] = [view[10]!, view[11]!, view[12]!];
  if (header.width === 0 || header.height === 0) throw new Error(`PNG has empty dimensions ${header.width}x${header.height}`);
  if (STORED_CHANNELS[header.colorType] === undefined) throw new Error(`PNG colour type ${header.colorType} is invalid`);
  if (header.bitDepth === 16) throw new Error('PNG 16-bit samples are not supported (only 8-bit)');
  const lowDepthOk = header.colorType === COLOR_TYPE_GRAY || header.colorType === COLOR_TYPE_PALETTE;
  if (header.bitDepth !== 8 && !(lowDepthOk && [1, 2, 4].includes(header.bitDepth))) {
    throw new Error(`PNG bit depth ${header.bitDepth} is not supported for colour type ${header.colorType}`);
  }
  if (compression !== 0) throw new Error(`PNG compression method ${compression} is invalid`);
  if (filterMethod !== 0) throw new Error(`PNG filter method ${filterMethod} is invalid`);
  if (interlace === 1) throw new Error('PNG interlaced (Adam7) images are not supported');
  if (interlace !== 0) throw new Error(`PNG interlace method ${interlace} is invalid`);
  if (header.width * header.height > 1 << 28) throw new Error(`PNG is too large (${header.width}x${header.height})`);
  return header;
}

export function decodePng(buf: Uint8Array): DecodedPng {
  if (buf.length < SIGNATURE.length || !SIGNATURE.equals(buf.subarray(0, SIGNATURE.length))) {
    throw new Error('PNG signature missing (not a PNG file)');
  }
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  let pos = SIGNATURE.length;
  while (pos < view.length) {
    if (pos + 8 > view.length) throw new Error(`PNG truncated: chunk header at byte ${pos} is incomplete`);
    const length = view.readUInt32BE(pos);
    const type = view.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`PNG chunk type at byte ${pos + 4} is not valid (corrupt file)`);
    if (pos + 12 + length > view.length) throw new Error(`PNG truncated: ${type} chunk needs ${length} bytes, file ends early`);
    const data = view.subarray(pos + 8, pos + 8 + length);
    const stored = view.readUInt32BE(pos + 8 + length);
    if (crc32(view.subarray(pos + 4, pos + 8 + length)) !== stored) throw new Error(`PNG CRC mismatch in ${type} chunk (corrupt file)`);
    pos += 12 + length;
    if (header === undefined && type !== 'IHDR') throw new Error(`PNG first chunk is ${type}, expected IHDR`);
    if (type === 'IHDR') {
      if (header) throw new Error('PNG has more than one IHDR chunk');
      header = readHeader(data);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) throw new Error(`PNG PLTE chunk has invalid length ${length}`);
      palette = data;
    } else if (type === 'tRNS') {
      if (header?.colorType === COLOR_TYPE_PALETTE) paletteAlpha = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    } else if ((type.charCodeAt(0) & 0x20) === 0) {
      // Upper-case first letter: a critical chunk we cannot ignore safely.
      throw new Error(`PNG critical chunk ${type} is not supported`);
    }
  }
  if (!header) throw new Error('PNG has no IHDR chunk');
  if (!sawEnd) throw new Error('PNG truncated: no IEND chunk');
  if (idat.length === 0) throw new Error('PNG has no IDAT chunk');
  if (header.colorType === COLOR_TYPE_PALETTE && !palette) throw new Error('PNG palette image has no PLTE chunk');

  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new Error(`PNG image data is corrupt (zlib: ${(err as Error).message})`);
  }
  const samples = unfilter(raw, header);
  return expand(samples, header, palette, paletteAlpha);
}

/** Undoes the per-row filters; returns packed rows without filter bytes. */
function unfilter(raw: Uint8Array, h: Header): Uint8Array {
  const bitsPerPixel = STORED_CHANNELS[h.colorType]! * h.bitDepth;
  const stride = Math.ceil((h.width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3); // filter distance in bytes
  const expected = (stride + 1) * h.height;
  if (raw.length < expected) throw new Error(`PNG image data is too short: ${raw.length} bytes, expected ${expected}`);
  const out = new Uint8Array(stride * h.height);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = y > 0 ? out[up + i]! : 0;
      const c = i >= bpp && y > 0 ? out[up + i - bpp]! : 0;
      let predicted: number;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = a; break;
        case 2: predicted = b; break;
        case 3: predicted = (a + b) >> 1; break;
        case 4: predicted = paeth(a, b, c); break;
        default: throw new Error(`PNG row ${y} has unknown filter type ${filter}`);
      }
      out[dst + i] = (raw[src + i]! + predicted) & 0xff;
    }
  }
  return out;
}

/** Unpacks sub-byte samples and resolves palettes into 8-bit channels. */
function expand(packed: Uint8Array, h: Header, palette?: Uint8Array, paletteAlpha?: Uint8Array): DecodedPng {
  const { width, height, bitDepth, colorType } = h;
  if (colorType !== COLOR_TYPE_PALETTE && bitDepth === 8) {
    return { width, height, channels: STORED_CHANNELS[colorType]!, data: packed };
  }
  const stride = Math.ceil((width * bitDepth) / 8);
  const mask = (1 << bitDepth) - 1;
  const indexAt = (x: number, y: number): number => {
    const bit = x * bitDepth;
    const byte = packed[y * stride + (bit >> 3)]!;
    return (byte >> (8 - bitDepth - (bit & 7))) & mask;
  };
  if (colorType === COLOR_TYPE_GRAY) {
    const data = new Uint8Array(width * height);
    const scale = 255 / mask;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.round(indexAt(x, y) * scale);
    return { width, height, channels: 1, data };
  }
  const pal = palette!;
  const entries = pal.length / 3;
  const channels = paletteAlpha ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = indexAt(x, y);
      if (index >= entries) throw new Error(`PNG palette index ${index} is out of range (palette has ${entries} entries)`);
      const o = (y * width + x) * channels;
      data[o] = pal[index * 3]!;
      data[o + 1] = pal[index * 3 + 1]!;
      data[o + 2] = pal[index * 3 + 2]!;
      if (paletteAlpha) data[o + 3] = index < paletteAlpha.length ? paletteAlpha[index]! : 255;
    }
  }
  return { width, height, channels, data };
}

/**
 * Converts a decoded image to RGB (3 channels): gray is replicated, alpha is
 * composited over `background` (black by default).
 */
export function pngToRgb(png: DecodedPng, background: readonly [number, number, number] = [0, 0, 0]): Uint8Array {
  const { width, height, channels, data } = png;
  if (channels === 3) return data;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const src = p * channels;
    const hasColor = channels >= 3;
    const alpha = channels === 2 || channels === 4 ? data[src + channels - 1]! / 255 : 1;
    for (let k = 0; k < 3; k++) {
      const v = data[src + (hasColor ? k : 0)]!;
      out[p * 3 + k] = Math.round(v * alpha + background[k]! * (1 - alpha));
    }
  }
  return out;
}
