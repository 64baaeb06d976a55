// End-to-end harness: the real VS Code workbench (code-server, installed by
// scripts/e2e/install.sh into .e2e/) with the packaged extension, driven in
// headless Debian Chromium by playwright-core. Offline: nothing is downloaded.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
export const SHOTS = path.join(ROOT, 'test-output', 'e2e');
const CODE_SERVER = path.join(E2E_DIR, 'cs', 'node_modules', '.bin', 'code-server');
const VSCE = path.join(E2E_DIR, 'tools', 'node_modules', '.bin', 'vsce');
export const CHROMIUM = '/usr/bin/chromium';

/** What is missing to run the e2e, or undefined when everything is there. */
export function missingPrerequisites() {
  const missing = [CODE_SERVER, VSCE, CHROMIUM].filter((p) => !fs.existsSync(p));
  return missing.length ? `missing ${missing.join(', ')}; install with: bash scripts/e2e/install.sh` : undefined;
}

export function missingBuild() {
  const missing = ['dist/extension.js', 'dist/cli.js', 'dist/webview/dashboard.js'].filter((p) => !fs.existsSync(path.join(ROOT, p)));
  return missing.length ? `missing ${missing.join(', ')}; build with: npm run build` : undefined;
}

export const log = (() => {
  const t0 = Date.now();
  return (...args) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...args);
})();

/** Packages the built extension as a .vsix, offline, exactly as users get it. */
export async function packageExtension(outDir) {
  const vsix = path.join(outDir, 't2i-lab.vsix');
  await run(VSCE, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
    cwd: ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false' },
    maxBuffer: 16 << 20,
  });
  return vsix;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A fresh profile under a temp folder: user data, extensions, XDG dirs, and a
 * workspace. `files` maps workspace-relative paths to contents.
 */
export function makeProfile(files, settings = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-e2e-'));
  const p = {
    dir,
    userData: path.join(dir, 'user'),
    extensions: path.join(dir, 'exts'),
    workspace: path.join(dir, 'ws'),
    xdg: path.join(dir, 'xdg'),
  };
  for (const d of [path.join(p.userData, 'User'), p.extensions, p.workspace, path.join(p.xdg, 'config'), path.join(p.xdg, 'data')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  p.settingsFile = path.join(p.userData, 'User', 'settings.json');
  writeSettings(p, {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'editor.hover.delay': 100,
    'window.commandCenter': false,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.layoutControl.enabled': false,
    ...settings,
  });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(p.workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(p.workspace, rel), text);
  }
  return p;
}

/**
 * Profile settings that open the workspace untrusted (Restricted Mode) without
 * the startup trust dialog; pair with `startCodeServer(p, { workspaceTrust: true })`.
 */
export const untrustedSettings = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
  'security.workspace.trust.untrustedFiles': 'open',
};

/** Rewrites User/settings.json; the running workbench picks the change up live. */
export function writeSettings(profile, settings) {
  let current = {};
  try {
    current = JSON.parse(fs.readFileSync(profile.settingsFile, 'utf8'));
  } catch {
    // first write
  }
  fs.writeFileSync(profile.settingsFile, JSON.stringify({ ...current, ...settings }, null, 2));
}

function csEnv(profile) {
  return { ...process.env, XDG_CONFIG_HOME: path.join(profile.xdg, 'config'), XDG_DATA_HOME: path.join(profile.xdg, 'data') };
}

function csArgs(profile) {
  return ['--config', path.join(profile.dir, 'config.yaml'), '--user-data-dir', profile.userData, '--extensions-dir', profile.extensions];
}

export async function installExtension(profile, vsix) {
  await run(CODE_SERVER, [...csArgs(profile), '--install-extension', vsix, '--force'], { env: csEnv(profile), maxBuffer: 16 << 20 });
}

/**
 * Starts code-server on a free local port; resolves once /healthz answers.
 * `workspaceTrust: true` keeps Workspace Trust on (no --disable-workspace-trust);
 * with the profile settings of `untrustedSettings` the workspace then opens in
 * Restricted Mode.
 */
export async function startCodeServer(profile, { workspaceTrust = false } = {}) {
  const port = await freePort();
  const logFile = path.join(profile.dir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    CODE_SERVER,
    [
      ...csArgs(profile),
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      profile.workspace,
    ],
    // Own process group, so stopping it also stops the server's children
    // (extension host, and the trainer it forked).
    { env: csEnv(profile), stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  // Last resort if the test runner exits (timeout, Ctrl+C) before `finally` ran.
  const killOnExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const server = { child, port, logFile, url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(profile.workspace)}` };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopCodeServer(server);
      throw new Error('code-server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops code-server and everything it started: SIGTERM to the group, SIGKILL if it lingers. */
export async function stopCodeServer(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const group = -server.child.pid;
  const exited = new Promise((r) => server.child.once('exit', r));
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  const timer = new Promise((r) => setTimeout(() => r('timeout'), 8000));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// ---- workbench helpers (VS Code 1.100 selectors) ----

/** Headless Chromium with a profile inside the test's folder; returns the context and its first page. */
export async function launchBrowser(profile, viewport = { width: 1400, height: 900 }) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launchPersistentContext(path.join(profile.dir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, page: browser.pages()[0] ?? (await browser.newPage()) };
}

/** Opens the workbench in `page` and waits until the extension's activity-bar entry is there. */
export async function openWorkbench(page, server) {
  await page.goto(server.url);
  await page.locator('.activitybar .action-item a[aria-label*="T2I Lab"]').waitFor({ timeout: 90_000 });
  log('workbench ready');
}

/** Quick Open (Ctrl+P) a workspace file by name. */
export async function quickOpen(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click();
}

/**
 * The end of every workbench test: on failure a screenshot and code-server's logs kept;
 * then the browser closed, code-server stopped and the profile removed.
 */
export async function finishWorkbenchTest({ failed, browser, server, profile, failureShot }) {
  if (failed) {
    try {
      const page = browser?.pages()[0];
      if (page) await shot(page, failureShot);
    } catch {
      // the browser may be gone
    }
    keepLogs(profile, server);
  }
  await browser?.close().catch(() => {});
  await stopCodeServer(server);
  fs.rmSync(profile.dir, { recursive: true, force: true });
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  log('screenshot', `test-output/e2e/${name}.png`);
}

/** Runs a command by its title from the command palette (it may open another quick pick). */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>' + title);
  // Click the row that starts with the title: Enter would take whatever the fuzzy match ranks first.
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^${escaped}`) }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/** The (nested) webview frame whose document contains `selector`. */
export async function frameWith(page, selector, timeout = 30_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        // detached while looking
      }
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no webview frame contains ${selector} after ${timeout} ms`);
}

/** Polls `fn` until it returns a truthy value. */
export async function until(fn, what, timeout = 60_000, every = 200) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Copies code-server's and the extension host's logs next to the screenshots, for a failed run. */
export function keepLogs(profile, server) {
  const dest = path.join(SHOTS, 'logs');
  fs.mkdirSync(dest, { recursive: true });
  if (server?.logFile && fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, path.join(dest, 'code-server.log'));
  const logs = path.join(profile.userData, 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode'), { recursive: true });
  log('logs kept in', path.relative(ROOT, dest));
}
