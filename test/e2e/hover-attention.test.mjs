// Caption hover and attention side panel, in real VS Code (code-server):
// a tiny run is trained with the CLI first, then hovering a line of a
// `*.captions.txt` shows a generated image from its latest checkpoint, and
// "Inspect attention" opens the side panel on that caption (the baseline has
// no word attention, which the panel says).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, ROOT, frameWith, installExtension, keepLogs, log, makeProfile, missingBuild, missingPrerequisites,
  packageExtension, runCommand, shot, startCodeServer, stopCodeServer,
} from './harness.mjs';

const run = promisify(execFile);
const CONFIG = 'shapes-hover.t2i.json';
const CAPTIONS = 'demo.captions.txt';

const tinyConfig = {
  name: 'shapes-hover',
  method: 'baseline',
  imageSize: 32,
  dataset: { kind: 'shapes', count: 120, seed: 3 },
  baseline: { zDim: 16, embedDim: 16, textDim: 16, ngf: 8, ndf: 8 },
  train: { batchSize: 8, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
  preview: { count: 4 },
};

const prerequisites = missingPrerequisites();

/** Hovers the editor line holding `text`; resolves with ms until a hover image has loaded. */
async function hoverLine(page, text) {
  await page.mouse.move(5, 5);
  await page.locator('.monaco-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  const span = page.locator('.monaco-editor .view-line', { hasText: text }).locator('span span').first();
  await span.waitFor({ timeout: 30_000 });
  // The editor must have focus for mouse hovers: click the line, then rest the mouse on its text.
  const box = await span.boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2);
  const t0 = Date.now();
  // A hover can be dropped when the machine is busy (the widget never opens):
  // move away and rest on the text again, a few times, before failing.
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
    try {
      await page.waitForFunction(
        () => [...document.querySelectorAll('.monaco-hover')].some((h) =>
          h.textContent?.includes('Inspect attention') && [...h.querySelectorAll('img')].some((i) => i.complete && i.naturalWidth > 0)),
        null, { timeout: 25_000 },
      );
      return Date.now() - t0;
    } catch (e) {
      if (attempt >= 4) throw e;
      log(`hover attempt ${attempt} showed no image in 25 s; hovering again`);
      await page.mouse.move(5, 5);
      await page.waitForTimeout(500);
    }
  }
}

test('Hover a caption, see its image, inspect its attention in the side panel', { timeout: 8 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  const buildProblem = missingBuild() ?? (fs.existsSync(path.join(ROOT, 'dist/webview/attention.js')) ? undefined : 'missing dist/webview/attention.js');
  assert.equal(buildProblem, undefined, buildProblem);

  const profile = makeProfile({
    [CONFIG]: JSON.stringify(tinyConfig, null, 2) + '\n',
    [CAPTIONS]: '# fixed captions to try\na red circle\na blue square\n',
  });
  let server;
  let browser;
  let failed = true;
  try {
    // The run exists before VS Code starts: the hover reads its latest checkpoint.
    const trained = await run(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', CONFIG], { cwd: profile.workspace, maxBuffer: 16 << 20 });
    log('trained:', trained.stdout.trim().split('\n').pop());

    const vsix = await packageExtension(profile.dir);
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    browser = await chromium.launchPersistentContext(path.join(profile.dir, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const webviewErrors = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (/Content Security Policy/i.test(text) || /attention\.js/.test(msg.location()?.url ?? '')) {
        webviewErrors.push(text);
        log('webview console error:', text.slice(0, 300));
      }
    });
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar .action-item a[aria-label*="T2I Lab"]').waitFor({ timeout: 60_000 });
    log('workbench ready');

    // ---- Open the captions file and hover a caption ----
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill(CAPTIONS);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: CAPTIONS }).first().click();
    await page.locator('.monaco-editor .view-line', { hasText: 'a red circle' }).waitFor({ timeout: 30_000 });

    const firstMs = await hoverLine(page, 'a red circle');
    log(`first hover image after ${firstMs} ms (generator pre-warmed when the file opened)`);
    const hover = page.locator('.monaco-hover', { hasText: 'Inspect attention' }).first();
    const info = await hover.locator('img').first().evaluate((img) => ({ w: img.naturalWidth, src: img.getAttribute('src')?.length ?? 0 }));
    assert.ok(info.w > 0, 'hover image decoded');
    assert.ok(info.src < 100_000, `data: URI is ${info.src} characters`);
    assert.match(await hover.textContent(), /step \d+/);
    await shot(page, 'h1-caption-hover');

    const warmMs = await hoverLine(page, 'a blue square');
    log(`warm hover image after ${warmMs} ms, from mouse move to decoded image`);

    // ---- Inspect attention: the side panel opens on that caption ----
    await page.locator('.monaco-hover a', { hasText: 'Inspect attention' }).first().click();
    const panel = await frameWith(page, '#gen-img', 60_000);
    await panel.waitForFunction(() => {
      const img = document.querySelector('#gen-img');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0 && !document.querySelector('#result')?.hidden;
    }, null, { timeout: 60_000 });
    assert.equal(await panel.inputValue('#caption'), 'a blue square');
    const bannerText = (await panel.textContent('#banner')) ?? '';
    assert.match(bannerText, /has no word attention/);
    assert.ok(await panel.isVisible('#banner'));
    assert.match((await panel.textContent('#status')) ?? '', /checkpoint step \d+/);
    await page.mouse.move(700, 450);
    await page.waitForTimeout(300);
    await shot(page, 'h2-attention-panel');

    // ---- A caption typed in the panel ----
    await panel.fill('#caption', 'a green triangle');
    await panel.press('#caption', 'Enter');
    await panel.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('seed 0') && document.querySelector('#caption')?.value === 'a green triangle', null, { timeout: 30_000 });

    // ---- Light theme ----
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: /^Light Modern/ }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await panel.waitForFunction(() => document.body.classList.contains('vscode-light'), null, { timeout: 15_000 });
    await page.waitForTimeout(300);
    await shot(page, 'h3-attention-panel-light');

    assert.deepEqual(webviewErrors, [], 'no CSP violations or script errors in the attention panel');
    console.log(`hover metrics: first ${firstMs} ms, warm ${warmMs} ms`);
    failed = false;
  } finally {
    if (failed) {
      try {
        const page = browser?.pages()[0];
        if (page) await shot(page, 'hz-failure');
      } catch {
        // the browser may be gone
      }
      keepLogs(profile, server);
    }
    await browser?.close().catch(() => {});
    await stopCodeServer(server);
    fs.rmSync(profile.dir, { recursive: true, force: true });
  }
});
