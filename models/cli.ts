// The headless T2I Lab CLI. The extension runs this same file as its trainer
// process, so a run started here and one started from VS Code are identical.
//
//   t2i train --resume <run-dir> [--steps N] [--max-minutes M]
//   t2i train <config> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend B] [--threads N]
//   t2i pretrain <config> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend B] [--threads N]
//   t2i pretrain-stream <config> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend B] [--threads N]
//   t2i sample <config-or-run-dir> --captions FILE --out DIR [--seed N] [--backend B]
//   t2i eval <config-or-run-dir> [--metrics oracle,fid,kid,is,rprec] [--n N] [--features cls,damsm,inception] [--inception DIR] [--real]
//   t2i train-classifier <config> [--retrain]
//   t2i compare <run-dir>... [--json FILE] [--out DIR] [--captions FILE]
//   t2i shapes --out DIR --count N --size S [--seed N]
//   t2i serve <config-or-run-dir> [--backend B] [--threads N]   (warm generator, see protocol/serve.ts)
import fs from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../protocol/events';
import { ConfigError } from './config/config';
import { writeShapesFolder } from './data/shapesCommand';
import { pretrainDamsm, type PretrainResult } from './damsm/pretrain';
import { pretrainStream } from './mirrorgan/streamPretrain';
import { compareRuns, compareTable } from './eval/compareRuns';
import { EVAL_METRICS, evaluateRun, FEATURE_NET_IDS, type EvalMetric } from './eval/evaluateRun';
import type { FeatureNetId } from './eval/featureNets';
import { trainClassifierCommand } from './eval/trainClassifierCommand';
import { newRunId } from './run/layout';
import { serve } from './serve/generatorServer';
import { sample } from './train/sample';
import { train, type TrainResult } from './train/trainer';

const USAGE = `usage:
  t2i train <config.t2i.json> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend auto|wasm|cpu|tensorflow|tensorflow-gpu] [--threads N]
  t2i train --resume <run-dir> [--steps N] [--max-minutes M]   (continues from the run's latest checkpoint)
  t2i pretrain <config.t2i.json> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend B] [--threads N]
  t2i pretrain-stream <config.t2i.json> [--steps N] [--max-minutes M] [--run-dir DIR] [--backend B] [--threads N]   (MirrorGAN's captioner)
  t2i sample <config-or-run-dir> --captions FILE --out DIR [--seed N] [--backend B]
  t2i eval <config-or-run-dir> [--metrics oracle,fid,kid,is,rprec] [--n N] [--features cls,damsm,inception] [--inception DIR] [--real] [--retrain-classifier] [--backend B]
  t2i train-classifier <config.t2i.json> [--retrain] [--backend B] [--threads N]   (the label classifier behind fid_cls/kid_cls/is_cls)
  t2i compare <run-dir>... [--json FILE] [--out DIR] [--captions FILE] [--seed N] [--no-grids] [--backend B]
  t2i shapes --out DIR --count N --size S [--seed N]
  t2i serve <config-or-run-dir> [--backend B] [--threads N]`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string>;
}

/** `switches` are options without a value (present: "true"). */
function parseArgs(argv: string[], known: string[], switches: string[] = []): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--') && switches.includes(a.slice(2))) {
      flags.set(a.slice(2), 'true');
    } else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else positional.push(a);
  }
  return { positional, flags };
}

function intFlag(p: Parsed, name: string, min = 0): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

