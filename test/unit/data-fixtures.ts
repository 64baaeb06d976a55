// Tiny dataset trees for the loader tests, built in temp folders: PNGs from
// our encoder, JPEGs from jpeg-js, caption files and JSON in each layout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { resolveConfig, type T2IConfig } from '../../models/config/config';
import type { T2IDataset } from '../../models/data/dataset';
import { openDataset, type OpenDatasetOptions } from '../../models/data/openDataset';
import { encodePng } from '../../models/data/png';

export type Rgb = [number, number, number];
export type Painter = (x: number, y: number) => Rgb;

export function tempDir(prefix = 't2i-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function write(file: string, content: string | Uint8Array): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

export function pixels(w: number, h: number, paint: Painter): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(paint(x, y), (y * w + x) * 3);
  return data;
}

export const solid = (c: Rgb): Painter => () => c;

export function writePng(file: string, w: number, h: number, paint: Painter): string {
  return write(file, encodePng(pixels(w, h, paint), w, h, 3));
}

export function writeJpeg(file: string, w: number, h: number, paint: Painter, quality = 95): string {
  const rgb = pixels(w, h, paint);
  const rgba = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    rgba[p * 4] = rgb[p * 3]!;
    rgba[p * 4 + 1] = rgb[p * 3 + 1]!;
    rgba[p * 4 + 2] = rgb[p * 3 + 2]!;
    rgba[p * 4 + 3] = 255;
  }
  return write(file, encodeJpeg({ width: w, height: h, data: rgba }, quality).data);
}

export function captionLines(prefix: string, n: number): string {
  return Array.from({ length: n }, (_, k) => `${prefix} caption number ${k}`).join('\n') + '\n';
}

/** Every file under dir with its size and mtime, to check that loading writes nothing there. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** First pixel of an RGB byte image. */
export function pixelAt(img: Uint8Array, size: number, x: number, y: number): Rgb {
  const o = (y * size + x) * 3;
  return [img[o]!, img[o + 1]!, img[o + 2]!];
}

