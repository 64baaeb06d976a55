// Decoded, cropped and resized images of a dataset, with an on-disk cache per
// (dataset, resolution) so the second run starts without decoding anything.
//
// Cache file `<cacheDir>/<kind>-<root hash>-<S>px-<fit|crop>-<content hash>.t2ic`
// (`crop`: stored at ⌊S·76/64⌋ for random crops; `fit`: stored at S):
//   16-byte head  "T2IC", u32 version, 8 bytes zero
//   pixel data    RGB bytes of every image, one after the other
//   footer        UTF-8 JSON {key, shortSide, dims: [w0, h0, w1, h1, ...], failed: {index: reason}}
//   tail          u32 footer length, "T2IC"
// The content hash covers the loader version, the stored size, and every
// image's path, size, modification time and crop box, so editing, adding or
// removing an image makes a new cache (the stale one is deleted). Files are
// written under a temporary name and renamed, so a cache is complete or absent.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BadSamples } from './datasetErrors';
import { decodeImage, type RgbImage } from './imageDecode';
import { cubCropBox, cropRgb, resizeRgb, shorterSideSize } from './resize';

export const CACHE_VERSION = 1;
export const CACHE_EXTENSION = '.t2ic';
const MAGIC = Buffer.from('T2IC', 'latin1');
const HEAD_BYTES = 16;
/** Above this many bytes of pixels, images are read from the cache file on demand instead of held in memory. */
export const DEFAULT_MAX_MEMORY_BYTES = 1 << 30;

export interface ImageJob {
  /** Absolute path of the PNG/JPEG file. */
  file: string;
  /** CUB bounding box [x, y, w, h]: crop AttnGAN's square around it before resizing. */
  bbox?: readonly [number, number, number, number];
}

export interface ImageStoreOptions {
  /** Shorter side of the stored images (the longer keeps the aspect ratio, as torchvision's Resize(int)). */
  shortSide: number;
  /** Stem of the cache file name, e.g. `cub-1a2b3c4d-64px-crop`; only [A-Za-z0-9._-]. */
  cacheName: string;
  /** Folder of cache files; undefined keeps the images in memory only. */
  cacheDir?: string;
  maxMemoryBytes?: number;
  log?: (line: string) => void;
}

export interface ImageStoreStats {
  images: number;
  /** Time to decode (or load from the cache) every image, ms. */
  ms: number;
  fromCache: boolean;
  cacheFile?: string;
  bytes: number;
}

export interface ImageStore {
  readonly length: number;
  /** The stored image (shared: do not modify). Throws for a failed index. */
  get(i: number): RgbImage;
  /** Indices whose image is missing or does not decode, with the reason (skip mode only). */
  readonly failed: ReadonlyMap<number, string>;
  readonly stats: ImageStoreStats;
  close(): void;
}

/** Decodes, crops and resizes one image file; the error message names the file. */
export function prepareImage(job: ImageJob, shortSide: number): RgbImage {
  const bytes = fs.readFileSync(job.file);
  let img = decodeImage(bytes);
  if (job.bbox) img = cropRgb(img, cubCropBox(job.bbox, img.width, img.height));
  const size = shorterSideSize(img.width, img.height, shortSide);
  return resizeRgb(img, size.width, size.height);
}

function cacheKey(jobs: readonly ImageJob[], stats: readonly (fs.Stats | undefined)[], shortSide: number): string {
  const h = crypto.createHash('sha256');
  h.update(`t2i-image-cache v${CACHE_VERSION} short=${shortSide} n=${jobs.length}\n`);
  jobs.forEach((job, i) => {
    const st = stats[i];
    h.update(`${job.file}\0${st ? `${st.size}:${Math.round(st.mtimeMs)}` : 'missing'}\0${job.bbox ? job.bbox.join(',') : ''}\n`);
  });
  return h.digest('hex');
}

interface Footer {
  key: string;
  shortSide: number;
  dims: number[];
  failed: Record<string, string>;
}

class MemoryStore implements ImageStore {
  constructor(
    private readonly images: (RgbImage | undefined)[],
    readonly failed: Map<number, string>,
    readonly stats: ImageStoreStats,
  ) {}
  get length(): number {
    return this.images.length;
  }
  get(i: number): RgbImage {
    const img = this.images[i];
    if (!img) throw new RangeError(this.failed.get(i) ?? `image ${i} is out of range (0..${this.images.length - 1})`);
    return img;
  }
  close(): void {}
}

