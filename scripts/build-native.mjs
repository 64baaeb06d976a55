// Compiles our C++ training kernels (native/t2i_kernels.cc) into dist/t2i-kernels.node.
//
// Best effort by design: the addon only makes training faster, so a machine without a C++
// compiler or Node's headers (or on Windows, which needs node.lib to link) gets one line saying
// so, exit code 0, and trains on the wasm kernels. Rebuilds only when the source, the flags or
// the Node version changed. Run by scripts/build.mjs (so by npm ci, build, test and bench).
//   node scripts/build-native.mjs [--force] [--out FILE]
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 't2i_kernels.cc');
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(root, 'dist', 't2i-kernels.node');
const stamp = `${out}.stamp`;

function nodeHeaders() {
  const dirs = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node', '/usr/local/include/node',
  ].filter(Boolean);
  return dirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

function build() {
  if (process.platform === 'win32') return 'not built on Windows (linking an addon there needs node.lib)';
  const headers = nodeHeaders();
  if (!headers) return "not built: Node's headers (node_api.h) were not found";
  const cxx = process.env.CXX || 'c++';
  const linkFlags = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC'];
  const args = ['-O3', '-std=c++17', '-pthread', '-ffp-contract=fast', '-fvisibility=hidden', `-I${headers}`, ...linkFlags, source, '-o', `${out}.tmp`];
  const key = crypto.createHash('sha256').update(fs.readFileSync(source)).update(JSON.stringify([cxx, args, process.version])).digest('hex');
  if (!process.argv.includes('--force') && fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return null;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const r = spawnSync(cxx, args, { encoding: 'utf8' });
  if (r.error) return `not built: ${cxx} could not run (${r.error.message})`;
  if (r.status !== 0) return `not built: ${cxx} failed:\n${(r.stderr || r.stdout).trim().split('\n').slice(0, 12).join('\n')}`;
  fs.renameSync(`${out}.tmp`, out);
  fs.writeFileSync(stamp, key);
  return `built ${path.relative(root, out) || out}`;
}

const message = build();
if (message) console.log(`native kernels: ${message}${message.startsWith('not built') ? '; training uses the wasm kernels' : ''}`);
