// The compare webview on its own in headless Chromium: the built
// dist/webview/compare.js in a page with the webview's strict CSP, a fake
// acquireVsCodeApi that records what the page posts, and a report message as
// the host sends it (protocol/compare.ts). Checks the metrics table (best
// values marked), the curves (metric and x axis switch), the grids side by
// side, the click that opens a run, and keeps a screenshot in test-output/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SHOTS } from './harness.mjs';
import { openWebview, THEMES, webviewHtml } from './webviewPage.mjs';

const BUNDLE = path.join(ROOT, 'dist', 'webview', 'compare.js');
/** A 2×4 grid of coloured cells, drawn in the page (a data: PNG, as the CSP allows). */
function postReport() {
  const grid = (hue) => {
    const c = document.createElement('canvas');
    c.width = 4 * 32 + 5 * 2;
    c.height = 2 * 32 + 3 * 2;
    const g = c.getContext('2d');
    g.fillStyle = '#303030';
    g.fillRect(0, 0, c.width, c.height);
    for (let k = 0; k < 8; k++) {
      g.fillStyle = `hsl(${hue + k * 20}, 70%, 50%)`;
      g.fillRect(2 + (k % 4) * 34 + 8, 2 + Math.floor(k / 4) * 34 + 8, 16, 16);
    }
    return c.toDataURL('image/png');
  };
  const curve = (n, f) => Array.from({ length: n }, (_, i) => ({ step: (i + 1) * 500, seconds: (i + 1) * 60, value: f(i) }));
  const run = (name, method, fid, rprec, n) => ({
    runDir: `/ws/runs/${name}`, name, method, steps: n * 500, wallSeconds: n * 60,
    final: { fid_cls: fid, kid_cls: fid / 100, is_cls: 5 - fid / 100, rprec, oracle_all: rprec / 2 },
    curves: { fid_cls: curve(n, (i) => fid + 100 / (i + 1)), rprec: curve(n, (i) => (rprec * (i + 1)) / n), oracle_all: curve(n, (i) => (rprec * (i + 1)) / n / 2) },
  });
  const report = {
    version: 1, created: Date.UTC(2026, 10, 22), captions: ['a red circle', 'a small blue square on the left'], noiseSeed: 1234,
    metricNames: ['fid_cls', 'kid_cls', 'is_cls', 'rprec', 'oracle_all'],
    runs: [
      { ...run('shapes-xmcgan/20261122-070000', 'xmcgan', 40, 0.6, 10), grid: '/g0.png', gridStep: 5000 },
      { ...run('shapes-mirrorgan/20261122-071000', 'mirrorgan', 60, 0.4, 8), grid: '/g1.png', gridStep: 4000 },
      { ...run('shapes-supcon-dfgan/20261122-072000', 'supcon-dfgan', 50, 0.7, 6), gridError: 'no checkpoint' },
    ],
    notes: ['*_cls: a small label classifier … not comparable to papers'],
  };
  window.postMessage({ type: 'progress', message: 'Generating…' }, '*');
  window.__lastReport = { type: 'report', report, grids: [grid(0), grid(120), null] };
  window.postMessage(window.__lastReport, '*');
}

const missing = [BUNDLE, CHROMIUM].filter((p) => !fs.existsSync(p));

test('compare webview in headless Chromium: table, curves, grids, open a run', { skip: missing.length ? `missing ${missing.join(', ')} (npm run build; bash scripts/e2e/install.sh)` : false, timeout: 120_000 }, async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1200 } });
    // The editor area's background, where the compare panel opens.
    const errors = await openWebview(page, { bundle: BUNDLE, script: 'compare.js', html: () => webviewHtml({ script: 'compare.js', theme: 'dark', background: THEMES.dark.vars['editor-background'] }) });
    await page.evaluate(postReport);
    await page.waitForSelector('#report:not([hidden])');

    // Table: one row per run, best value per column in bold (lower FID/KID, higher scores).
    const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => ({ text: td.textContent, best: td.classList.contains('best') }))));
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.map((r) => r[1].text), ['xmcgan', 'mirrorgan', 'supcon-dfgan']);
    assert.deepEqual(await page.$$eval('#table thead th', (ths) => ths.map((th) => th.textContent)), ['run', 'method', 'steps', 'wall', 'fid_cls', 'kid_cls', 'is_cls', 'rprec', 'oracle_all']);
    assert.equal(rows[0][4].text, '40.000');
    assert.equal(rows[0][4].best, true, 'lowest fid_cls');
    assert.equal(rows[1][4].best, false);
    assert.equal(rows[2][7].best, true, 'highest rprec');
    assert.equal(rows[0][3].text, '10.0 min');

    // Curves: one line per run of the chosen metric; switching metric and x axis redraws.
    const box = '.chart-box';
    assert.equal(await page.getAttribute(box, 'data-metric'), 'fid_cls');
    assert.deepEqual((await page.getAttribute(box, 'data-series')).split(';'), ['shapes-xmcgan/20261122-070000|10', 'shapes-mirrorgan/20261122-071000|8', 'shapes-supcon-dfgan/20261122-072000|6']);
    await page.evaluate(() => {
      const x = document.getElementById('xaxis');
      x.value = 'seconds';
      x.dispatchEvent(new Event('change'));
      const m = document.getElementById('metric');
      m.value = 'rprec';
      m.dispatchEvent(new Event('change'));
    });
    assert.equal(await page.getAttribute(box, 'data-x'), 'seconds');
    assert.equal(await page.getAttribute(box, 'data-metric'), 'rprec');

    // Grids side by side, the missing one explained; captions listed once.
    assert.equal(await page.$$eval('#grids img', (imgs) => imgs.filter((i) => i.complete && i.naturalWidth === 138).length), 2);
    assert.match(await page.textContent('#grids'), /no grid: no checkpoint/);
    assert.deepEqual(await page.$$eval('#captions li', (lis) => lis.map((l) => l.textContent)), ['a red circle', 'a small blue square on the left']);

    // Clicking a run asks the host to open it.
    await page.click('#table tbody tr:nth-child(2) a.run-link');
    assert.deepEqual((await page.evaluate(() => window.__posted)).at(-1), { type: 'openRun', index: 1 });

    // Bad messages are ignored, not drawn.
    await page.evaluate(() => window.postMessage({ type: 'report', report: { version: 2 }, grids: [] }, '*'));
    assert.equal((await page.$$('#table tbody tr')).length, 3);

    // Runs with metrics show the curves, not the "no metric" line.
    assert.equal(await page.isVisible('#no-curves'), false);
    assert.equal(await page.isVisible('#curves'), true);
    // No notice for a full comparison; the Restricted Mode one is shown above the report when sent.
    assert.equal(await page.isVisible('#notice'), false);
    await page.evaluate(() => {
      const last = window.__lastReport;
      window.postMessage({ ...last, notice: 'Restricted Mode: sample grids are not generated' }, '*');
    });
    await page.waitForSelector('#notice:not([hidden])');
    assert.equal(await page.textContent('#notice'), 'Restricted Mode: sample grids are not generated');

    await page.screenshot({ path: path.join(SHOTS, 'compare-webview.png'), fullPage: true });
    // Runs without any metric: the curves give way to a line that says why.
    await page.evaluate(() => {
      const last = window.__lastReport;
      const runs = last.report.runs.map((r) => ({ ...r, final: {}, curves: {} }));
      window.postMessage({ ...last, report: { ...last.report, metricNames: [], runs } }, '*');
    });
    await page.waitForSelector('#no-curves:not([hidden])');
    assert.equal(await page.isVisible('#curves'), false);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
