// Workspace trust, in real VS Code (code-server with Workspace Trust on): a
// workspace opened untrusted is in Restricted Mode, where T2I: Train is
// refused with a message that says why and starts nothing, while the
// dashboard of a past run (trained with the CLI before VS Code started) still
// opens and shows its losses and samples; the attention panel opens but says
// it does not load checkpoints there; Compare Runs shows the run's metrics
// but no sample grids, and says that grids need trust.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  ROOT, finishWorkbenchTest, frameWith, installExtension, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, packageExtension, quickOpen, runCommand, shot, startCodeServer, until, untrustedSettings,
} from './harness.mjs';

const run = promisify(execFile);
const CONFIG = 'shapes-trust.t2i.json';

const tinyConfig = {
  name: 'shapes-trust',
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 60, seed: 3 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
  preview: { count: 4 },
};

const prerequisites = missingPrerequisites();

test('Restricted Mode: Train is refused with the reason, past runs can still be viewed', { timeout: 6 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  const buildProblem = missingBuild();
  assert.equal(buildProblem, undefined, buildProblem);

  const profile = makeProfile({ [CONFIG]: JSON.stringify(tinyConfig, null, 2) + '\n' }, untrustedSettings);
  const runsRoot = path.join(profile.workspace, 'runs', 'shapes-trust');
  let server;
  let browser;
  let failed = true;
  try {
    await run(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', CONFIG], { cwd: profile.workspace, maxBuffer: 16 << 20 });
    assert.equal(fs.readdirSync(runsRoot).length, 1, 'one past run');

    const vsix = await packageExtension(profile.dir);
    await installExtension(profile, vsix);
    server = await startCodeServer(profile, { workspaceTrust: true });
    let page;
    ({ browser, page } = await launchBrowser(profile));
    await page.goto(server.url);
    // The extension supports limited use in untrusted workspaces, so it still activates.
    await page.locator('.activitybar .action-item a[aria-label*="T2I Lab"]').waitFor({ timeout: 90_000 });
    log('workbench ready');

    // The workbench itself says the workspace is restricted.
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
    await restricted.waitFor({ timeout: 30_000 });
    log('status bar shows Restricted Mode');

    // Open the config: viewing is allowed.
    await quickOpen(page, CONFIG);
    await page.locator('.monaco-editor .view-line', { hasText: '"shapes-trust"' }).waitFor({ timeout: 30_000 });

    // ---- Train is refused, with the reason and a way to change it ----
    await runCommand(page, 'T2I: Train');
    const toast = page.locator('.notification-toast', { hasText: 'Restricted Mode' }).first();
    await toast.waitFor({ timeout: 30_000 });
    const message = (await toast.textContent()) ?? '';
    assert.match(message, /T2I Lab: training "shapes-trust" is disabled in Restricted Mode/);
    assert.match(message, /Trust the workspace to allow it/);
    assert.ok(await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).count(), 'offers Manage Workspace Trust');
    await page.waitForTimeout(800); // the toast slides in
    await shot(page, 't1-train-refused-restricted');
    // Nothing was started: still one run folder, a while later.
    await page.waitForTimeout(3000);
    assert.equal(fs.readdirSync(runsRoot).length, 1, 'Train started no run in Restricted Mode');

    // ---- The past run's dashboard still opens, with its losses and samples ----
    await runCommand(page, 'T2I: Open Dashboard');
    const dash = await frameWith(page, '#loss-chart-wrap', 60_000);
    await until(async () => Number(await dash.getAttribute('#loss-chart-wrap', 'data-steps')) >= 4, 'the past run’s losses', 60_000);
    await dash.waitForFunction(() => {
      const img = document.querySelector('#real-img');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 30_000 });
    assert.equal(await dash.textContent('#status .state'), 'Completed');
    await page.mouse.move(700, 450);
    await page.waitForTimeout(500);
    await shot(page, 't2-dashboard-restricted');

    // ---- The attention panel opens, but does not load checkpoints ----
    await runCommand(page, 'T2I: Inspect Attention');
    const panel = await frameWith(page, '#caption', 60_000);
    await panel.fill('#caption', 'a red circle');
    await panel.press('#caption', 'Enter');
    await panel.waitForFunction(() => !document.querySelector('#banner')?.hidden, null, { timeout: 30_000 });
    assert.match((await panel.textContent('#banner')) ?? '', /not generated in Restricted Mode: trust the workspace/);
    assert.equal(await panel.isVisible('#result'), false, 'no image was generated');
    await shot(page, 't3-attention-restricted');

    // ---- Compare Runs: metrics from the run folder, no grids (they would load checkpoints) ----
    await runCommand(page, 'T2I: Compare Runs');
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await until(async () => (await rows.count()) === 1, 'the past run in the quick pick', 30_000);
    await rows.nth(0).click(); // a multi-select pick: the click checks it
    await page.keyboard.press('Enter');
    const compare = await frameWith(page, '#notice:not([hidden])', 60_000);
    assert.match((await compare.textContent('#notice')) ?? '', /Restricted Mode: sample grids are not generated, because that loads the runs’ checkpoints/);
    assert.equal(await compare.$$eval('#table tbody tr', (trs) => trs.length), 1, 'the run’s metrics row');
    assert.equal(await compare.$$eval('#grids img', (imgs) => imgs.length), 0, 'no grid was generated');
    assert.match((await compare.textContent('#grids')) ?? '', /not generated in Restricted Mode/);
    await shot(page, 't4-compare-restricted');
    failed = false;
  } finally {
    await finishWorkbenchTest({ failed, browser, server, profile, failureShot: 'tz-trust-failure' });
  }
});
