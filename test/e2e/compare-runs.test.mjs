// T2I: Compare Runs in real VS Code (code-server): two runs of two configs,
// trained by the CLI beforehand, are picked in the multi-select quick pick;
// the compare view shows their metrics table and the sample grids that
// `t2i compare` generated for the same captions and noise, loaded through the
// webview's resource roots; clicking a run opens it in the dashboard.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import {
  ROOT, frameWith, installExtension, keepLogs, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, openWorkbench, packageExtension, runCommand, shot, startCodeServer, stopCodeServer, until,
} from './harness.mjs';

const config = (seed) => ({
  method: 'baseline',
  imageSize: 32,
  backend: 'cpu',
  dataset: { kind: 'shapes', count: 120, seed: 2 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed, evalEvery: 2, evalCount: 16, evalShare: 0.5 },
  eval: { duringTraining: ['oracle'] },
  preview: { count: 4 },
});
const prerequisites = missingPrerequisites();

test('T2I: Compare Runs: pick two runs, see their table and grids, open one', { timeout: 8 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  assert.equal(missingBuild(), undefined, missingBuild());
  const profile = makeProfile({
    'first.t2i.json': JSON.stringify(config(1), null, 2) + '\n',
    'second.t2i.json': JSON.stringify(config(2), null, 2) + '\n',
  });
  for (const c of ['first.t2i.json', 'second.t2i.json']) {
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', c], { cwd: profile.workspace, stdio: 'ignore', timeout: 120_000 });
  }
  log('two runs trained');
  let server;
  let browser;
  let failed = true;
  try {
    await installExtension(profile, await packageExtension(profile.dir));
    server = await startCodeServer(profile);
    let page;
    ({ browser, page } = await launchBrowser(profile, { width: 1400, height: 1000 }));
    await openWorkbench(page, server);

    await runCommand(page, 'T2I: Compare Runs');
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await until(async () => (await rows.count()) === 2, 'one quick pick row per run', 30_000);
    assert.match(await rows.nth(0).textContent(), /first \/ \d{8}-\d{6}.*completed, step 4 of 4/);
    // In a multi-select quick pick, clicking a row toggles its checkbox.
    await rows.nth(0).click();
    await rows.nth(1).click();
    await until(async () => (await page.locator('.quick-input-widget .monaco-list-row[aria-checked="true"]').count()) === 2, 'both runs checked', 10_000);
    await shot(page, 'compare-1-pick');
    await page.keyboard.press('Enter');

    const view = await frameWith(page, '#table tbody tr', 120_000);
    const names = await view.$$eval('#table tbody tr td:nth-child(1)', (tds) => tds.map((td) => td.textContent));
    assert.equal(names.length, 2);
    assert.ok(names.every((n) => /^(first|second)\/\d{8}-\d{6}$/.test(n)), names.join(', '));
    assert.ok((await view.$$eval('#table thead th', (ths) => ths.map((th) => th.textContent))).includes('oracle_all'));
    // Both grids load through the webview's resource roots: 4 cells of 32 px with 2-px gaps.
    await until(() => view.$$eval('#grids img', (imgs) => imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth === 4 * 32 + 5 * 2)), 'both grids to load', 30_000);
    assert.equal(await view.$$eval('#captions li', (lis) => lis.length), 4);
    await shot(page, 'compare-2-view');

    // A run's name opens it in the dashboard.
    await view.click('#table tbody tr:nth-child(1) a.run-link');
    await frameWith(page, '#status .state', 60_000);
    await shot(page, 'compare-3-open-run');
    failed = false;
  } finally {
    if (failed) keepLogs(profile, server);
    await browser?.close();
    await stopCodeServer(server);
  }
});