export function near(a: readonly number[], b: readonly number[], tol: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

// ---- CUB -------------------------------------------------------------------

export const CUB_CLASSES = ['001.Black_footed_Albatross', '002.Laysan_Albatross', '003.Sooty_Albatross'];
export const CUB_COLORS: Rgb[] = [[220, 40, 40], [40, 200, 60], [40, 60, 220]];

export interface CubFixture {
  root: string;
  /** Keys in images.txt order (class/name). */
  keys: string[];
}

/**
 * data/birds with 3 classes x 2 JPEG images (80x60). The bird (its class
 * colour) fills the bounding box; the rest is grey. Classes 001, 002 train,
 * 003 test (Reed class lists).
 */
export function cubFixture(root = path.join(tempDir('t2i-cub-'), 'birds')): CubFixture {
  const keys: string[] = [];
  const images: string[] = [];
  const boxes: string[] = [];
  const labels: string[] = [];
  let id = 0;
  CUB_CLASSES.forEach((cls, c) => {
    for (let k = 0; k < 2; k++) {
      id++;
      const name = `${cls.split('.')[1]}_000${k}_${id}`;
      const key = `${cls}/${name}`;
      keys.push(key);
      const [bx, by, bw, bh] = [30 + k * 10, 20, 20, 16];
      writeJpeg(path.join(root, 'CUB_200_2011', 'images', `${key}.jpg`), 80, 60, (x, y) =>
        x >= bx && x < bx + bw && y >= by && y < by + bh ? CUB_COLORS[c]! : [128, 128, 128],
      );
      images.push(`${id} ${key}.jpg`);
      boxes.push(`${id} ${bx}.0 ${by}.0 ${bw}.0 ${bh}.0`);
      labels.push(`${id} ${c + 1}`);
      write(path.join(root, 'text', `${key}.txt`), captionLines(`a ${cls.split('.')[1]!.toLowerCase().replace('_', ' ')} ${k}`, 10));
    }
  });
  write(path.join(root, 'CUB_200_2011', 'images.txt'), images.join('\n') + '\n');
  write(path.join(root, 'CUB_200_2011', 'bounding_boxes.txt'), boxes.join('\n') + '\n');
  write(path.join(root, 'CUB_200_2011', 'image_class_labels.txt'), labels.join('\n') + '\n');
  write(path.join(root, 'trainvalclasses.txt'), `${CUB_CLASSES[0]}\n${CUB_CLASSES[1]}\n`);
  write(path.join(root, 'testclasses.txt'), `${CUB_CLASSES[2]}\n`);
  return { root, keys };
}

// ---- Oxford-102 ---------------------------------------------------------------

/** Reed layout: 3 classes x 2 images; class_00001 and class_00002 train, class_00003 test. */
export function oxfordFixture(root = path.join(tempDir('t2i-oxford-'), 'flowers')): { root: string } {
  let n = 0;
  for (let c = 1; c <= 3; c++) {
    for (let k = 0; k < 2; k++) {
      n++;
      const image = `image_${String(n).padStart(5, '0')}`;
      writeJpeg(path.join(root, 'jpg', `${image}.jpg`), 50, 40, solid(CUB_COLORS[c - 1]!));
      write(path.join(root, 'text_c10', `class_${String(c).padStart(5, '0')}`, `${image}.txt`), captionLines(`flower ${c} petals`, 10));
    }
    write(path.join(root, 'text_c10', `class_${String(c).padStart(5, '0')}`, `class_${c}.h5`), 'not a caption file');
  }
  write(path.join(root, 'trainvalclasses.txt'), 'class_00001\nclass_00002\n');
  write(path.join(root, 'testclasses.txt'), 'class_00003\n');
  return { root };
}

// ---- MS-COCO ---------------------------------------------------------------

export interface CocoFixture {
  root: string;
  trainIds: number[];
  testIds: number[];
}

/** COCO 2014 layout: 3 train and 2 val images, 5-6 captions each, instances with categories 1 (person), 3 (car), 18 (dog). */
export function cocoFixture(root = path.join(tempDir('t2i-coco-'), 'coco')): CocoFixture {
  const trainIds = [9, 25, 30];
  const testIds = [42, 73];
  const split = (name: string, ids: number[]) => {
    const images = ids.map((id) => ({ id, file_name: `COCO_${name}_${String(id).padStart(12, '0')}.jpg`, width: 64, height: 48 }));
    for (const im of images) writeJpeg(path.join(root, name, im.file_name), 64, 48, solid([im.id * 3, 100, 150]));
    let annId = 1000;
    const annotations = ids.flatMap((id) => Array.from({ length: id === ids[0] ? 6 : 5 }, (_, k) => ({ image_id: id, id: annId++, caption: `Picture ${id}, view ${k}.` })));
    write(path.join(root, 'annotations', `captions_${name}.json`), JSON.stringify({ info: {}, images, annotations }));
    const categories = [{ id: 1, name: 'person' }, { id: 3, name: 'car' }, { id: 18, name: 'dog' }];
    // image ids[0]: small person + big dog; ids[1]: a car; others: none.
    const inst = [
      { id: 1, image_id: ids[0], category_id: 1, area: 50, bbox: [0, 0, 5, 10], iscrowd: 0 },
      { id: 2, image_id: ids[0], category_id: 18, area: 400, bbox: [0, 0, 20, 20], iscrowd: 0 },
      { id: 3, image_id: ids[1], category_id: 3, area: 100, bbox: [0, 0, 10, 10], iscrowd: 0 },
      { id: 4, image_id: ids[1], category_id: 1, area: 900, bbox: [0, 0, 30, 30], iscrowd: 1 },
    ];
    write(path.join(root, 'annotations', `instances_${name}.json`), JSON.stringify({ images, annotations: inst, categories }));
  };
  split('train2014', trainIds);
  split('val2014', testIds);
  return { root, trainIds, testIds };
}

// ---- Localized Narratives ----------------------------------------------------

/** LN-COCO: narratives for COCO-named images (train) and Open-Images-named images (val). */
export function lnFixture(root = path.join(tempDir('t2i-ln-'), 'ln')): { root: string } {
  for (const id of [9, 25]) writePng(path.join(root, 'train2014', `COCO_train2014_${String(id).padStart(12, '0')}.png`), 40, 30, solid([id * 5, 50, 50]));
  writeJpeg(path.join(root, 'images', '0000b86e2fd18333.jpg'), 40, 30, solid([10, 200, 10]));
  const line = (image_id: string, caption: string) => JSON.stringify({ dataset_id: 'mscoco_train2014', image_id, annotator_id: 1, caption, timed_caption: [], traces: [] });
  write(path.join(root, 'coco_train_localized_narratives.jsonl'), [line('9', 'In this image we can see a cat.'), line('25', 'Here is a red bus on the road.'), line('9', 'A second narrative of the cat.')].join('\n') + '\n');
  write(path.join(root, 'coco_val_localized_narratives.jsonl'), line('0000b86e2fd18333', 'In the front there is green grass.') + '\n');
  return { root };
}

// ---- Folder ------------------------------------------------------------------

/** images/ with 6 images (PNG and JPEG, one not square), 3 captions each; optional labels.json. */
export function folderFixture(root = path.join(tempDir('t2i-folder-'), 'pics'), labels = true): { root: string; names: string[] } {
  const names: string[] = [];
  for (let i = 0; i < 6; i++) {
    const name = `img${i}.${i % 2 ? 'jpg' : 'png'}`;
    names.push(name);
    const color: Rgb = [i * 40, 255 - i * 40, 100];
    const file = path.join(root, 'images', name);
    if (i % 2) writeJpeg(file, 48, 48, solid(color));
    else writePng(file, i === 2 ? 64 : 48, 48, solid(color));
    write(path.join(root, 'images', `img${i}.txt`), `picture ${i} first\npicture ${i} second\n\npicture ${i} third\n`);
  }
  if (labels) write(path.join(root, 'labels.json'), JSON.stringify(Object.fromEntries(names.map((n, i) => [n, i % 3])), null, 2));
  return { root, names };
}

// ---- Opening through the config -------------------------------------------------


/** Writes `<dir>/test.t2i.json` with this dataset section and returns the resolved config. */
export function configIn(dir: string, dataset: object, imageSize = 32): { cfg: T2IConfig; configPath: string } {
  const raw = { method: 'baseline', imageSize, dataset };
  const configPath = write(path.join(dir, 'test.t2i.json'), JSON.stringify(raw, null, 2));
  return { cfg: resolveConfig(raw, configPath), configPath };
}

/** Opens a dataset the way the trainer does; collects warnings and log lines. */
export function openIn(dir: string, dataset: object, opts: OpenDatasetOptions & { imageSize?: number } = {}): { ds: T2IDataset; warnings: string[]; logs: string[]; configPath: string } {
  const { cfg, configPath } = configIn(dir, dataset, opts.imageSize);
  const warnings: string[] = [];
  const logs: string[] = [];
  const ds = openDataset(cfg, { configPath, warn: (l) => warnings.push(l), log: (l) => logs.push(l), ...opts });
  return { ds, warnings, logs, configPath };
}
