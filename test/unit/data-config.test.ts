// The `dataset` config section and its wiring: schema fields, defaults, path
// resolution relative to the config file, the cache folder, and a short
// training run on a folder dataset with a bad sample skipped.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CONFIG_SCHEMA, resolveConfig } from '../../models/config/config';
import type { JsonSchema } from '../../models/config/schemaValidator';
import { augmentFor, cacheDirFor, loaderOptions, openDataset } from '../../models/data/openDataset';
import { BadSamples } from '../../models/data/datasetErrors';
import { readAllEvents } from '../../models/run/runReader';
import { train } from '../../models/train/trainer';
import { configIn, folderFixture, snapshot, tempDir, write } from './data-fixtures';

const minimal = (dataset: object) => ({ method: 'baseline', dataset });

test('schema: every dataset field has a description and a default (IntelliSense)', () => {
  const props = CONFIG_SCHEMA.properties!.dataset!.properties as Record<string, JsonSchema & { enumDescriptions?: string[] }>;
  for (const [name, p] of Object.entries(props)) {
    assert.ok(p.description, `${name} has a description`);
    if (name !== 'kind') assert.ok(p.default !== undefined, `${name} has a default`);
    if (p.enum && p.enumDescriptions) assert.equal(p.enumDescriptions.length, p.enum.length, `${name} describes every value`);
  }
  assert.deepEqual(props.kind!.enum, ['shapes', 'cub', 'oxford102', 'coco', 'localized-narratives', 'folder']);
});

test('config: dataset defaults, every kind accepted, bad values pointed at', () => {
  const cfg = resolveConfig(minimal({ kind: 'cub', root: '../data/birds' }));
  assert.equal(cfg.dataset.root, '../data/birds');
  assert.equal(cfg.dataset.onBadSample, 'error');
  assert.equal(cfg.dataset.captionsPerImage, 0);
  assert.equal(cfg.dataset.augment, 'auto');
  assert.equal(cfg.dataset.bboxCrop, true);
  assert.equal(cfg.dataset.cocoLabels, 'none');
  assert.equal(cfg.dataset.cache, true);
  for (const kind of ['shapes', 'cub', 'oxford102', 'coco', 'localized-narratives', 'folder']) resolveConfig(minimal({ kind }));
  resolveConfig(minimal({ kind: 'localized-narratives', trainAnnotations: ['a-00000.jsonl', 'a-00001.jsonl'] }));
  const bad: [object, RegExp][] = [
    [{ kind: 'cub', onBadSample: 'ignore' }, /\/dataset\/onBadSample must be one of "error", "skip"/],
    [{ kind: 'coco', cocoLabels: 'largest' }, /\/dataset\/cocoLabels must be one of/],
    [{ kind: 'cub', captionsPerImage: -1 }, /\/dataset\/captionsPerImage must be >= 0/],
    [{ kind: 'cub', rootDir: 'x' }, /\/dataset\/rootDir is not a known field/],
    [{ kind: 'coco', trainAnnotations: 5 }, /\/dataset\/trainAnnotations must be string or array/],
    [{ kind: 'shapes', augment: 'crop-flip' }, /\/dataset\/augment "crop-flip" cannot be used with shapes/],
    [{ kind: 'cub', holdout: [['red', 'circle']] }, /\/dataset\/holdout applies only to the shapes dataset, not "cub"/],
  ];
  for (const [dataset, pattern] of bad) assert.throws(() => resolveConfig(minimal(dataset), 'x.t2i.json'), pattern);
});

test('paths: root relative to the config file, the others relative to root; cache beside the config', () => {
  const dir = tempDir();
  const { cfg, configPath } = configIn(path.join(dir, 'configs'), {
    kind: 'coco',
    root: '../data/coco',
    imagesDir: 'imgs',
    splitFile: 'karpathy.json',
    trainAnnotations: ['a.json', '/abs/b.json'],
    testAnnotations: '',
  });
  const o = loaderOptions(cfg.dataset, new BadSamples('error'), { configPath });
  assert.equal(o.root, path.join(dir, 'data', 'coco'));
  assert.equal(o.imagesDir, path.join(dir, 'data', 'coco', 'imgs'));
  assert.equal(o.splitFile, path.join(dir, 'data', 'coco', 'karpathy.json'));
  assert.deepEqual(o.trainAnnotations, [path.join(dir, 'data', 'coco', 'a.json'), '/abs/b.json']);
  assert.equal(o.testAnnotations, undefined);
  assert.equal(cacheDirFor(cfg, { configPath }), path.join(dir, 'configs', '.t2i-cache'));
  assert.equal(cacheDirFor(cfg, {}), undefined, 'no config file, no disk cache');
  assert.equal(cacheDirFor({ ...cfg, dataset: { ...cfg.dataset, cache: false } }, { configPath }), undefined);
  assert.equal(augmentFor(cfg.dataset), 'crop-flip');
  assert.equal(augmentFor({ ...cfg.dataset, kind: 'folder' }), 'none');
  assert.equal(augmentFor({ ...cfg.dataset, kind: 'folder', augment: 'crop' }), 'crop');
});

test('openDataset opens shapes as before, and folders with the cache off', () => {
  const shapes = openDataset(resolveConfig(minimal({ kind: 'shapes', count: 48 })));
  assert.equal(shapes.kind, 'shapes');
  assert.equal(shapes.train.length + shapes.test.length, 48);
  const { root } = folderFixture();
  const { cfg, configPath } = configIn(path.dirname(root), { kind: 'folder', root: 'pics', cache: false });
  const ds = openDataset(cfg, { configPath });
  assert.equal(ds.train.length + ds.test.length, 6);
  assert.equal(fs.existsSync(path.join(path.dirname(root), '.t2i-cache')), false);
});

test('a short training run on a folder dataset: warnings in the run log, cache beside the config, dataset untouched', async () => {
  const { root } = folderFixture();
  const dir = path.dirname(root);
  write(path.join(root, 'images', 'img5.txt'), '???\n');
  const before = snapshot(root);
  const configPath = write(
    path.join(dir, 'pics.t2i.json'),
    JSON.stringify({
      method: 'baseline',
      imageSize: 32,
      dataset: { kind: 'folder', root: 'pics', onBadSample: 'skip', augment: 'crop-flip', testFraction: 0.2 },
      baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
      train: { batchSize: 2, steps: 2, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
      preview: { count: 1 },
    }),
  );
  const lines: string[] = [];
  const result = await train({ configPath, log: (l) => lines.push(l) });
  assert.equal(result.step, 2);
  const events = readAllEvents(result.runDir);
  const warns = events.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e as { message: string }).message);
  assert.equal(warns.length, 1);
  assert.match(warns[0]!, /skipped 1 sample \(empty caption\); first: .*img5\.txt:1: empty caption/);
  assert.ok(lines.some((l) => /folder: decoded 5 images/.test(l)), lines.join('\n'));
  assert.ok(fs.readdirSync(path.join(dir, '.t2i-cache')).some((f) => f.endsWith('.t2ic')));
  assert.deepEqual(snapshot(root), before);
  const vocab = JSON.parse(fs.readFileSync(path.join(result.runDir, 'vocab.json'), 'utf8'));
  assert.ok(vocab.words.includes('picture'));
});
