// The attention panel webview on its own in headless Chromium: the built
// dist/webview/attention.js in a page with the webview's strict CSP and a fake
// acquireVsCodeApi. The payload is real: a tiny two-stage AttnGAN-host run is
// trained with the CLI first, and its sample grid cell plus its attention
// export (one map per word per stage) are posted as the host posts a result.
// Checks one heatmap tile per word for each stage, that the opacity slider
// changes the overlay's alpha, that clicking a word enlarges its heatmap, and
// keeps screenshots in a dark and a light theme in test-output/e2e/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SHOTS } from './harness.mjs';
import { openWebview, THEMES, webviewHtml } from './webviewPage.mjs';

const BUNDLE = path.join(ROOT, 'dist', 'webview', 'attention.js');
const CLI = path.join(ROOT, 'dist', 'cli.js');
/**
 * Trains the tiny run (a few seconds) and returns what the host sends for
 * cell 0 of its last sample grid: the grid as a data URI with its layout, and
 * that cell's attention (words, and each stage's maps).
 */
function trainedPayload() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-attn-webview-'));
  const config = {
    method: 'supcon-attngan', imageSize: 32, backend: 'cpu',
    dataset: { kind: 'shapes', count: 60, seed: 2 }, text: { maxWords: 8 },
    damsm: { embedDim: 8, hidden: 6, imageWidth: 4, batchSize: 4, steps: 2, evalEvery: 2, checkpointEvery: 2, supcon: { mode: 'label' } },
    // Three generator stages at 32 px: 8, 16 and 32 px; attention runs in the last two.
    attnganLite: { ngf: 4, ndf: 4, zDim: 8, caDim: 6, stages: 3, resBlocks: 1 },
    train: { batchSize: 3, steps: 2, sampleEvery: 2, checkpointEvery: 2, evalEvery: 0, seed: 1 },
    preview: { count: 3 },
  };
  fs.writeFileSync(path.join(dir, 'attn.t2i.json'), JSON.stringify(config));
  execFileSync(process.execPath, [CLI, 'train', 'attn.t2i.json'], { cwd: dir, stdio: 'ignore', timeout: 240_000 });
  const runsRoot = path.join(dir, 'runs', 'attn');
  const runDir = fs.readdirSync(runsRoot).map((r) => path.join(runsRoot, r)).find((r) => fs.existsSync(path.join(r, 'samples', 'step-000002.attention.json')));
  assert.ok(runDir, 'the run exported attention at step 2');
  const samples = path.join(runDir, 'samples');
  const meta = JSON.parse(fs.readFileSync(path.join(samples, 'step-000002.json'), 'utf8'));
  const exp = JSON.parse(fs.readFileSync(path.join(samples, 'step-000002.attention.json'), 'utf8'));
  return {
    grid: `data:image/png;base64,${fs.readFileSync(path.join(samples, 'step-000002.png')).toString('base64')}`,
    meta,
    caption: meta.captions[0],
    attention: { words: exp.words[0], stages: exp.stages.map((s) => ({ name: s.name, size: s.size, maps: s.maps[0] })) },
  };
}

/** In the page: cuts cell 0 out of the grid (as the host's cutCells does) and posts checkpoints and the result. */
async function postResult({ grid, meta, caption, attention }) {
  const img = new Image();
  img.src = grid;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = c.height = meta.cell;
  const gap = meta.gap ?? 0;
  c.getContext('2d').drawImage(img, gap, gap, meta.cell, meta.cell, 0, 0, meta.cell, meta.cell);
  window.postMessage({ type: 'checkpoints', run: '20261122-130144', items: [{ name: 'step-000002.safetensors', step: 2 }] }, '*');
  window.postMessage({
    type: 'result',
    result: { caption, seed: 7, configName: 'attn', image: c.toDataURL('image/png'), step: 2, checkpoint: 'step-000002.safetensors', method: 'supcon-attngan', unknownWords: [], attention },
  }, '*');
}

/** Highest alpha and a pixel fingerprint of a canvas (by selector). */
function canvasInfo(sel) {
  const cv = document.querySelector(sel);
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let maxA = 0;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    maxA = Math.max(maxA, d[i + 3]);
    sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2] + d[i + 3]) % 1_000_000_007;
  }
  return { width: cv.width, maxA, sum };
}

const missing = [BUNDLE, CLI, CHROMIUM].filter((p) => !fs.existsSync(p));