/** Reads images from an open cache file on demand (datasets larger than the memory limit). */
class FileStore implements ImageStore {
  private fd: number | undefined;
  constructor(
    file: string,
    private readonly offsets: Float64Array,
    private readonly dims: number[],
    readonly failed: Map<number, string>,
    readonly stats: ImageStoreStats,
  ) {
    this.fd = fs.openSync(file, 'r');
  }
  get length(): number {
    return this.offsets.length;
  }
  get(i: number): RgbImage {
    if (this.fd === undefined) throw new Error('the image store is closed');
    const width = this.dims[2 * i];
    const height = this.dims[2 * i + 1];
    if (width === undefined || height === undefined) throw new RangeError(`image ${i} is out of range (0..${this.length - 1})`);
    if (width === 0) throw new RangeError(this.failed.get(i) ?? `image ${i} failed`);
    const data = new Uint8Array(width * height * 3);
    fs.readSync(this.fd, data, 0, data.length, this.offsets[i]!);
    return { width, height, data };
  }
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function readFooter(file: string): { footer: Footer; fileBytes: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < HEAD_BYTES + 8) return undefined;
    const head = Buffer.alloc(8);
    fs.readSync(fd, head, 0, 8, 0);
    if (!head.subarray(0, 4).equals(MAGIC) || head.readUInt32LE(4) !== CACHE_VERSION) return undefined;
    const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, size - 8);
    if (!tail.subarray(4).equals(MAGIC)) return undefined;
    const len = tail.readUInt32LE(0);
    if (len > size - HEAD_BYTES - 8) return undefined;
    const json = Buffer.alloc(len);
    fs.readSync(fd, json, 0, len, size - 8 - len);
    return { footer: JSON.parse(json.toString('utf8')) as Footer, fileBytes: size };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a valid cache file, or returns undefined (absent, stale or corrupt). */
function loadCache(file: string, key: string, count: number, opts: ImageStoreOptions, started: number): ImageStore | undefined {
  const found = readFooter(file);
  if (!found) return undefined;
  const { footer, fileBytes } = found;
  if (footer.key !== key || footer.shortSide !== opts.shortSide || !Array.isArray(footer.dims) || footer.dims.length !== 2 * count) return undefined;
  const offsets = new Float64Array(count);
  let pos = HEAD_BYTES;
  for (let i = 0; i < count; i++) {
    offsets[i] = pos;
    pos += footer.dims[2 * i]! * footer.dims[2 * i + 1]! * 3;
  }
  const footerLen = fileBytes - 8 - pos;
  if (footerLen <= 0) return undefined;
  const failed = new Map(Object.entries(footer.failed ?? {}).map(([k, v]) => [Number(k), v]));
  const bytes = pos - HEAD_BYTES;
  const stats = (): ImageStoreStats => ({ images: count, ms: performance.now() - started, fromCache: true, cacheFile: file, bytes });
  if (bytes > (opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES)) return new FileStore(file, offsets, footer.dims, failed, stats());
  const all = fs.readFileSync(file);
  const images: (RgbImage | undefined)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const width = footer.dims[2 * i]!;
    const height = footer.dims[2 * i + 1]!;
    if (width === 0) continue;
    images[i] = { width, height, data: new Uint8Array(all.buffer, all.byteOffset + offsets[i]!, width * height * 3) };
  }
  return new MemoryStore(images, failed, stats());
}

/** Removes other caches of the same dataset and size (older contents) from the cache folder. */
function removeStale(cacheDir: string, cacheName: string, keep: string): void {
  for (const f of fs.readdirSync(cacheDir)) {
    if (f.startsWith(`${cacheName}-`) && f.endsWith(CACHE_EXTENSION) && f !== keep) {
      try {
        fs.unlinkSync(path.join(cacheDir, f));
      } catch {
        // another process may be using or replacing it
      }
    }
  }
}

/**
 * Opens the images of `jobs`: from the cache when it is current, else by
 * decoding every file (and writing the cache). A missing or undecodable image
 * goes to `bad` (which throws under onBadSample "error"); in skip mode its
 * index is in `failed`.
 */
