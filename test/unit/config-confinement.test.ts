// Paths from configs are confined: whatever a config says (a `name` that looks
// like a path, unknown keys naming folders, a dataset or its cache pointed
// elsewhere, paths that do not exist), the real trainer (dist/cli.js) either
// refuses it with a config error naming the field (JSON pointer), writing
// nothing, or trains and writes only inside its run folder
// (`<config dir>/runs/<stem>/<run id>`) and the config's `.t2i-cache/`.
// Every case runs in its own temp tree holding the project folder, an
// "outside" folder the config points at, and the trainer's working
// directory; the whole tree is snapshotted before and after.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readStatus } from '../../models/run/runReader';
import { folderFixture } from './data-fixtures';

const CLI = path.join(__dirname, '../../dist/cli.js');
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-confine-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const tiny = {
  method: 'baseline',
  // wasm on one thread: a few times faster than the pure-JS cpu backend here, and light on the machine.
  backend: 'wasm',
  threads: 1,
  imageSize: 32,
  dataset: { kind: 'shapes', count: 40, seed: 1 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 2, sampleEvery: 1, checkpointEvery: 1 },
  preview: { count: 2 },
};

interface Entry { kind: 'file' | 'dir' | 'link'; size: number; mtimeMs: number }

/** Every path under `root` (relative), with what would show a write; links are not followed. */
function snapshot(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const abs = path.join(dir, name);
      const st = fs.lstatSync(abs);
      const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
      out.set(path.relative(root, abs), { kind, size: st.size, mtimeMs: kind === 'dir' ? 0 : st.mtimeMs });
      if (kind === 'dir') walk(abs);
    }
  };
  walk(root);
  return out;
}

/** Paths added or changed between two snapshots, and paths removed. */
function diff(before: Map<string, Entry>, afterSnap: Map<string, Entry>): { written: string[]; removed: string[] } {
  const written = [...afterSnap].filter(([p, e]) => {
    const b = before.get(p);
    return !b || b.kind !== e.kind || b.size !== e.size || b.mtimeMs !== e.mtimeMs;
  }).map(([p]) => p);
  const removed = [...before.keys()].filter((p) => !afterSnap.has(p));
  return { written, removed };
}

interface Case {
  name: string;
  /** Builds the config (given the case's folders); may create files outside. */
  config: (dirs: { proj: string; outside: string }) => Record<string, unknown>;
  /** A config error naming this pointer; absent: it trains. */
  pointer?: string;
}

const cases: Case[] = [
  // `name` is only a display name: it never becomes part of a path.
  { name: 'name climbing out', config: () => ({ ...tiny, name: '../escape' }) },
  { name: 'name as an absolute path', config: ({ outside }) => ({ ...tiny, name: path.join(outside, 'abs-name') }) },
  { name: 'name with separators of both kinds', config: () => ({ ...tiny, name: 'runs/../../outside/a\\b/../../c' }) },
  { name: 'preview captions that look like paths', config: ({ outside }) => ({ ...tiny, preview: { count: 2, captions: ['../../../x', path.join(outside, 'y')] } }) },
  // A dataset outside the project is read, never written: the image cache goes to the config's .t2i-cache.
  {
    name: 'folder dataset outside the project (relative root), cache on',
    config: ({ outside }) => ({ ...tiny, dataset: { kind: 'folder', root: path.relative(path.join(outside, '../proj'), folderFixture(path.join(outside, 'pics')).root), cache: true, testFraction: 0.34 } }),
  },
  {
    name: 'folder dataset outside the project (absolute root), cache on',
    config: ({ outside }) => ({ ...tiny, dataset: { kind: 'folder', root: folderFixture(path.join(outside, 'pics')).root, cache: true, testFraction: 0.34 } }),
  },
  // Keys that would choose an output folder do not exist: refused, not ignored.
  { name: 'unknown key runDir', config: ({ outside }) => ({ ...tiny, runDir: path.join(outside, 'run') }), pointer: '/runDir' },
  { name: 'unknown key train.outDir', config: () => ({ ...tiny, train: { ...tiny.train, outDir: '../../outside' } }), pointer: '/train/outDir' },
  { name: 'unknown key dataset.cacheDir', config: () => ({ ...tiny, dataset: { ...tiny.dataset, cacheDir: '../outside/cache' } }), pointer: '/dataset/cacheDir' },
  { name: 'cache given as a path', config: () => ({ ...tiny, dataset: { ...tiny.dataset, cache: '../outside/cache' } }), pointer: '/dataset/cache' },
  // Paths that lead nowhere are named, before anything is written.
  { name: 'dataset root outside that does not exist', config: () => ({ ...tiny, dataset: { kind: 'folder', root: '../outside/missing' } }), pointer: '/dataset/root' },
  {
    name: 'imagesDir absolute, missing',
    config: ({ outside }) => ({ ...tiny, dataset: { kind: 'folder', root: folderFixture(path.join(outside, 'pics')).root, imagesDir: path.join(outside, 'no-images') } }),
    pointer: '/dataset/imagesDir',
  },
  {
    name: 'splitFile climbing out, missing',
    config: ({ outside }) => ({ ...tiny, dataset: { kind: 'folder', root: folderFixture(path.join(outside, 'pics')).root, splitFile: '../../../../../../etc/t2i-no-such-split.json' } }),
    pointer: '/dataset/splitFile',
  },
];

