// The dashboard webview on its own in headless Chromium: the built
// dist/webview/dashboard.js in a page with the webview's strict CSP, a fake
// acquireVsCodeApi that records what the page posts, and the real protocol
// messages a host sends (a run's history, other runs, sample grids). Checks
// the DOM and the chart's state, measures a 100,000-points-per-head render, and
// keeps screenshots in a dark and a light theme in test-output/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SHOTS, log } from './harness.mjs';
import { openWebview, themeCss, THEMES, webviewHtml } from './webviewPage.mjs';

const BUNDLE = path.join(ROOT, 'dist', 'webview', 'dashboard.js');

/** Builds the host's messages in the page (100,000 points per head would be slow to send over CDP). */
function postRunHistory({ points, heads }) {
  const RUN = '20261122-061500';
  const t0 = Date.UTC(2026, 10, 22, 6, 15);
  // Deterministic noise.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const series = heads.map((name, h) => {
    const steps = new Array(points);
    const t = new Array(points);
    const values = new Array(points);
    for (let i = 0; i < points; i++) {
      steps[i] = i + 1;
      t[i] = t0 + i * 400 + (i > points / 2 ? 3_600_000 : 0); // an hour's pause half way
      values[i] = (h + 1) * 0.35 + 1.2 * Math.exp(-i / (points / 6)) + (rnd() - 0.5) * 0.5 * (1 + h * 0.3);
    }
    return { name, kind: 'loss', steps, t, values };
  });
  // Cells drawn on a canvas: coloured shapes on a dark ground, with a 2 px gap.
  const grid = (step, real) => {
    const c = document.createElement('canvas');
    const cell = 32;
    const gap = 2;
    c.width = 4 * cell + 5 * gap;
    c.height = 2 * cell + 3 * gap;
    const g = c.getContext('2d');
    g.fillStyle = '#000';
    g.fillRect(0, 0, c.width, c.height);
    const colors = ['#e53935', '#43a047', '#1e88e5', '#fdd835'];
    for (let r = 0; r < 2; r++) {
      for (let k = 0; k < 4; k++) {
        const x = gap + k * (cell + gap);
        const y = gap + r * (cell + gap);
        g.fillStyle = '#2b2b2b';
        g.fillRect(x, y, cell, cell);
        g.fillStyle = colors[(k + r) % 4];
        const s = real ? 10 : 4 + Math.round((step / 100000) * 6);
        if ((k + r) % 2) g.fillRect(x + 16 - s, y + 16 - s, 2 * s, 2 * s);
        else {
          g.beginPath();
          g.arc(x + 16, y + 16, s, 0, 2 * Math.PI);
          g.fill();
        }
      }
    }
    return c.toDataURL('image/png');
  };
  const captions = ['a red circle', 'a green square', 'a blue circle', 'a yellow square', 'a green circle', 'a blue square', 'a yellow circle', 'a red square'];
  const redescriptions = ['a red circle', 'a green square', 'a blue ball', 'a yellow square', 'a green circle', 'a small blue square', 'a yellow circle', 'a red box'];
  const real = grid(0, true);
  const sampleSteps = [1, 25000, 50000, 75000, 100000];
  const samples = sampleSteps.map((step, i) => ({
    step,
    uri: grid(step, false),
    realUri: real,
    ...(i === 0 ? { meta: { step, rows: 2, cols: 4, cell: 32, gap: 2, captions, real: 'samples/real.png', redescriptions } } : { metaAsBefore: true }),
  }));
  const backend = { name: 'wasm', threads: 2, attempts: [] };
  const events = [
    { type: 'run_started', t: t0, version: 1, runId: RUN, method: 'mirrorgan', configPath: '/ws/shapes-mirrorgan.t2i.json', backend, pid: 1, startStep: 0, totalSteps: 120000, imageSize: 32, lossNames: heads },
    { type: 'checkpoint', t: t0 + 100, step: points, path: `checkpoints/step-${String(points).padStart(6, '0')}.safetensors` },
    { type: 'done', t: t0 + 200, step: points, reason: 'stopped' },
  ];
  const config = { method: 'mirrorgan', train: { steps: 120000, batchSize: 16, lr: 0.0002 }, model: { imageSize: 32 } };
  const started = performance.now();
  window.postMessage({ type: 'reset', configName: 'shapes-mirrorgan', configPath: '/ws/shapes-mirrorgan.t2i.json', runId: RUN, activity: 'idle', trusted: true }, '*');
  window.postMessage({ type: 'history', series, events, samples, lines: points + 10, partial: false, config }, '*');
  window.postMessage({ type: 'runs', runs: [{ runId: RUN, current: true }, { runId: '20261121-180000', current: false }, { runId: '20261120-090000', current: false }] }, '*');
  // Time to the first painted frame with the data (two frames: render, then paint).
  return new Promise((resolve) => {
    const wrap = document.getElementById('loss-chart-wrap');
    const check = () => {
      if (Number(wrap.dataset.points) >= points * heads.length) {
        requestAnimationFrame(() => resolve({ firstPaintMs: performance.now() - started, updateMs: Number(wrap.dataset.updateMs) }));
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

const missing = [BUNDLE, CHROMIUM].filter((p) => !fs.existsSync(p));

test('dashboard webview in headless Chromium: charts, overlay, diff, slider, grids, export', { skip: missing.length ? `missing ${missing.join(', ')} (npm run build; bash scripts/e2e/install.sh)` : false, timeout: 180_000 }, async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors = await openWebview(page, { bundle: BUNDLE, script: 'dashboard.js', html: () => webviewHtml({ script: 'dashboard.js', theme: 'dark' }) });
    const posted = () => page.evaluate(() => window.__posted);

    // ---- 100,000 points per head ----
    const POINTS = 100_000;
    const HEADS = ['d_loss', 'g_loss', 'stream_loss'];
    const timing = await page.evaluate(postRunHistory, { points: POINTS, heads: HEADS });
    log(`100,000 points × ${HEADS.length} heads: setData ${timing.updateMs} ms, first paint after ${timing.firstPaintMs.toFixed(0)} ms`);
    const wrap = '#loss-chart-wrap';
    const attr = (name) => page.getAttribute(wrap, `data-${name}`);
    assert.equal(Number(await attr('points')), POINTS * HEADS.length);
    const drawn = Number(await attr('drawn'));
    // Decimated to about two points per pixel per line, not 100,000.
    assert.ok(drawn > 0 && drawn < 3 * 2 * 1280, `drawn points ${drawn}`);
    const lines = () => attr('lines').then((s) => (s ?? '').split(';').filter(Boolean).map((l) => l.split('|')));
    let ls = await lines();
    assert.deepEqual(ls.filter((l) => l[1] === 'line').map((l) => l[0]), HEADS, 'one smoothed line per head');
    assert.deepEqual([...new Set(ls.filter((l) => l[1] === 'raw').map((l) => l[0]))], HEADS.map((h) => `${h} (raw)`), 'the raw values stay, faint, behind each line');

    // An update with one more step: the chart re-decimates quickly.
    const updateMs = await page.evaluate(async (p) => {
      const wrapEl = document.getElementById('loss-chart-wrap');
      const t0 = performance.now();
      window.postMessage({ type: 'events', events: [{ type: 'step', t: Date.UTC(2026, 10, 23), step: p + 1, losses: { d_loss: 0.5, g_loss: 1, stream_loss: 2 }, stepMs: 10 }], samples: [] }, '*');
      await new Promise((r) => {
        const check = () => (Number(wrapEl.dataset.points) > p * 3 ? r() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
      return { total: performance.now() - t0, setData: Number(wrapEl.dataset.updateMs) };
    }, POINTS);
    log(`one more step on 300,000 points: ${updateMs.total.toFixed(0)} ms to the next frame (setData ${updateMs.setData} ms)`);

    // ---- status and Resume ----
    assert.match(await page.textContent('#status .status-backend'), /wasm · 2 threads/);
    assert.match(await page.textContent('#status .status-checkpoint'), /checkpoint 100,000/);
    assert.equal(await page.textContent('#status .state'), 'Stopped');
    assert.equal(await page.isVisible('#resume'), true, 'a stopped run with a checkpoint offers Resume');

    // ---- smoothing: 0 draws the raw values only ----
    await page.$eval('#smoothing', (el) => {
      el.value = '0';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => !document.getElementById('loss-chart-wrap').dataset.lines.includes('|raw|'));
    ls = await lines();
    assert.equal(ls.length, HEADS.length);
    await page.$eval('#smoothing', (el) => {
      el.value = '0.9';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.lines.includes('|raw|'));
    // TensorBoard's range: the slider reaches 0.999 and says so with three decimals.
    assert.deepEqual(await page.$eval('#smoothing', (el) => [el.min, el.max, el.step]), ['0', '0.999', '0.001']);
    await page.$eval('#smoothing', (el) => {
      el.value = '0.999';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    assert.equal(await page.$eval('#smoothing', (el) => el.value), '0.999', 'not clamped to a lower max');
    assert.equal(await page.textContent('#smoothing-value'), '0.999');
    assert.equal(await page.evaluate(() => window.__state?.smoothing), 0.999, 'persisted for the next reload');

    // ---- log y ----
    assert.equal(await attr('y-scale'), 'linear');
    await page.click('#log-y');
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.yScale === 'logarithmic');

    // ---- the slider moves the charts' cursor ----
    assert.equal(await attr('cursor-step'), '100000');
    const pxLatest = Number(await attr('cursor-px'));
    await page.click('h1');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.cursorStep === '75000');
    const pxBefore = Number(await attr('cursor-px'));
    assert.ok(pxBefore < pxLatest - 20, `cursor moved left: ${pxLatest} → ${pxBefore}`);
    assert.match(await page.textContent('#step-label'), /step 75,000 · 4 of 5/);
    // One slider across views: the host hears the selected step once (debounced), for the attention panel.
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'selectStep'));
    assert.deepEqual((await posted()).filter((m) => m.type === 'selectStep'), [{ type: 'selectStep', step: 75000 }]);

    // ---- redescriptions beside the rows; sidecars sent once are reused ----
    assert.equal(await page.isVisible('#redescriptions'), true);
    assert.equal(await page.locator('#redescriptions .redesc-row').count(), 2, 'one block per grid row');
    const redesc = await page.textContent('#redescriptions');
    assert.match(redesc, /a blue ball/);
    assert.match(redesc, /a red box/);
    assert.equal(await page.locator('#captions li').count(), 8);

    // ---- export asks the host for this step's PNG ----
    await page.click('#export-png');
    assert.deepEqual((await posted()).filter((m) => m.type === 'exportPng'), [{ type: 'exportPng', step: 75000 }]);

    // ---- a generated cell and a caption open the Attention panel on their caption; real cells do not ----
    await page.locator('#grids .grid-frame:has(#sample-img) .grid-cell[data-cell="2"]').click();
    await page.locator('#grids .grid-frame:has(#real-img) .grid-cell[data-cell="3"]').click();
    await page.locator('#captions li[data-cell="4"]').click();
    const inspected = (await posted()).filter((m) => m.type === 'inspectCaption').map((m) => m.caption);
    const cellCaptions = await page.$$eval('#captions li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(inspected, [cellCaptions[2], cellCaptions[4]]);

    // ---- overlay another run, and its config diff ----
    await page.locator('#run-picker vscode-checkbox[data-run-id="20261121-180000"]').click();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'overlay'));
    assert.deepEqual((await posted()).filter((m) => m.type === 'overlay'), [{ type: 'overlay', runIds: ['20261121-180000'] }]);
    await page.evaluate(({ heads }) => {
      const n = 4000;
      const series = heads.map((name, h) => ({
        name,
        kind: 'loss',
        steps: Array.from({ length: n }, (_, i) => (i + 1) * 20),
        t: Array.from({ length: n }, (_, i) => Date.UTC(2026, 10, 21, 18) + i * 8000),
        values: Array.from({ length: n }, (_, i) => (h + 1) * 0.42 + 0.2 + 1.5 * Math.exp(-i / 900) + 0.05 * Math.sin(i / 7)),
        count: Array.from({ length: n }, () => 20),
        min: Array.from({ length: n }, (_, i) => (h + 1) * 0.42 + 1.5 * Math.exp(-i / 900)),
        max: Array.from({ length: n }, (_, i) => (h + 1) * 0.42 + 0.4 + 1.5 * Math.exp(-i / 900)),
      }));
      const config = { method: 'mirrorgan', train: { steps: 80000, batchSize: 32, lr: 0.0002 }, model: { imageSize: 32 } };
      window.postMessage({ type: 'overlay', runId: '20261121-180000', series, config, lastStep: 80000 }, '*');
    }, { heads: HEADS });
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.overlays === '20261121-180000');
    ls = await lines();
    assert.equal(ls.filter((l) => l[1] === 'overlay').length, HEADS.length, 'one dashed line per head of the other run');
    await page.waitForSelector('#config-diff table');
    const diffRows = await page.$$eval('#config-diff tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(diffRows, [['/train/steps', '120000', '80000'], ['/train/batchSize', '16', '32']], 'only the fields that differ');

    // ---- screenshots: dark ----
    await page.$eval('#smoothing', (el) => {
      el.value = '0.97';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-webview-dark.png'), fullPage: true });

    // ---- full screen, then Escape ----
    await page.click('h1');
    await page.keyboard.press('f');
    await page.waitForSelector('#grid-dialog[open]');
    assert.ok(Number(await page.getAttribute('#grid-dialog .dialog-body', 'data-scale')) >= 2, 'full screen draws the grid larger');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-webview-fullscreen.png') });
    // The arrows still step through the snapshots while it is open.
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('#grid-dialog .dialog-head span')?.textContent === 'Step 100,000');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('grid-dialog').open);

    // ---- pixelated zoom ----
    await page.$eval('#grid-zoom', (el) => {
      el.value = '8';
      el.dispatchEvent(new Event('change'));
    });
    assert.equal(await page.getAttribute('#grids', 'data-scale'), '8');
    const imgWidth = await page.$eval('#sample-img', (img) => [img.style.width, getComputedStyle(img).imageRendering]);
    assert.deepEqual(imgWidth, [`${(4 * 32 + 5 * 2) * 8}px`, 'pixelated']);
    await page.$eval('#grid-zoom', (el) => {
      el.value = 'fit';
      el.dispatchEvent(new Event('change'));
    });

    // ---- drag to zoom the chart, then reset ----
    const box = await page.locator('#loss-chart').boundingBox();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.6);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !!document.getElementById('loss-chart-wrap').dataset.zoomed);
    const [zmin, zmax] = (await attr('zoomed')).split(',').map(Number);
    assert.ok(zmin > 20_000 && zmax < 80_000 && zmax - zmin > 10_000, `zoomed to ${zmin}..${zmax}`);
    assert.equal(await page.isVisible('#reset-zoom'), true);
    await page.click('#reset-zoom');
    await page.waitForFunction(() => !document.getElementById('loss-chart-wrap').dataset.zoomed);

    // ---- x axis by wall time ----
    await page.$eval('#x-axis', (el) => {
      el.value = 'time';
      el.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.xAxis === 'time');
    assert.ok(Number(await attr('cursor-px')) > 0, 'the cursor follows onto the time axis');

    // ---- play runs to the last snapshot and stops ----
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.cursorStep === '1');
    await page.click('#play');
    await page.waitForFunction(() => document.getElementById('loss-chart-wrap').dataset.cursorStep === '100000', null, { timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('play').getAttribute('aria-pressed') === 'false');

    // ---- trainer error: shown, with the log one click away ----
    await page.evaluate(() => window.postMessage({ type: 'trainerError', message: 'Error: tensor shape mismatch in checkpoints/step-100000.safetensors' }, '*'));
    await page.waitForSelector('#error-banner:not([hidden])');
    await page.click('#show-log');
    await page.click('#resume');
    const kinds = (await posted()).map((m) => m.type);
    assert.ok(kinds.includes('showLog') && kinds.includes('resume'), kinds.join(','));

    // ---- light theme, switched live as VS Code does (body class and variables) ----
    await page.evaluate(({ css, cls }) => {
      document.getElementById('theme').textContent = css;
      document.body.className = cls;
    }, { css: themeCss('light'), cls: THEMES.light.bodyClass });
    await page.$eval('#x-axis', (el) => {
      el.value = 'step';
      el.dispatchEvent(new Event('change'));
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-webview-light.png'), fullPage: true });

    // ---- Restricted Mode: the host says so, Train is off and says why ----
    await page.evaluate(() => window.postMessage({ type: 'reset', configName: 'shapes-mirrorgan', configPath: '/ws/shapes-mirrorgan.t2i.json', runId: '20261122-061500', activity: 'idle', trusted: false }, '*'));
    await page.waitForFunction(() => document.getElementById('train').disabled === true);
    assert.match(await page.getAttribute('#train', 'title'), /Restricted Mode/);
    const before = (await posted()).filter((m) => m.type === 'train').length;
    await page.click('#train', { force: true });
    assert.equal((await posted()).filter((m) => m.type === 'train').length, before, 'no train request from a disabled button');

    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
  }
});
