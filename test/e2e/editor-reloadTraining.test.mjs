// Window reload during training, in real VS Code (code-server): the trainer
// (a detached process) keeps running through the reload, the new window
// re-attaches to it (status bar and restored dashboard show it training), a
// second Train of the same config is refused with a modal, and Stop still
// stops it with a checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  finishWorkbenchTest, frameWith, installExtension, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, packageExtension, runCommand, shot, startCodeServer, until,
} from './harness.mjs';

const CONFIG = 'reloader.t2i.json';
const config = {
  method: 'baseline',
  imageSize: 32,
  backend: 'cpu',
  dataset: { kind: 'shapes', count: 200, seed: 2 },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  // Never finishes within the test; maxMinutes stops it if the test fails.
  train: { batchSize: 4, steps: 100000, maxMinutes: 4, sampleEvery: 50, checkpointEvery: 5 },
  preview: { count: 2 },
};
const prerequisites = missingPrerequisites();

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('A trainer keeps running through a window reload, the new window re-attaches, a second Train is refused', { timeout: 8 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  assert.equal(missingBuild(), undefined, missingBuild());
  const profile = makeProfile({ [CONFIG]: JSON.stringify(config, null, 2) + '\n' });
  const runsRoot = path.join(profile.workspace, 'runs', 'reloader');
  const status = () => {
    try {
      const [run] = fs.readdirSync(runsRoot);
      return { runDir: path.join(runsRoot, run), ...JSON.parse(fs.readFileSync(path.join(runsRoot, run, 'status.json'), 'utf8')) };
    } catch {
      return undefined;
    }
  };
  let server;
  let browser;
  let failed = true;
  let pid;
  try {
    const vsix = await packageExtension(profile.dir);
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    let page;
    ({ browser, page } = await launchBrowser(profile));
    await page.goto(server.url);
    const ready = () => page.locator('.activitybar .action-item a[aria-label*="T2I Lab"]').waitFor({ timeout: 90_000 });
    await ready();
    log('workbench ready');

    await runCommand(page, 'T2I: Train');
    const before = await until(() => (status()?.step >= 2 ? status() : undefined), 'the trainer to take steps', 120_000);
    pid = before.pid;
    log(`training: pid ${pid}, step ${before.step}`);
    const statusItem = page.locator('.statusbar .statusbar-item', { hasText: 'reloader' }).first();
    await statusItem.waitFor({ timeout: 30_000 });

    await runCommand(page, 'Developer: Reload Window');
    await page.waitForTimeout(1000);
    await ready();
    log('reloaded');
    assert.ok(isAlive(pid), 'the trainer survived the reload');
    // The new window follows it: its status bar item comes back with a step count.
    await until(async () => /reloader \d+\/100000/.test((await statusItem.textContent().catch(() => '')) ?? ''), 'the re-attached status bar item', 60_000);
    // The dashboard the train command opened is restored and shows the run as training again.
    const dash = await frameWith(page, '#status .state', 60_000);
    await until(async () => (await dash.textContent('#status .state')) === 'Training', 'the restored dashboard to show Training', 60_000);
    const stepAfterReload = status().step;
    await until(() => status().step > stepAfterReload, 'steps after the reload', 120_000);
    assert.equal(status().pid, pid, 'the same trainer, not a new one');
    assert.equal(fs.readdirSync(runsRoot).length, 1, 'no second run was started');
    await shot(page, 'e4-reattached-after-reload');

    // A second Train of the same config is refused with a modal that offers to stop the first.
    await runCommand(page, 'T2I: Train');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'is already training' });
    await dialog.waitFor({ timeout: 30_000 });
    assert.match((await dialog.textContent()) ?? '', /"reloader" is already training \(run \d{8}-\d{6}, step \d+\)/);
    assert.ok(await dialog.locator('.monaco-button', { hasText: 'Stop Training' }).count());
    await shot(page, 'e5-second-train-refused');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(fs.readdirSync(runsRoot).length, 1, 'the second Train started nothing');
    assert.ok(isAlive(pid));

    // Stop from the palette stops the re-attached trainer with a checkpoint.
    await runCommand(page, 'T2I: Stop Training');
    await until(() => !isAlive(pid), 'the trainer to exit', 90_000);
    const final = status();
    assert.equal(final.state, 'stopped');
    assert.equal(final.lastCheckpoint, `checkpoints/step-${String(final.step).padStart(6, '0')}.safetensors`);
    assert.match(fs.readFileSync(path.join(final.runDir, 'events.jsonl'), 'utf8'), /"type":"done"/);
    failed = false;
  } finally {
    // The trainer is detached from code-server's process group: stop it here if the test did not.
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await finishWorkbenchTest({ failed, browser, server, profile, failureShot: 'ez-reload-failure' });
  }
});
