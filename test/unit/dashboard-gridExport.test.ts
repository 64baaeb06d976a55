import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { exportGrid, gridFile, suggestedExportPath } from '../../extension/gridExport';

test('export copies the grid of a step, and only a grid of the run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-export-'));
  try {
    const runDir = path.join(dir, 'runs', 'shapes', '20261122-061500');
    fs.mkdirSync(path.join(runDir, 'samples'), { recursive: true });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    fs.writeFileSync(path.join(runDir, 'samples', 'step-000100.png'), png);
    assert.equal(gridFile(runDir, 100), path.join(runDir, 'samples', 'step-000100.png'));
    assert.equal(gridFile(runDir, 200), undefined);
    assert.equal(gridFile(runDir, -1), undefined);
    assert.equal(gridFile(runDir, 0.5), undefined);
    const target = path.join(dir, 'out', 'grid.png');
    exportGrid(runDir, 100, target);
    assert.deepEqual(fs.readFileSync(target), png);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['grid.png'], 'no temp file left beside it');
    // A missing step is a clear error, and the existing file is kept.
    assert.throws(() => exportGrid(runDir, 200, target), /no sample grid at step 200/);
    assert.deepEqual(fs.readFileSync(target), png);
    assert.equal(
      suggestedExportPath(path.join(dir, 'shapes.t2i.json'), runDir, 100),
      path.join(dir, 'shapes-20261122-061500-step-000100.png'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
