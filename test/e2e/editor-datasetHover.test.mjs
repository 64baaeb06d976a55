// Caption hover in a dataset's own caption file, in real VS Code
// (code-server): a folder dataset (images/<name>.png with images/<name>.txt
// captions) and a tiny run trained on it with the CLI; hovering a line of a
// caption file shows the generated image and, beside it, the real image the
// caption belongs to.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  ROOT, finishWorkbenchTest, installExtension, launchBrowser, log, makeProfile, missingBuild, missingPrerequisites, openWorkbench, packageExtension, quickOpen, shot, startCodeServer,
} from './harness.mjs';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'dist/cli.js');
const CONFIG = 'pics.t2i.json';
const config = {
  method: 'baseline',
  imageSize: 32,
  backend: 'cpu',
  dataset: { kind: 'folder', root: 'pics' },
  baseline: { zDim: 8, embedDim: 8, textDim: 8, ngf: 4, ndf: 4 },
  train: { batchSize: 4, steps: 2, sampleEvery: 2, checkpointEvery: 2, seed: 1 },
  preview: { captions: ['a red square in the middle'] },
};
const prerequisites = missingPrerequisites();

test('Hovering a line of a dataset caption file shows the generated and the real image', { timeout: 6 * 60_000 }, async (t) => {
  if (prerequisites) {
    if (process.env.CI) assert.fail(`e2e prerequisites: ${prerequisites}`);
    t.skip(`e2e skipped: ${prerequisites}`);
    return;
  }
  assert.equal(missingBuild(), undefined, missingBuild());
  const profile = makeProfile({ [CONFIG]: JSON.stringify(config, null, 2) + '\n' });
  let server;
  let browser;
  let failed = true;
  try {
    // A folder dataset: the shapes renderer's PNGs, each with its captions in a sidecar .txt.
    const pics = path.join(profile.workspace, 'pics');
    await run(process.execPath, [CLI, 'shapes', '--out', pics, '--count', '24', '--size', '32', '--seed', '5']);
    const items = fs.readFileSync(path.join(pics, 'shapes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const it of items) fs.writeFileSync(path.join(pics, it.file.replace(/\.png$/, '.txt')), it.captions.slice(0, 3).join('\n') + '\n');
    fs.rmSync(path.join(pics, 'shapes.jsonl'));
    const trained = await run(process.execPath, [CLI, 'train', CONFIG], { cwd: profile.workspace, maxBuffer: 16 << 20 });
    log('trained:', trained.stdout.trim().split('\n').pop());
    const target = items[3];
    const captionFile = path.basename(target.file).replace(/\.png$/, '.txt');
    const firstCaption = target.captions[0];

    const vsix = await packageExtension(profile.dir);
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    let page;
    ({ browser, page } = await launchBrowser(profile));
    await openWorkbench(page, server);

    await quickOpen(page, captionFile);
    const span = page.locator('.monaco-editor .view-line', { hasText: firstCaption }).locator('span span').first();
    await span.waitFor({ timeout: 30_000 });
    const box = await span.boundingBox();
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2);

    // Both images decoded in one hover (retried: a busy machine can drop a hover).
    let images;
    for (let attempt = 1; !images; attempt++) {
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
      try {
        await page.waitForFunction(
          () => [...document.querySelectorAll('.monaco-hover')].some((h) => h.textContent?.includes('real image') &&
            [...h.querySelectorAll('img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2),
          null, { timeout: 30_000 },
        );
        images = await page.locator('.monaco-hover', { hasText: 'real image' }).first().locator('img').evaluateAll((imgs) =>
          imgs.map((i) => ({ alt: i.getAttribute('alt'), w: i.naturalWidth, h: i.naturalHeight, chars: i.getAttribute('src')?.length ?? 0 })));
      } catch (e) {
        if (attempt >= 3) throw e;
        log(`hover attempt ${attempt} showed no images; hovering again`);
        await page.mouse.move(5, 5);
        await page.waitForTimeout(500);
      }
    }
    log('hover images', images);
    assert.deepEqual(images.map((i) => i.alt), ['generated image', 'real image']);
    // Both at hover size: the 32-px model's image and the 32-px dataset image, each enlarged 4x by whole pixels.
    assert.equal(images[0].w, 128);
    assert.equal(images[1].w, 128);
    assert.ok(images[0].chars + images[1].chars < 100_000);
    const hoverText = await page.locator('.monaco-hover', { hasText: 'real image' }).first().textContent();
    assert.match(hoverText, new RegExp(`right: the dataset's real image ${path.basename(target.file, '.png')}`));
    assert.match(hoverText, /step 2/);
    await shot(page, 'e3-dataset-caption-hover');
    failed = false;
  } finally {
    await finishWorkbenchTest({ failed, browser, server, profile, failureShot: 'ez-dataset-hover-failure' });
  }
});
