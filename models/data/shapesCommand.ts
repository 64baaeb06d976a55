// `t2i shapes`: writes the shapes dataset to a folder as PNGs plus a JSONL
// index, for inspection or for use by other tools.
import fs from 'node:fs';
import path from 'node:path';
import { encodePng } from './png';
import { generateShapeItems, type ShapeItem } from './shapesDataset';
import { renderShape } from './shapesRender';
import { attributesOf } from './shapesSpec';

export interface WriteShapesOptions {
  out: string;
  count: number;
  /** Image side S in pixels. */
  size: number;
  seed: number;
  holdout?: readonly (readonly [string, string])[];
  testFraction?: number;
}

export const SHAPES_INDEX_FILE = 'shapes.jsonl';
export const SHAPES_IMAGES_DIR = 'images';

/** Files in flight at once: enough to overlap disk writes with rendering. */
const WRITE_CONCURRENCY = 16;

export function shapeImageFile(index: number): string {
  return `${SHAPES_IMAGES_DIR}/${String(index).padStart(6, '0')}.png`;
}

/** One line of shapes.jsonl. */
export function shapeIndexLine(item: ShapeItem): string {
  return JSON.stringify({
    file: shapeImageFile(item.index),
    captions: item.captions,
    label: item.label,
    attributes: attributesOf(item.spec),
    split: item.split,
  });
}

/**
 * Writes out/images/000000.png ... and out/shapes.jsonl (one JSON object per
 * image: file, captions, label, attributes, split). Same items as
 * buildShapesDataset with the same options. Returns the number of images and
 * the elapsed milliseconds.
 */
export async function writeShapesFolder(opts: WriteShapesOptions): Promise<{ files: number; ms: number }> {
  const started = performance.now();
  const items = generateShapeItems(opts);
  await fs.promises.mkdir(path.join(opts.out, SHAPES_IMAGES_DIR), { recursive: true });

  let next = 0;
  const writeNext = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      const png = encodePng(renderShape(item.spec, opts.size), opts.size, opts.size, 3);
      await fs.promises.writeFile(path.join(opts.out, shapeImageFile(item.index)), png);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, writeNext));

  // Index last and via rename, so a complete index means complete images.
  const indexPath = path.join(opts.out, SHAPES_INDEX_FILE);
  await fs.promises.writeFile(`${indexPath}.tmp`, items.map((it) => shapeIndexLine(it) + '\n').join(''));
  await fs.promises.rename(`${indexPath}.tmp`, indexPath);
  return { files: items.length, ms: performance.now() - started };
}
