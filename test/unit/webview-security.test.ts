// Webviews run under a CSP without 'unsafe-eval'; a bundle that reaches for
// eval or the Function constructor would break there (or, worse, be allowed
// somewhere laxer). Checked on the built bundles, which is what ships.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

const dir = path.join(__dirname, '..', '..', 'dist', 'webview');
const EVAL_LIKE = [/\beval\s*\(/, /\bnew\s+Function\s*\(/, /\bFunction\s*\(\s*["'`]/, /setTimeout\s*\(\s*["'`]/, /setInterval\s*\(\s*["'`]/];

test('no webview bundle uses eval, new Function or string timers', () => {
  const bundles = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  // One bundle per webview/<view>/main.ts.
  const views = fs.readdirSync(path.join(__dirname, '..', '..', 'webview')).filter((v) => fs.existsSync(path.join(__dirname, '..', '..', 'webview', v, 'main.ts')));
  assert.deepEqual(bundles.map((b) => b.replace(/\.js$/, '')).sort(), views.sort());
  for (const b of bundles) {
    const code = fs.readFileSync(path.join(dir, b), 'utf8');
    for (const re of EVAL_LIKE) assert.equal(re.test(code), false, `${b} matches ${re}`);
  }
});

test('the webview HTML shell allows scripts only by nonce, and never eval', () => {
  const src = fs.readFileSync(path.join(__dirname, '..', '..', 'extension', 'webviewHtml.ts'), 'utf8');
  assert.match(src, /"default-src 'none'"/);
  assert.match(src, /`script-src 'nonce-\$\{n\}'`/);
  assert.doesNotMatch(src, /unsafe-eval|unsafe-inline/);
  // Every webview host file builds its HTML through the shell (no hand-written CSP elsewhere).
  for (const f of fs.readdirSync(path.join(__dirname, '..', '..', 'extension'))) {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'extension', f), 'utf8');
    if (/\.html\s*=/.test(text)) assert.match(text, /webviewHtml\(/, `${f} sets webview HTML without webviewHtml()`);
  }
});