test.before(() => assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build`'));

for (const c of cases) {
  test(`config confinement: ${c.name}`, { timeout: 120_000 }, () => {
    const root = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
    const proj = path.join(root, 'proj');
    const outside = path.join(root, 'outside');
    const cwd = path.join(root, 'cwd');
    for (const d of [proj, outside, cwd]) fs.mkdirSync(d);
    const configPath = path.join(proj, 'hostile.t2i.json');
    const config = c.config({ proj, outside });
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    const before = snapshot(root);

    // The trainer as the extension runs it, from an unrelated working directory.
    const r = spawnSync(process.execPath, [CLI, 'train', configPath], { cwd, encoding: 'utf8', timeout: 110_000 });
    const output = r.stdout + r.stderr;
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const { written, removed } = diff(before, snapshot(root));
    assert.deepEqual(removed, [], 'nothing is deleted');

    if (c.pointer) {
      assert.equal(r.status, 2, output);
      assert.match(r.stderr, /hostile\.t2i\.json/, 'names the config file');
      assert.ok(r.stderr.includes(c.pointer), `names ${c.pointer}: ${r.stderr}`);
      assert.deepEqual(written, [], 'a refused config writes nothing');
      return;
    }
    assert.equal(r.status, 0, output);
    // Exactly one run folder, under the config's runs root; the config itself unchanged.
    const runsRoot = path.join('proj', 'runs', 'hostile');
    const runIds = fs.readdirSync(path.join(root, runsRoot));
    assert.equal(runIds.length, 1, `one run: ${runIds.join(', ')}`);
    const runDir = path.join(runsRoot, runIds[0]);
    assert.equal(readStatus(path.join(root, runDir))?.state, 'completed');
    const cacheDir = path.join('proj', '.t2i-cache');
    // Folders on the way to the run folder are created; every file lies inside the run folder or the cache.
    const ancestors = new Set(['proj', path.join('proj', 'runs'), runsRoot]);
    const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);
    const stray = written.filter((p) => !inside(p, runDir) && !inside(p, cacheDir) && !(ancestors.has(p) && before.get(p)?.kind !== 'file'));
    assert.deepEqual(stray, [], `written outside the run folder and cache:\n${stray.join('\n')}`);
    assert.ok(written.some((p) => inside(p, path.join(runDir, 'checkpoints')) && p.endsWith('.safetensors')), 'it did train and write');
    assert.ok(!written.some((p) => inside(p, 'outside') || inside(p, 'cwd')), 'nothing in the folder the config points at, nor the working directory');
    if ((config.dataset as { kind: string }).kind === 'folder') {
      assert.ok(written.some((p) => inside(p, cacheDir) && p.endsWith('.t2ic')), 'the image cache is beside the config, not the data');
    }
  });
}
