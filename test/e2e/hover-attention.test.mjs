// Caption hover and attention side panel, in real VS Code (code-server):
// a tiny MirrorGAN run (3 stages at 64 px, so word attention at two stages;
// its DAMSM encoders and STREAM captioner are pretrained first, a few steps
// each) is trained with the CLI, then hovering a line of a `*.captions.txt`
// shows a generated image from its latest checkpoint, and "Inspect attention"
// opens the side panel on that caption: one heatmap per word per stage, and a
// checkpoint picker that regenerates from an older checkpoint.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  ROOT, finishWorkbenchTest, frameWith, installExtension, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, packageExtension, quickOpen, runCommand, shot, startCodeServer,
} from './harness.mjs';

const run = promisify(execFile);
const CONFIG = 'shapes-hover.t2i.json';
const CAPTIONS = 'demo.captions.txt';

// Trains in about 15 s on two busy cores: widths and pretraining steps are the schema's small end.
const tinyConfig = {
  name: 'shapes-hover',
  method: 'mirrorgan',
  imageSize: 64,
  dataset: { kind: 'shapes', count: 96, seed: 3 },
  text: { maxWords: 8 },
  damsm: { embedDim: 16, hidden: 16, imageWidth: 8, batchSize: 16, steps: 4, evalEvery: 4, checkpointEvery: 4 },
  stream: { embedDim: 16, hidden: 16, imageWidth: 8, batchSize: 16, steps: 4, evalEvery: 4, checkpointEvery: 4 },
  mirrorgan: { stages: 3, zDim: 8, caDim: 8, ngf: 4, ndf: 4, resBlocks: 0 },
  train: { batchSize: 4, steps: 4, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
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
    let page;
    ({ browser, page } = await launchBrowser(profile));
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
    await quickOpen(page, CAPTIONS);
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
    // Give the panel the side bar's height, as a user inspecting attention would: collapse the Runs view.
    const runsHeader = page.locator('.pane-header', { hasText: /^Runs/i }).first();
    if ((await runsHeader.getAttribute('aria-expanded')) === 'true') await runsHeader.click();
    assert.equal(await panel.isVisible('#banner'), false, 'no "no attention" banner for MirrorGAN');
    assert.match((await panel.textContent('#status')) ?? '', /mirrorgan · checkpoint step 4 \(latest\)/);

    // ---- One heatmap per word, at each stage ----
    const stages = await panel.$$eval('#stage-select option', (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    assert.deepEqual(stages.map((s) => s.text), ['stage1 (16×16)', 'stage2 (32×32)'], 'MirrorGAN at 64 px with 3 stages attends at two');
    for (const stage of stages) {
      await panel.selectOption('#stage-select', stage.value);
      const tiles = await panel.$$eval('#tiles .tile', (ts) => ts.map((t) => {
        const img = t.querySelector('img');
        const cv = t.querySelector('canvas.heat');
        return {
          word: t.querySelector('.label')?.textContent,
          image: img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0,
          heat: cv instanceof HTMLCanvasElement ? cv.width : 0,
          shown: t.getBoundingClientRect().width > 20,
        };
      }));
      assert.deepEqual(tiles.map((t) => t.word), ['a', 'blue', 'square'], `one tile per word at ${stage.text}`);
      const side = Number(/(\d+)×/.exec(stage.text)[1]);
      for (const t of tiles) assert.ok(t.image && t.heat === side && t.shown, `tile "${t.word}" at ${stage.text}: ${JSON.stringify(t)}`);
    }
    // Click a word: it becomes the enlarged one.
    await panel.click('#tiles .tile:nth-child(3)');
    assert.match((await panel.textContent('#big-word')) ?? '', /square/);
    await page.mouse.move(700, 450);
    await panel.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await shot(page, 'h2-attention-panel');

    // ---- The checkpoint picker: the run's checkpoints, latest by default ----
    const choices = await panel.$$eval('#checkpoint option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(choices, ['Latest (step 4)', 'Step 4', 'Step 2']);
    assert.equal(await panel.inputValue('#checkpoint'), '');
    await panel.selectOption('#checkpoint', 'step-000002.safetensors');
    await panel.waitForFunction(() => /checkpoint step 2 · seed/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.equal(await panel.$$eval('#tiles .tile', (ts) => ts.length), 3, 'still one heatmap per word');
    await panel.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'h2b-attention-checkpoint');
    await panel.selectOption('#checkpoint', '');
    await panel.waitForFunction(() => /checkpoint step 4 \(latest\)/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 60_000 });

    // ---- A caption typed in the panel ----
    await panel.fill('#caption', 'a green triangle');
    await panel.press('#caption', 'Enter');
    await panel.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('seed 0') && document.querySelector('#caption')?.value === 'a green triangle', null, { timeout: 30_000 });
    await panel.waitForFunction(() => [...document.querySelectorAll('#tiles .tile .label')].map((l) => l.textContent).join(' ') === 'a green triangle', null, { timeout: 30_000 });

    // ---- Light theme ----
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: /^Light Modern/ }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await panel.waitForFunction(() => document.body.classList.contains('vscode-light'), null, { timeout: 15_000 });
    await panel.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await shot(page, 'h3-attention-panel-light');

    assert.deepEqual(webviewErrors, [], 'no CSP violations or script errors in the attention panel');
    console.log(`hover metrics: first ${firstMs} ms, warm ${warmMs} ms`);
    failed = false;
  } finally {
    await finishWorkbenchTest({ failed, browser, server, profile, failureShot: 'hz-failure' });
  }
});
