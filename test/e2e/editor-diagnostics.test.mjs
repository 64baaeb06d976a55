// Config diagnostics in real VS Code (code-server): a config whose image size
// the method cannot produce gets a T2I Lab squiggle on that value (a semantic
// rule the JSON schema alone cannot express), listed in the Problems panel
// with its JSON pointer; the quick fix rewrites the value and the squiggle goes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  finishWorkbenchTest, installExtension, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, openWorkbench, packageExtension, quickOpen, runCommand, shot, startCodeServer, until,
} from './harness.mjs';

const CONFIG = 'too-big.t2i.json';
const text = `{
  "method": "baseline",
  "imageSize": 256,
  "dataset": { "kind": "shapes", "count": 200 }
}
`;
const prerequisites = missingPrerequisites();

test('A semantic config error is squiggled in place, listed in Problems, and quick-fixed', { timeout: 6 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  assert.equal(missingBuild(), undefined, missingBuild());
  const profile = makeProfile({ [CONFIG]: text });
  let server;
  let browser;
  let failed = true;
  try {
    const vsix = await packageExtension(profile.dir);
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    let page;
    ({ browser, page } = await launchBrowser(profile));
    await openWorkbench(page, server);

    await quickOpen(page, CONFIG);
    await page.locator('.monaco-editor .view-line', { hasText: '"imageSize"' }).waitFor({ timeout: 30_000 });

    // The squiggle sits under "256" on line 3: compare its box with the text's.
    const squiggle = page.locator('.monaco-editor .view-overlays .squiggly-error, .monaco-editor .squiggly-error').first();
    await squiggle.waitFor({ state: 'attached', timeout: 60_000 });
    // Monaco re-renders the line while it tokenizes, so the token span can be
    // briefly detached: poll until both boxes are laid out at the same moment.
    const valueSpan = page.locator('.monaco-editor .view-line', { hasText: '"imageSize"' }).locator('span span', { hasText: /^256$/ }).first();
    let valueBox = null;
    let squiggleBox = null;
    await until(async () => {
      valueBox = await valueSpan.boundingBox({ timeout: 1_000 }).catch(() => null);
      squiggleBox = await squiggle.boundingBox({ timeout: 1_000 }).catch(() => null);
      return valueBox && squiggleBox;
    }, 'the value 256 and its squiggle to be laid out', 30_000);
    log('value box', valueBox, 'squiggle box', squiggleBox);
    assert.ok(squiggleBox && valueBox, 'both boxes exist');
    assert.ok(Math.abs(squiggleBox.x - valueBox.x) < 4 && Math.abs(squiggleBox.width - valueBox.width) < 6, 'the squiggle spans the value 256');
    assert.ok(Math.abs(squiggleBox.y + squiggleBox.height / 2 - (valueBox.y + valueBox.height / 2)) < valueBox.height, 'on its line');

    // The Problems panel lists it, from T2I Lab, at line 3, column 16.
    await runCommand(page, 'View: Focus Problems');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'is not supported by method' }).first();
    await row.waitFor({ timeout: 30_000 });
    const rowText = await row.textContent();
    log('problem:', rowText);
    assert.match(rowText, /\/imageSize 256 is not supported by method "baseline"; use one of 32, 64, 128/);
    assert.match(rowText, /T2I Lab/);
    assert.match(rowText, /Ln 3, Col 16/);
    await shot(page, 'e1-config-diagnostic');

    // Quick fix: caret on the value, Ctrl+. and the nearest supported size.
    await page.locator('.monaco-editor .view-line', { hasText: '"imageSize"' }).locator('span span', { hasText: /^256$/ }).first().click();
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row, .context-view .monaco-list-row', { hasText: 'Change to 128' }).first();
    await fix.waitFor({ timeout: 30_000 });
    await shot(page, 'e2-config-quickfix');
    // The nearest size is offered first and has the focus: Enter applies it (a click is taken by the widget's pointer block).
    const focused = page.locator('.action-widget .monaco-list-row.focused').first();
    assert.match((await focused.textContent()) ?? '', /Change to 128/);
    await page.keyboard.press('Enter');
    await until(async () => (await page.locator('.monaco-editor .view-line', { hasText: '"imageSize"' }).textContent())?.includes('128'), 'the quick fix edit');
    await until(async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0, 'the squiggle to go', 30_000);
    await until(async () => (await page.locator('.markers-panel .monaco-list-row', { hasText: 'is not supported by method' }).count()) === 0, 'the problem to leave the panel', 30_000);
    failed = false;
  } finally {
    await finishWorkbenchTest({ failed, browser, server, profile, failureShot: 'ez-failure' });
  }
});
