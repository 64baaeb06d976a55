import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '/work/main/models/backend/select';
import { createDcganBench } from '/work/main/models/backend/dcganBench';
const threads = Number(process.argv[2] ?? 2);
(async () => {
await initBackend({ choice: 'wasm', threads });
const times = new Map<string, [number, number]>();
const reg = (tf as any).getKernelsForBackend('wasm') as any[];
for (const k of reg) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({ ...k, kernelFunc: (args: any) => {
    const t0 = performance.now(); const r = f(args); const dt = performance.now() - t0;
    if (['Sum','Mean','Multiply','Add'].includes(k.kernelName) && (globalThis as any).LOG) console.log(k.kernelName, JSON.stringify(args.inputs.x?.shape ?? [args.inputs.a?.shape, args.inputs.b?.shape]), JSON.stringify(args.attrs), dt.toFixed(2));
    const e = times.get(k.kernelName) ?? [0, 0]; e[0] += dt; e[1]++; times.set(k.kernelName, e); return r; } });
}
const b = createDcganBench();
for (let i = 0; i < 2; i++) b.step();
times.clear(); (globalThis as any).LOG = process.env.LOG;
const N = 5; const t0 = performance.now();
for (let i = 0; i < N; i++) b.step();
const total = (performance.now() - t0) / N;
let sum = 0;
const rows = [...times.entries()].map(([k, [t, c]]) => [k, t / N, c / N] as const).sort((a, b) => b[1] - a[1]);
for (const r of rows) { sum += r[1]; }
console.log('step ms', total.toFixed(1), 'kernels ms', sum.toFixed(1));
for (const r of rows.slice(0, 30)) console.log(r[0].padEnd(28), r[1].toFixed(2).padStart(8), r[2]);

})();
