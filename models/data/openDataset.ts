// Opens the dataset a config names, at the config's resolution. Paths: the
// dataset `root` is relative to the config file (`configPath`), every other
// dataset path is relative to `root`. The image cache lives in
// `<config dir>/.t2i-cache/` and is the only thing a loader writes.
import path from 'node:path';
import type { DatasetConfig, T2IConfig } from '../config/config';
import { cocoManifest } from './coco';
import { cubManifest } from './cub';
import type { T2IDataset } from './dataset';
import { BadSamples } from './datasetErrors';
import { folderManifest } from './folder';
import { resolveList, resolveUnder, type LoaderOptions } from './loaderOptions';
import { localizedNarrativesManifest } from './localizedNarratives';
import { oxford102Manifest } from './oxford102';
import { buildPhotoDataset, type Augment, type PhotoManifest } from './photoDataset';
import { buildShapesDataset } from './shapes';

/** Cache folder name, beside the config file. */
export const CACHE_DIR_NAME = '.t2i-cache';

export interface OpenDatasetOptions {
  /** The config file; `dataset.root` and the cache folder are relative to its folder. Default: paths relative to the working directory, no disk cache. */
  configPath?: string;
  /** Overrides the cache folder (false: no disk cache). */
  cacheDir?: string | false;
  /** Progress lines (decoding, cache). */
  log?: (line: string) => void;
  /** Warnings (bad samples left out under onBadSample "skip"). */
  warn?: (line: string) => void;
}

/** The cache folder a config uses, or undefined when caching is off. */
export function cacheDirFor(cfg: T2IConfig, opts: OpenDatasetOptions = {}): string | undefined {
  if (opts.cacheDir === false || !cfg.dataset.cache) return undefined;
  if (opts.cacheDir) return path.resolve(opts.cacheDir);
  return opts.configPath ? path.join(path.dirname(path.resolve(opts.configPath)), CACHE_DIR_NAME) : undefined;
}

/** The augmentation `augment: "auto"` means for a kind. */
export function augmentFor(d: DatasetConfig): Augment {
  if (d.augment !== 'auto') return d.augment;
  return d.kind === 'folder' || d.kind === 'shapes' ? 'none' : 'crop-flip';
}

export function loaderOptions(d: DatasetConfig, bad: BadSamples, opts: OpenDatasetOptions = {}): LoaderOptions {
  const base = opts.configPath ? path.dirname(path.resolve(opts.configPath)) : process.cwd();
  const root = path.resolve(base, d.root || '.');
  return {
    root,
    imagesDir: resolveUnder(root, d.imagesDir),
    splitFile: resolveUnder(root, d.splitFile),
    trainAnnotations: resolveList(root, d.trainAnnotations),
    testAnnotations: resolveList(root, d.testAnnotations),
    captionsPerImage: d.captionsPerImage ?? 0,
    bboxCrop: d.bboxCrop ?? true,
    cocoLabels: d.cocoLabels ?? 'none',
    maxImages: d.maxImages ?? 0,
    seed: d.seed ?? 0,
    testFraction: d.testFraction ?? 0.1,
    bad,
    log: opts.log,
  };
}

const MANIFESTS: Record<Exclude<DatasetConfig['kind'], 'shapes'>, (o: LoaderOptions) => PhotoManifest> = {
  cub: cubManifest,
  oxford102: oxford102Manifest,
  coco: cocoManifest,
  'localized-narratives': localizedNarrativesManifest,
  folder: folderManifest,
};

export function openDataset(cfg: T2IConfig, opts: OpenDatasetOptions = {}): T2IDataset {
  const d = cfg.dataset;
  if (d.kind === 'shapes') {
    return buildShapesDataset({
      count: d.count,
      seed: d.seed,
      size: cfg.imageSize,
      holdout: d.holdout,
      testFraction: d.testFraction,
    });
  }
  const manifestOf = MANIFESTS[d.kind];
  if (!manifestOf) throw new Error(`unknown dataset kind ${JSON.stringify(d.kind)}`);
  const bad = new BadSamples(d.onBadSample ?? 'error', opts.warn);
  const manifest = manifestOf(loaderOptions(d, bad, opts));
  const ds = buildPhotoDataset(manifest, {
    size: cfg.imageSize,
    augment: augmentFor(d),
    cacheDir: cacheDirFor(cfg, opts),
    bad,
    log: opts.log,
  });
  const s = ds.imageStats;
  opts.log?.(
    `${d.kind}: ${s.fromCache ? 'read' : 'decoded'} ${s.images} images in ${(s.ms / 1000).toFixed(1)} s` +
      (s.cacheFile ? ` (${s.fromCache ? 'from' : 'cached in'} ${s.cacheFile})` : ''),
  );
  return ds;
}

/** Every caption of both splits (the vocabulary covers train and test, as in AttnGAN). */
export function* allCaptions(ds: T2IDataset): Generator<string> {
  for (const split of [ds.train, ds.test]) {
    for (let i = 0; i < split.length; i++) yield* split.captions(i);
  }
}
