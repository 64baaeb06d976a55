// Training-speed benchmarks: GFLOP/s of the conv and matMul kernels, and ms per step of named
// step cases: the fixed dcgan-bench network of compute.md, and `method:<name>`, one full
// method.trainStep of each GAN method's sample config (samples/shapes-*.t2i.json, built as
// training builds it, models/train/methodBench.ts). Every case also reports the live tensor
// count before and after its timed steps (it must not grow). Each backend configuration runs
// in its own child process, since the wasm thread count is fixed once per process.
//
//   npm run bench -- [--out bench-results.json] [--steps 5] [--repeats 1] [--threads N]
//                    [--configs wasm-1,wasm-N,wasmonly-N,cpu] [--only name,...] [--torch-ms MS]
//                    [--torch-script torch_bench.py [--python /usr/bin/python3]]
//   node --import tsx models/bench.ts [same flags]
//   npm run bench -- soak [--steps 10000] [--every 100] [--config samples/shapes-baseline.t2i.json]
//                    [--backend B] [--threads N] [--keep-run] [--out soak-results.json]
//       (models/train/soak.ts: tensor count, tensor bytes and heap sampled over a long run)
//
// wasm-N runs wasm with our C++ kernels when they are built (as training does); wasmonly-N turns
// them off (T2I_NATIVE_KERNELS=off), so both routes are measured in one run.
// --torch-script: the PyTorch CPU reference for dcgan-bench (torch_bench.py of the design notes);
// it is run with each configuration's thread count right before and right after that
// configuration, and the report gives each configuration's ratio to the mean of those two.
// --torch-ms: a PyTorch CPU time for the dcgan-bench step measured by hand in the same session
// (e.g. `/usr/bin/python3 torch_bench.py dcgan 2` from the compute prototype); the report then
// includes each configuration's ratio to it. Writes JSON to stdout and to --out.
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendChoice, BackendInfo } from '../protocol/events';
import { seededTensor } from './backend/backendCompare';
import { createDcganBench, dcganStepGflop } from './backend/dcganBench';
import { initBackend } from './backend/select';
import { METHOD_SAMPLE_CONFIGS, methodBenchFromFile } from './train/methodBench';
import { soak } from './train/soak';

/** One step of work to time, built on the active backend. */
export interface StepBench {
  step(): unknown;
  dispose(): void;
  /** Extra fields for the report, read after the timed steps (method cases: config, batch rows, last losses). */
  info?: Record<string, unknown>;
}

export interface BenchCase {
  name: string;
  /** FLOPs of one step in GFLOP, when GFLOP/s is meaningful. */
  gflop?: number;
  /** Small enough for the pure-JS cpu backend. */
  cpu?: boolean;
  setup(): StepBench | Promise<StepBench>;
}

/** Forward + both backward passes of a 3x3 'same' conv: the three kernels of a conv layer's training step. */
function convCase(name: string, [b, hw, ci, co]: number[], cpu = false): BenchCase {
  return {
    name, cpu,
    gflop: (3 * 2 * b * hw * hw * ci * co * 9) / 1e9,
    setup() {
      const x = seededTensor([b, hw, hw, ci], 1), w = seededTensor([3, 3, ci, co], 2), dy = seededTensor([b, hw, hw, co], 3);
      const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), dy)) as tf.Scalar;
      return {
        step: () => { const g = tf.grads(loss)([x, w]); g.forEach((t) => t.dataSync()); tf.dispose(g); },
        dispose: () => tf.dispose([x, w, dy]),
      };
    },
  };
}

