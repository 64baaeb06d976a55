// Decodes PNG (our codec) and JPEG (jpeg-js, pure JS) files into RGB bytes.
// Errors say what the bytes are when they are not an image we read.
import { decode as decodeJpeg } from 'jpeg-js';
import { decodePng, pngToRgb } from './png';

/** An RGB image: width*height*3 bytes, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Largest image we decode (megapixels); bigger files are refused rather than exhausting memory. */
const MAX_MEGAPIXELS = 100;

function sniff(bytes: Uint8Array): string {
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46) return 'GIF';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'BMP';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45) return 'WebP';
  if ((b(0) === 0x49 && b(1) === 0x49) || (b(0) === 0x4d && b(1) === 0x4d)) return 'TIFF';
  return '';
}

/** Decodes PNG or JPEG bytes to RGB. Throws an Error whose message says why not (the caller adds the file). */
export function decodeImage(bytes: Uint8Array): RgbImage {
  if (bytes.length === 0) throw new Error('the file is empty');
  const kind = sniff(bytes);
  if (kind === 'png') {
    const png = decodePng(bytes);
    return { width: png.width, height: png.height, data: pngToRgb(png) };
  }
  if (kind === 'jpeg') {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: MAX_MEGAPIXELS,
        maxMemoryUsageInMB: 1024,
      });
    } catch (e) {
      throw new Error(`JPEG does not decode: ${(e as Error).message}`);
    }
    if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
      throw new Error(`JPEG does not decode: got a ${img.width}x${img.height} image with ${img.data.length} bytes`);
    }
    return img;
  }
  const hex = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
  throw new Error(kind ? `${kind} images are not supported (convert to PNG or JPEG)` : `not a PNG or JPEG file (starts with bytes ${hex})`);
}
