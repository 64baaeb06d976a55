// A real dataset image as a small PNG for a hover (data: URI), decoded with
// the loaders' own decoder and scaled to fit `maxSide` (shrunk smoothly, or
// enlarged by whole pixels when it is much smaller). Cached per file and
// modification time; the decode is a few milliseconds for dataset-sized photos.
import fs from 'node:fs';
import { decodeImage, type RgbImage } from '../models/data/imageDecode';
import { encodePng } from '../models/data/png';
import { resizeRgb } from '../models/data/resize';

export interface Thumbnail {
  /** Base64 PNG, no data: prefix. */
  png: string;
  width: number;
  height: number;
}

const cache = new Map<string, Thumbnail>();
const CACHE_LIMIT = 64;

function upscaleNearest(img: RgbImage, factor: number): RgbImage {
  const width = img.width * factor;
  const height = img.height * factor;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 3;
      data.set(img.data.subarray(s, s + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

export function realThumbnail(file: string, maxSide: number): Thumbnail {
  const key = `${file}\n${fs.statSync(file).mtimeMs}\n${maxSide}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const img = decodeImage(fs.readFileSync(file));
  const scale = maxSide / Math.max(img.width, img.height);
  let out = img;
  if (scale < 1) {
    out = resizeRgb(img, Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)));
  } else if (Math.floor(scale) >= 2) {
    // A dataset image smaller than the hover (32-px shapes): whole pixels, as the generated thumbnail is drawn.
    out = upscaleNearest(img, Math.floor(scale));
  }
  const thumb = { png: encodePng(out.data, out.width, out.height, 3).toString('base64'), width: out.width, height: out.height };
  cache.set(key, thumb);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return thumb;
}
