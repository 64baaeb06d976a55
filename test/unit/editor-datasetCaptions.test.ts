// Caption hovers in dataset caption files: which real image a caption file
// belongs to (the loaders' path rules), and that both thumbnails fit a hover.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { datasetCaptionFile } from '../../extension/datasetCaptionFile';
import { realThumbnail } from '../../extension/realThumbnail';
import { decodePng } from '../../models/data/png';
import { openDataset } from '../../models/data/openDataset';
import { configIn, cubFixture, folderFixture, oxfordFixture, tempDir, writeJpeg } from './data-fixtures';

test('CUB: text/<class>/<name>.txt is the image the CUB loader pairs with those captions', () => {
  const dir = tempDir();
  const { root, keys } = cubFixture(path.join(dir, 'birds'));
  const { cfg, configPath } = configIn(dir, { kind: 'cub', root: 'birds' });
  const ds = openDataset(cfg, { configPath, cacheDir: false });
  const key = keys[3]!;
  const hit = datasetCaptionFile(cfg, configPath, path.join(root, 'text', `${key}.txt`))!;
  assert.equal(hit.kind, 'cub');
  assert.equal(hit.key, key);
  assert.equal(hit.image, path.join(root, 'CUB_200_2011', 'images', `${key}.jpg`));
  // The loader pairs the same file's captions with the same key.
  const split = [ds.train, ds.test].find((sp) => Array.from({ length: sp.length }, (_, i) => sp.key!(i)).includes(key))!;
  const i = Array.from({ length: split.length }, (_, j) => split.key!(j)).indexOf(key);
  const fileCaptions = fs.readFileSync(path.join(root, 'text', `${key}.txt`), 'utf8').split('\n').filter((l) => l.trim());
  assert.deepEqual(split.captions(i), fileCaptions);
  // Not caption files: the class lists at the root, files outside the dataset.
  assert.equal(datasetCaptionFile(cfg, configPath, path.join(root, 'trainvalclasses.txt')), undefined);
  assert.equal(datasetCaptionFile(cfg, configPath, path.join(dir, 'notes.txt')), undefined);
});

test('Oxford-102 (Reed text_c10) and folder datasets', () => {
  const dir = tempDir();
  const { root } = oxfordFixture(path.join(dir, 'flowers'));
  const ox = configIn(dir, { kind: 'oxford102', root: 'flowers' });
  const hit = datasetCaptionFile(ox.cfg, ox.configPath, path.join(root, 'text_c10', 'class_00002', 'image_00003.txt'))!;
  assert.deepEqual(hit, { configPath: ox.configPath, kind: 'oxford102', key: 'class_00002/image_00003', image: path.join(root, 'jpg', 'image_00003.jpg') });

  const dir2 = tempDir();
  const f = folderFixture(path.join(dir2, 'pics'));
  const fc = configIn(dir2, { kind: 'folder', root: 'pics' });
  const png = datasetCaptionFile(fc.cfg, fc.configPath, path.join(f.root, 'images', 'img2.txt'))!;
  assert.equal(png.image, path.join(f.root, 'images', 'img2.png'));
  const jpg = datasetCaptionFile(fc.cfg, fc.configPath, path.join(f.root, 'images', 'img1.txt'))!;
  assert.equal(jpg.image, path.join(f.root, 'images', 'img1.jpg'));
  // A shapes config owns no caption files.
  const shapes = configIn(tempDir(), { kind: 'shapes' });
  assert.equal(datasetCaptionFile(shapes.cfg, shapes.configPath, path.join(f.root, 'images', 'img1.txt')), undefined);
});

test('a photo-sized real image becomes a thumbnail that fits a hover beside a generated one', () => {
  const dir = tempDir();
  // Noisy 500x375 photo: the hard case for PNG size.
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const file = writeJpeg(path.join(dir, 'bird.jpg'), 500, 375, (x, y) => [(x + noise()) & 255, (y * 2 + noise()) & 255, noise()]);
  const t = realThumbnail(file, 128);
  assert.equal(t.width, 128);
  assert.equal(t.height, 96);
  const png = decodePng(Buffer.from(t.png, 'base64'));
  assert.equal(png.width, 128);
  assert.equal(png.height, 96);
  // Worst case for the generated side: a 128-px thumbnail of a 64-px image (~25,000 chars) plus markup.
  assert.ok(t.png.length + 30_000 < 100_000, `real thumbnail ${t.png.length} base64 chars`);
  assert.equal(realThumbnail(file, 128), t, 'cached');
  // A small dataset image (32-px shapes) is enlarged by whole pixels to hover size.
  const small = writeJpeg(path.join(dir, 'small.jpg'), 32, 24, (x) => (x < 16 ? [255, 0, 0] : [0, 0, 255]));
  const big = realThumbnail(small, 128);
  assert.deepEqual([big.width, big.height], [128, 96]);
  fs.rmSync(dir, { recursive: true, force: true });
});
