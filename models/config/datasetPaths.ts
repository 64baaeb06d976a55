// Checks that the dataset folders and files a config names exist, before a
// trainer starts (and as editor diagnostics). Kept apart from the pure schema
// and semantic checks: a run's config snapshot is still viewable when its
// dataset has moved. Paths resolve as the loaders resolve them
// (models/data/openDataset.ts): `root` against the config's folder, the rest
// against `root`.
import fs from 'node:fs';
import path from 'node:path';
import type { T2IConfig } from './config';
import type { SchemaError } from './schemaValidator';

function exists(p: string, dir: boolean): boolean {
  try {
    const st = fs.statSync(p);
    return dir ? st.isDirectory() : true;
  } catch {
    return false;
  }
}

/** The dataset root of a config, absolute. */
export function datasetRootOf(cfg: T2IConfig, configPath: string): string {
  return path.resolve(path.dirname(path.resolve(configPath)), cfg.dataset.root || '.');
}

/** One `path`-coded error per missing folder or file; none for the procedural shapes dataset. */
export function datasetPathErrors(cfg: T2IConfig, configPath: string): SchemaError[] {
  const d = cfg.dataset;
  if (d.kind === 'shapes') return [];
  const root = datasetRootOf(cfg, configPath);
  if (!exists(root, true)) {
    return [{ pointer: '/dataset/root', code: 'path', message: `/dataset/root: the ${d.kind} dataset folder ${JSON.stringify(d.root)} does not exist (looked for ${root})` }];
  }
  const errors: SchemaError[] = [];
  const check = (pointer: string, rel: string, dir: boolean, what: string) => {
    if (!rel) return;
    const abs = path.resolve(root, rel);
    if (!exists(abs, dir)) errors.push({ pointer, code: 'path', message: `${pointer}: the ${what} ${JSON.stringify(rel)} does not exist (looked for ${abs})` });
  };
  check('/dataset/imagesDir', d.imagesDir, true, 'image folder');
  check('/dataset/splitFile', d.splitFile, false, 'split file');
  for (const key of ['trainAnnotations', 'testAnnotations'] as const) {
    const v = d[key];
    if (Array.isArray(v)) v.forEach((p, i) => check(`/dataset/${key}/${i}`, p, false, 'annotation file'));
    else check(`/dataset/${key}`, v, false, 'annotation file');
  }
  return errors;
}
