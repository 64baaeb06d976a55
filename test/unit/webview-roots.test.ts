// localResourceRoots of every webview: only the extension's bundles and
// icons, plus the run data the view shows (one config's runs root, or the
// compare output folder), never the workspace root or a folder above it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { attentionResourceRoots, compareResourceRoots, dashboardResourceRoots, extensionResourceRoots } from '../../extension/webviewRoots';

const EXT = path.resolve('/opt/ext/t2i-lab');
const WS = path.resolve('/home/me/project');
const CONFIG = path.join(WS, 'configs', 'shapes-xmcgan.t2i.json');

/** True when `root` is `dir` or one of its ancestors (a root that would expose `dir`'s whole tree). */
const covers = (root: string, dir: string) => {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

test('extension roots: exactly dist/webview and media of the extension', () => {
  assert.deepEqual(extensionResourceRoots(EXT), [path.join(EXT, 'dist', 'webview'), path.join(EXT, 'media')]);
  assert.deepEqual(attentionResourceRoots(EXT), extensionResourceRoots(EXT), 'attention images are data: URIs; no run folder');
});

test('dashboard roots: the extension folders and that config’s runs root, nothing wider', () => {
  const roots = dashboardResourceRoots(EXT, CONFIG);
  assert.deepEqual(roots, [path.join(EXT, 'dist', 'webview'), path.join(EXT, 'media'), path.join(WS, 'configs', 'runs', 'shapes-xmcgan')]);
  for (const r of roots) {
    assert.ok(!covers(r, WS), `${r} must not be the workspace root or above it`);
    assert.ok(!covers(r, path.dirname(CONFIG)), `${r} must not expose the config's folder (other configs, datasets)`);
    assert.ok(!covers(r, EXT), `${r} must not expose the whole extension`);
  }
  // Another config in the same folder gets its own runs root, not a shared parent.
  const other = dashboardResourceRoots(EXT, path.join(WS, 'configs', 'other.t2i.json'));
  assert.equal(other[2], path.join(WS, 'configs', 'runs', 'other'));
  assert.ok(!covers(other[2], roots[2]) && !covers(roots[2], other[2]));
  // A relative config path is made absolute (a relative root would resolve against an unknown folder).
  assert.ok(path.isAbsolute(dashboardResourceRoots(EXT, 'x.t2i.json')[2]));
});

test('compare roots: the extension folders and the comparison output folder only', () => {
  const out = path.join('/home/me/.vscode-server/data/User/globalStorage/t2i', 'compare', '20261122-010203');
  const roots = compareResourceRoots(EXT, out);
  assert.deepEqual(roots, [path.join(EXT, 'dist', 'webview'), path.join(EXT, 'media'), out]);
  for (const r of roots) assert.ok(!covers(r, WS), `${r} must not expose the workspace`);
});
