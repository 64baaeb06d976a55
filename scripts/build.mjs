// One esbuild script, separate bundles:
//   dist/extension.js      host (cjs, `vscode` external, never loads tfjs)
//   dist/cli.js            trainer + CLI (node, bundles tfjs; native tfjs-node stays external)
//   dist/bench.js          benchmarks (node)
//   dist/webview/<view>.js each webview (esm, browser)
//   dist/t2i-kernels.node  our C++ training kernels, when a compiler is there (build-native.mjs)
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });

const nodeNative = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
// tfjs-backend-cpu's package.json marks its node entry side-effect free, so a
// bare `import '@tensorflow/tfjs-backend-cpu'` (which registers the backend)
// would be dropped from the bundle. Node bundles keep every import.
const nodeBundle = { platform: 'node', format: 'cjs', target: 'node20', external: nodeNative, ignoreAnnotations: true };
const common = { bundle: true, sourcemap: true, logLevel: 'warning', absWorkingDir: root };

const builds = [
  { ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node18', external: ['vscode'] },
  { ...common, ...nodeBundle, entryPoints: ['models/cli.ts'], outfile: 'dist/cli.js' },
  { ...common, ...nodeBundle, entryPoints: ['models/bench.ts'], outfile: 'dist/bench.js' },
];
for (const view of fs.readdirSync(path.join(root, 'webview'))) {
  const entry = path.join('webview', view, 'main.ts');
  if (!fs.existsSync(path.join(root, entry))) continue;
  builds.push({ ...common, entryPoints: [entry], outfile: `dist/webview/${view}.js`, platform: 'browser', format: 'esm', target: 'es2022', loader: { '.css': 'text' } });
}
const present = builds.filter((b) => fs.existsSync(path.join(root, b.entryPoints[0])));

// The wasm backend loads its .wasm binaries (and the pthread worker script) from
// beside the bundle at run time, so they ship in dist/.
const wasmOut = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out');
for (const f of fs.readdirSync(wasmOut)) {
  if (f.endsWith('.wasm') || f.includes('threaded-simd')) fs.copyFileSync(path.join(wasmOut, f), path.join(dist, f));
}

// Our C++ training kernels (best effort; see build-native.mjs).
await import('./build-native.mjs');

if (watch) {
  for (const b of present) (await esbuild.context(b)).watch();
  console.log('watching', present.map((b) => b.outfile).join(', '));
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
}