export function openImageStore(jobs: readonly ImageJob[], opts: ImageStoreOptions, bad: BadSamples): ImageStore {
  const started = performance.now();
  if (!/^[A-Za-z0-9._-]+$/.test(opts.cacheName)) throw new Error(`bad cache name ${JSON.stringify(opts.cacheName)}`);
  const stats = jobs.map((job) => {
    try {
      return fs.statSync(job.file);
    } catch {
      return undefined;
    }
  });
  const failed = new Map<number, string>();
  stats.forEach((st, i) => {
    if (!st || !st.isFile()) {
      const reason = st ? 'image path is not a file' : 'missing image';
      bad.report(st ? 'undecodable image' : 'missing image', jobs[i]!.file, undefined, reason);
      failed.set(i, `${jobs[i]!.file}: ${reason}`);
    }
  });
  const key = cacheKey(jobs, stats, opts.shortSide);
  let cacheFile: string | undefined;
  if (opts.cacheDir) {
    cacheFile = path.join(opts.cacheDir, `${opts.cacheName}-${key.slice(0, 16)}${CACHE_EXTENSION}`);
    const cached = loadCache(cacheFile, key, jobs.length, opts, started);
    if (cached) {
      // Re-report what the first pass found, so skip counts and errors are the same every run.
      for (const [i, reason] of cached.failed) {
        if (!failed.has(i)) bad.report('undecodable image', jobs[i]!.file, undefined, reason);
      }
      return cached;
    }
  }

  const images: (RgbImage | undefined)[] = new Array(jobs.length);
  let fd: number | undefined;
  let tmp: string | undefined;
  if (cacheFile && opts.cacheDir) {
    fs.mkdirSync(opts.cacheDir, { recursive: true });
    const tag = path.join(opts.cacheDir, 'CACHEDIR.TAG');
    if (!fs.existsSync(tag)) {
      fs.writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# T2I Lab image cache (decoded, resized dataset images); safe to delete.\n');
    }
    tmp = `${cacheFile}.${process.pid}.tmp`;
    fd = fs.openSync(tmp, 'w');
  }
  try {
    let pos = 0;
    const write = (buf: Uint8Array) => {
      if (fd === undefined) return;
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, pos + done);
      pos += buf.length;
    };
    const head = Buffer.alloc(HEAD_BYTES);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(CACHE_VERSION, 4);
    write(head);
    const dims: number[] = new Array(2 * jobs.length).fill(0);
    const failedReasons: Record<string, string> = {};
    let lastLog = performance.now();
    let bytes = 0;
    // Past the memory limit, keep only the cache file and read from it afterwards.
    let retain = true;
    const maxMemory = opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
    for (let i = 0; i < jobs.length; i++) {
      if (failed.has(i)) {
        failedReasons[i] = failed.get(i)!;
        continue;
      }
      let img: RgbImage;
      try {
        img = prepareImage(jobs[i]!, opts.shortSide);
      } catch (e) {
        const reason = `image does not decode: ${(e as Error).message}`;
        bad.report('undecodable image', jobs[i]!.file, undefined, reason);
        failed.set(i, reason);
        failedReasons[i] = reason;
        continue;
      }
      dims[2 * i] = img.width;
      dims[2 * i + 1] = img.height;
      write(img.data);
      bytes += img.data.length;
      if (retain) images[i] = img;
      if (retain && fd !== undefined && bytes > maxMemory) {
        retain = false;
        images.fill(undefined);
      }
      const now = performance.now();
      if (opts.log && now - lastLog > 5000) {
        const rate = (i + 1) / ((now - started) / 1000);
        opts.log(`decoding images: ${i + 1}/${jobs.length} (${rate.toFixed(0)} images/s)`);
        lastLog = now;
      }
    }
    if (fd !== undefined && cacheFile && tmp && opts.cacheDir) {
      const footer: Footer = { key, shortSide: opts.shortSide, dims, failed: failedReasons };
      const json = Buffer.from(JSON.stringify(footer), 'utf8');
      const tail = Buffer.alloc(8);
      tail.writeUInt32LE(json.length, 0);
      MAGIC.copy(tail, 4);
      write(json);
      write(tail);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, cacheFile);
      tmp = undefined;
      removeStale(opts.cacheDir, opts.cacheName, path.basename(cacheFile));
      if (!retain) {
        const reopened = loadCache(cacheFile, key, jobs.length, opts, started);
        if (!reopened) throw new Error(`${cacheFile}: the image cache just written does not read back`);
        return Object.assign(reopened, { stats: { ...reopened.stats, fromCache: false } });
      }
    }
    const st: ImageStoreStats = { images: jobs.length, ms: performance.now() - started, fromCache: false, cacheFile, bytes };
    return new MemoryStore(images, failed, st);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}