function matMulCase(n: number, transposeA: boolean, transposeB: boolean, cpu = false): BenchCase {
  const mode = `${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'}`;
  return {
    name: `matmul-${mode}-${n}`, cpu,
    gflop: (2 * n * n * n) / 1e9,
    setup() {
      const a = seededTensor([n, n], 1), b = seededTensor([n, n], 2);
      return {
        step: () => { const y = tf.matMul(a, b, transposeA, transposeB); y.dataSync(); y.dispose(); },
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}

const TRANSPOSE_MODES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

export const BENCH_CASES: BenchCase[] = [
  convCase('conv3x3-fwd-bwd-16x32x32x64-64', [16, 32, 32, 64]),
  convCase('conv3x3-fwd-bwd-2x16x16x16-16', [2, 16, 16, 16], true),
  ...TRANSPOSE_MODES.map(([a, b]) => matMulCase(1024, a, b)),
  ...TRANSPOSE_MODES.map(([a, b]) => matMulCase(256, a, b, true)),
  {
    name: 'dcgan-bench',
    setup: () => createDcganBench({ batch: 16 }),
    gflop: dcganStepGflop(16),
  },
  ...Object.entries(METHOD_SAMPLE_CONFIGS).map(([method, file]) => methodCase(method, file)),
];

/** samples/ beside models/ (tsx) and beside dist/ (the bundle). */
export function sampleConfigPath(file: string): string {
  return path.resolve(__dirname, '..', 'samples', file);
}

/** One training step (all D and G updates) of a method's sample config, on a fixed real batch. */
function methodCase(method: string, file: string): BenchCase {
  return { name: `method:${method}`, setup: () => methodBenchFromFile(sampleConfigPath(file)) };
}

interface CaseResult {
  msPerStep: number; gflops?: number; stepsMs: number[];
  /** tf.memory().numTensors after the warm-up step, and after the timed steps: equal when nothing leaks. */
  tensors?: { before: number; after: number };
  info?: Record<string, unknown>;
}
interface ConfigResult {
  backend?: BackendInfo; cases: Record<string, CaseResult>; error?: string;
  /** Cases that failed to build or step (the others still run). */
  caseErrors?: Record<string, string>;
}

interface Options {
  out: string; steps: number; repeats: number; threads: number;
  configs: string[]; only?: string[]; torchMs?: number; torchScript?: string; python: string;
}

function parseOptions(argv: string[]): Options {
  const flag = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const threads = Number(flag('threads') ?? os.cpus().length);
  return {
    out: flag('out') ?? 'bench-results.json',
    steps: Number(flag('steps') ?? 5),
    repeats: Number(flag('repeats') ?? 1),
    threads,
    configs: [...new Set((flag('configs') ?? 'wasm-1,wasm-N,cpu').split(',').map((c) => c.replace(/^(wasm|wasmonly)-N$/, `$1-${threads}`)))],
    only: flag('only')?.split(','),
    torchMs: flag('torch-ms') ? Number(flag('torch-ms')) : undefined,
    torchScript: flag('torch-script'),
    python: flag('python') ?? '/usr/bin/python3',
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** 'wasm-2' / 'wasmonly-2' -> wasm with 2 threads (the latter without our C++ kernels); 'cpu' -> cpu. */
function parseConfig(config: string): { choice: BackendChoice; threads?: number } {
  const m = /^wasm(?:only)?-(\d+)$/.exec(config);
  if (m) return { choice: 'wasm', threads: Number(m[1]) };
  return { choice: config as BackendChoice };
}

/** One run of the PyTorch reference: its ms per dcgan step, or an error. */
function runTorch(opts: Options, threads: number): { ms?: number; error?: string } {
  const r = spawnSync(opts.python, [opts.torchScript!, 'dcgan', String(threads)], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.split('\n').reverse().find((l) => l.includes('msPerStep'));
  if (!line) return { error: `exit ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ').slice(0, 300)}` };
  return { ms: (JSON.parse(line) as { msPerStep: number }).msPerStep };
}

async function timeCase(c: BenchCase, steps: number): Promise<CaseResult> {
  const bench = await c.setup();
  try {
    bench.step(); // warm-up: JIT, XNNPACK operator creation, heap growth, optimiser slots
    const before = tf.memory().numTensors;
    const stepsMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      bench.step();
      stepsMs.push(performance.now() - t0);
    }
    const after = tf.memory().numTensors;
    const msPerStep = median(stepsMs);
    return {
      msPerStep: round(msPerStep), gflops: c.gflop ? round(c.gflop / (msPerStep / 1e3)) : undefined, stepsMs: stepsMs.map(round),
      tensors: { before, after }, ...(bench.info ? { info: structuredClone(bench.info) } : {}),
    };
  } finally {
    bench.dispose();
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

/** Child process: one configuration, all selected cases, one JSON line on stdout. */
async function runChild(config: string, opts: Options): Promise<void> {
  const result: ConfigResult = { cases: {} };
  try {
    result.backend = await initBackend(parseConfig(config));
    const cases = BENCH_CASES.filter((c) => (!opts.only || opts.only.includes(c.name)) && (config !== 'cpu' || c.cpu));
    for (const c of cases) {
      try {
        result.cases[c.name] = await timeCase(c, opts.steps);
      } catch (e) {
        (result.caseErrors ??= {})[c.name] = (e as Error).message;
      }
    }
  } catch (e) {
    result.error = (e as Error).message;
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

function runConfigInChild(config: string, argv: string[]): ConfigResult {
  const script = process.argv[1];
  const env = config.startsWith('wasmonly-') ? { ...process.env, T2I_NATIVE_KERNELS: 'off' } : process.env;
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...argv, '--child', config], {
    encoding: 'utf8', maxBuffer: 64 << 20, env,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) return { cases: {}, error: `child exited with ${r.status}: ${r.stderr.split('\n').slice(-5).join(' ').slice(0, 500)}` };
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ConfigResult;
}

/** Median over repeats of each case's ms/step, keeping the other fields of the median run. */
function mergeRepeats(runs: ConfigResult[]): ConfigResult {
  const merged: ConfigResult = { backend: runs.find((r) => r.backend)?.backend, cases: {}, error: runs.find((r) => r.error)?.error };
  const caseErrors = Object.assign({}, ...runs.map((r) => r.caseErrors ?? {})) as Record<string, string>;
  if (Object.keys(caseErrors).length) merged.caseErrors = caseErrors;
  const names = new Set(runs.flatMap((r) => Object.keys(r.cases)));
  for (const name of names) {
    const results = runs.map((r) => r.cases[name]).filter(Boolean).sort((a, b) => a.msPerStep - b.msPerStep);
    merged.cases[name] = { ...results[Math.floor(results.length / 2)], stepsMs: results.flatMap((r) => r.stepsMs) };
  }
  return merged;
}

/** PyTorch's times around each configuration, and each configuration's dcgan-bench ratio to them. */
function torchReport(configs: Record<string, ConfigResult>, torchRuns: Record<string, { before?: number; after?: number; errors?: string[] }[]>) {
  const ratios: Record<string, number> = {};
  const torchMs: Record<string, number> = {};
  for (const [config, rs] of Object.entries(torchRuns)) {
    const times = rs.flatMap((r) => [r.before, r.after]).filter((v): v is number => typeof v === 'number');
    const ours = configs[config]?.cases['dcgan-bench']?.msPerStep;
    if (!times.length) continue;
    torchMs[config] = round(times.reduce((a, b) => a + b, 0) / times.length);
    if (ours) ratios[config] = round(ours / torchMs[config]);
  }
  return {
    torchRuns: { runs: torchRuns, meanMs: torchMs, note: 'PyTorch dcgan step (torch_bench.py) with the same thread count, right before and after each configuration' },
    dcganBenchRatioToTorchSameThreads: ratios,
  };
}

async function soakMain(argv: string[]): Promise<void> {
  const flag = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const int = (name: string, dflt: number) => {
    const n = Number(flag(name) ?? dflt);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer >= 1`);
    return n;
  };
  const out = flag('out') ?? 'soak-results.json';
  const report = await soak({
    configPath: flag('config') ?? 'samples/shapes-baseline.t2i.json',
    steps: int('steps', 10000),
    every: int('every', 100),
    backend: flag('backend') as BackendChoice | undefined,
    threads: flag('threads') ? int('threads', 1) : undefined,
    keepRun: argv.includes('--keep-run'),
    // Rewritten at every sample, so a soak stopped midway still leaves its numbers.
    onSample: (partial) => fs.writeFileSync(out, JSON.stringify(partial, null, 2) + '\n'),
  });
  const json = JSON.stringify(report, null, 2);
  fs.writeFileSync(out, json + '\n');
  process.stdout.write(`${JSON.stringify({ steps: report.steps, backend: report.backend, growth: report.growth })}\nwritten to ${out}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'soak') return soakMain(argv.slice(1));
  const opts = parseOptions(argv);
  const childIndex = argv.indexOf('--child');
  if (childIndex >= 0) return runChild(argv[childIndex + 1], opts);

  const parentArgs = argv.filter((a, i) => a !== '--child' && argv[i - 1] !== '--child');
  const runs: Record<string, ConfigResult[]> = {};
  const torchRuns: Record<string, { before: number | undefined; after: number | undefined; errors?: string[] }[]> = {};
  for (let r = 0; r < opts.repeats; r++) {
    for (const config of opts.configs) {
      const threads = parseConfig(config).threads ?? 1;
      const before = opts.torchScript && config !== 'cpu' ? runTorch(opts, threads) : undefined;
      process.stderr.write(`bench: ${config} (repeat ${r + 1}/${opts.repeats})${before?.ms ? `, PyTorch ${threads} thread(s) ${before.ms} ms` : ''}\n`);
      (runs[config] ??= []).push(runConfigInChild(config, parentArgs));
      if (before) {
        const after = runTorch(opts, threads);
        const errors = [before.error, after.error].filter((e): e is string => !!e);
        (torchRuns[config] ??= []).push({ before: before.ms, after: after.ms, ...(errors.length ? { errors } : {}) });
      }
    }
  }
  const configs = Object.fromEntries(Object.entries(runs).map(([c, rs]) => [c, mergeRepeats(rs)]));
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg().map(round), node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { steps: opts.steps, repeats: opts.repeats, note: 'ms/step is the median over steps (after one warm-up step), then over repeats' },
    configs,
    ...(opts.torchScript ? torchReport(configs, torchRuns) : {}),
    ...(opts.torchMs ? {
      torch: { dcganBenchMs: opts.torchMs, note: 'measured by hand with torch_bench.py dcgan in the same session' },
      dcganBenchRatioToTorch: Object.fromEntries(Object.entries(configs)
        .filter(([, r]) => r.cases['dcgan-bench'])
        .map(([c, r]) => [c, round(r.cases['dcgan-bench'].msPerStep / opts.torchMs!)])),
    } : {}),
  };
  const json = JSON.stringify(report, null, 2);
  fs.writeFileSync(opts.out, json + '\n');
  process.stdout.write(json + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