function numFlag(p: Parsed, name: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got "${v}"`);
  return n;
}

/** A comma-separated list whose items must be among `allowed`. */
function listFlag(p: Parsed, name: string, allowed: readonly string[]): string[] | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  const items = v.split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = items.filter((m) => !allowed.includes(m));
  if (unknown.length || !items.length) throw new UsageError(`--${name}: unknown ${unknown.join(', ') || 'empty list'}; known: ${allowed.join(', ')}`);
  return items;
}

const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];
function backendFlag(p: Parsed): BackendChoice | undefined {
  const v = p.flags.get('backend');
  if (v !== undefined && !BACKENDS.includes(v)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  return v as BackendChoice | undefined;
}

/** Stop requests: SIGINT/SIGTERM, or {type:'stop'} over IPC when forked by the extension. */
function stopSignal(): () => boolean {
  let stop = false;
  const request = (why: string) => {
    if (stop) return;
    stop = true;
    console.log(`stop requested (${why}): finishing the step and writing a checkpoint`);
  };
  process.on('SIGINT', () => (stop ? process.exit(130) : request('SIGINT')));
  process.on('SIGTERM', () => request('SIGTERM'));
  process.on('message', (m: unknown) => {
    if ((m as { type?: unknown })?.type === 'stop') request('stop message');
  });
  // Without an IPC parent, a closed channel must not keep us alive.
  process.on('disconnect', () => request('parent disconnected'));
  return () => stop;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'train':
    case 'pretrain': {
      const p = parseArgs(rest, ['steps', 'max-minutes', 'run-dir', 'backend', 'threads', ...(cmd === 'train' ? ['resume'] : [])]);
      const resume = p.flags.get('resume');
      if (resume ? p.positional.length > 1 : p.positional.length !== 1) throw new UsageError(`${cmd} needs exactly one config file${cmd === 'train' ? ' (or --resume RUN_DIR)' : ''}`);
      const opts = {
        configPath: p.positional[0] ?? '',
        resume,
        runDir: p.flags.get('run-dir'),
        steps: intFlag(p, 'steps', 1),
        maxMinutes: numFlag(p, 'max-minutes'),
        backend: backendFlag(p),
        threads: intFlag(p, 'threads', 1),
        shouldStop: stopSignal(),
      };
      const result: TrainResult & Partial<PretrainResult> = cmd === 'train' ? await train(opts) : await pretrainDamsm(opts);
      console.log(`run folder: ${result.runDir}`);
      console.log(`step ${result.step} (${result.reason}), backend ${result.backend.name} x${result.backend.threads}, mean step ${result.meanStepMs.toFixed(1)} ms`);
      if (result.checkpoint) console.log(`image→text top-1 ${(100 * result.top1!).toFixed(1)}%, encoders in ${result.checkpoint}`);
      return 0;
    }
    case 'pretrain-stream': {
      const p = parseArgs(rest, ['steps', 'max-minutes', 'run-dir', 'backend', 'threads']);
      if (p.positional.length !== 1) throw new UsageError('pretrain-stream needs exactly one config file');
      const r = await pretrainStream({
        configPath: p.positional[0],
        runDir: p.flags.get('run-dir'),
        steps: intFlag(p, 'steps', 1),
        maxMinutes: numFlag(p, 'max-minutes'),
        backend: backendFlag(p),
        threads: intFlag(p, 'threads', 1),
        shouldStop: stopSignal(),
      });
      console.log(`run folder: ${r.runDir}`);
      console.log(`step ${r.step} (${r.reason}), backend ${r.backend.name} x${r.backend.threads}, mean step ${r.meanStepMs.toFixed(1)} ms`);
      console.log(`BLEU-1 ${(100 * r.bleu1).toFixed(1)}, exact match ${(100 * r.exactMatch).toFixed(1)}%, captioner in ${r.checkpoint}`);
      return 0;
    }
    case 'sample': {
      const p = parseArgs(rest, ['captions', 'out', 'seed', 'backend']);
      if (p.positional.length !== 1) throw new UsageError('sample needs exactly one config file or run folder');
      const captionsFile = p.flags.get('captions');
      const outDir = p.flags.get('out');
      if (!captionsFile || !outDir) throw new UsageError('sample needs --captions FILE and --out DIR');
      const r = await sample({ target: p.positional[0], captionsFile, outDir, seed: intFlag(p, 'seed'), backend: backendFlag(p) });
      console.log(`wrote ${r.files.length} images to ${path.resolve(outDir)} (checkpoint step ${r.step})`);
      return 0;
    }
    case 'eval': {
      const p = parseArgs(rest, ['metrics', 'n', 'backend', 'features', 'inception'], ['real', 'retrain-classifier']);
      if (p.positional.length !== 1) throw new UsageError('eval needs exactly one config file or run folder');
      const metrics = listFlag(p, 'metrics', EVAL_METRICS) ?? ['oracle', 'fid', 'kid', 'is', 'rprec'];
      const r = await evaluateRun({
        target: p.positional[0],
        metrics: metrics as EvalMetric[],
        n: intFlag(p, 'n', 10),
        features: listFlag(p, 'features', FEATURE_NET_IDS) as FeatureNetId[] | undefined,
        inception: p.flags.get('inception'),
        real: p.flags.has('real'),
        retrainClassifier: p.flags.has('retrain-classifier'),
        backend: backendFlag(p),
      });
      console.log(`\n${r.runDir ? `${path.basename(r.runDir)} at step ${r.step}` : 'real images'}: ${r.images} images, ${r.subject}`);
      const width = Math.max(8, ...Object.keys(r.metrics).map((k) => k.length));
      for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k.padEnd(width)}  ${v.toFixed(4)}`);
      for (const note of r.notes) console.log(`  note: ${note}`);
      console.log(`written to ${r.file}${r.runDir ? " and the run's events.jsonl" : ''}`);
      return 0;
    }
    case 'train-classifier': {
      const p = parseArgs(rest, ['backend', 'threads'], ['retrain']);
      if (p.positional.length !== 1) throw new UsageError('train-classifier needs exactly one config file');
      const r = await trainClassifierCommand({ configPath: p.positional[0], retrain: p.flags.has('retrain'), backend: backendFlag(p), threads: intFlag(p, 'threads', 1) });
      const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');
      console.log(`label classifier ${r.trained ? 'trained' : 'already cached'}: ${r.file}`);
      console.log(`${r.info.sizes.numClasses} classes, top-1 ${pct(r.info.trainAccuracy)} on real train images, ${pct(r.info.testAccuracy)} on real test images`);
      return 0;
    }
    case 'compare': {
      const p = parseArgs(rest, ['json', 'out', 'captions', 'seed', 'backend'], ['no-grids']);
      if (p.positional.length < 1) throw new UsageError('compare needs one or more run folders');
      const captionsFile = p.flags.get('captions');
      const captions = captionsFile ? fs.readFileSync(captionsFile, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : undefined;
      if (captionsFile && !captions?.length) throw new UsageError(`${captionsFile}: no captions (one per line)`);
      const outDir = p.flags.get('out') ?? path.join('t2i-compare', newRunId());
      const { report, jsonFile } = await compareRuns({
        runDirs: p.positional,
        outDir,
        jsonFile: p.flags.get('json'),
        captions,
        noiseSeed: intFlag(p, 'seed'),
        noGrids: p.flags.has('no-grids'),
        backend: backendFlag(p),
      });
      console.log(`\n${compareTable(report)}`);
      for (const note of report.notes) console.log(`note: ${note}`);
      console.log(`\ngrids in ${path.resolve(outDir)}; curves and all metrics in ${jsonFile}`);
      return 0;
    }
    case 'shapes': {
      const p = parseArgs(rest, ['out', 'count', 'size', 'seed']);
      const out = p.flags.get('out');
      const count = intFlag(p, 'count', 1);
      const size = intFlag(p, 'size', 8);
      if (!out || count === undefined || size === undefined) throw new UsageError('shapes needs --out DIR --count N --size S');
      const r = await writeShapesFolder({ out, count, size, seed: intFlag(p, 'seed') ?? 0 });
      console.log(`wrote ${r.files} images and shapes.jsonl to ${path.resolve(out)} in ${Math.round(r.ms)} ms`);
      return 0;
    }
    case 'serve': {
      const p = parseArgs(rest, ['backend', 'threads']);
      if (p.positional.length !== 1) throw new UsageError('serve needs exactly one config file or run folder');
      await serve({ target: p.positional[0], backend: backendFlag(p), threads: intFlag(p, 'threads', 1) });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

main(process.argv.slice(2)).then(
  // Exit explicitly: wasm pthread workers would otherwise keep the process alive.
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) console.error(`t2i: ${e.message}\n${USAGE}`);
    else if (e instanceof ConfigError) console.error(e.message);
    else console.error(`t2i: ${(e as Error).message ?? e}`);
    process.exit(e instanceof UsageError || e instanceof ConfigError ? 2 : 1);
  },
);