test('attention webview in headless Chromium: one heatmap per word per stage, opacity, click to enlarge, dark and light', { skip: missing.length ? `missing ${missing.join(', ')} (npm run build; bash scripts/e2e/install.sh)` : false, timeout: 300_000 }, async () => {
  const payload = trainedPayload();
  const { words, stages } = payload.attention;
  assert.ok(words.length >= 3, `a caption with words: ${words.join(' ')}`);
  assert.equal(stages.length, 2, 'two attention stages');
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    for (const theme of ['dark', 'light']) {
      // About the width of the side bar the panel lives in.
      const page = await browser.newPage({ viewport: { width: 380, height: 900 } });
      // The side bar's background, where the panel lives.
      const html = () => webviewHtml({ script: 'attention.js', theme, title: 'Attention', background: THEMES[theme].vars['sideBar-background'] });
      const errors = await openWebview(page, { bundle: BUNDLE, script: 'attention.js', html });
      await page.evaluate(postResult, payload);
      await page.waitForSelector('#result:not([hidden])');
      await page.waitForFunction(() => document.querySelector('#gen-img').complete && document.querySelector('#gen-img').naturalWidth > 0);
      assert.match(await page.textContent('#status'), /attn · supcon-attngan · checkpoint step 2 \(latest\) · seed 7/);

      // One tile per word, in each stage; each tile's heatmap has that stage's resolution.
      // One option per stage, its size said once (the exporter's names already carry it).
      const options = await page.$$eval('#stage-select option', (os) => os.map((o) => o.textContent));
      assert.equal(options.length, stages.length);
      assert.ok(options.every((o, i) => o.split(`${stages[i].size}×${stages[i].size}`).length === 2), options.join(', '));
      const seen = [];
      for (let s = 0; s < stages.length; s++) {
        await page.selectOption('#stage-select', String(s));
        const tiles = await page.$$eval('#tiles .tile', (ts) => ts.map((t) => ({ label: t.querySelector('.label').textContent, heat: t.querySelector('canvas.heat')?.width })));
        assert.deepEqual(tiles.map((t) => t.label), words, `stage ${stages[s].name}: one tile per word`);
        assert.ok(tiles.every((t) => t.heat === stages[s].size), `stage ${stages[s].name}: ${stages[s].size}-px heatmaps`);
        assert.equal(await page.getAttribute('#result', 'data-heatmaps'), String(words.length));
        seen.push(await page.evaluate(canvasInfo, '#tiles .tile:nth-child(1) canvas.heat'));
      }
      assert.notEqual(seen[0].sum, seen[1].sum, 'each stage draws its own maps');

      // Opacity: the overlay's alpha follows the slider (0.6 by default, then 0.2: a third).
      const before = await page.evaluate(canvasInfo, '#big-heat');
      assert.ok(before.maxA > 100, `visible at 0.6 (alpha ${before.maxA})`);
      await page.$eval('#opacity', (el) => {
        el.value = '0.2';
        el.dispatchEvent(new Event('input'));
      });
      const after = await page.evaluate(canvasInfo, '#big-heat');
      assert.ok(Math.abs(after.maxA - before.maxA / 3) <= 2, `alpha ${before.maxA} → ${after.maxA}`);
      assert.equal(await page.evaluate(canvasInfo, '#tiles .tile:nth-child(1) canvas.heat').then((i) => i.maxA), after.maxA, 'the tiles follow too');
      await page.$eval('#opacity', (el) => {
        el.value = '0.6';
        el.dispatchEvent(new Event('input'));
      });

      // Clicking a word enlarges its heatmap: the big overlay shows exactly that tile's map.
      const pick = words.length - 1;
      await page.click(`#tiles .tile:nth-child(${pick + 1})`);
      assert.equal(await page.getAttribute(`#tiles .tile:nth-child(${pick + 1})`, 'aria-pressed'), 'true');
      assert.equal(await page.$$eval('#tiles .tile[aria-pressed="true"]', (ts) => ts.length), 1);
      assert.match(await page.textContent('#big-word'), new RegExp(`“${words[pick]}”`));
      const big = await page.evaluate(canvasInfo, '#big-heat');
      const tile = await page.evaluate(canvasInfo, `#tiles .tile:nth-child(${pick + 1}) canvas.heat`);
      assert.equal(big.sum, tile.sum, 'the enlarged map is the clicked word’s');
      const [bigBox, tileBox] = [await page.locator('#big-heat').boundingBox(), await page.locator(`#tiles .tile:nth-child(${pick + 1}) canvas.heat`).boundingBox()];
      assert.ok(bigBox.width >= 3 * tileBox.width, `enlarged: ${bigBox.width} px against a ${tileBox.width} px tile`);

      await page.screenshot({ path: path.join(SHOTS, `attention-webview-${theme}.png`), fullPage: true });
      assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
