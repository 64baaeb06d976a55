// The evaluation the trainer runs every `train.evalEvery` steps, cut into
// slices for SlicedEvaluator: a few images generated (with the weight
// snapshot of the step) or described per slice, then the shapes oracle and,
// when the dataset's label classifier is cached, fid_cls/kid_cls/is_cls
// against real test images of the same captions.
import type { T2IConfig } from '../config/config';
import type { T2IDataset } from '../data/dataset';
import { Rng } from '../data/rng';
import type { Vocabulary } from '../text/vocabulary';
import type { T2IMethod } from '../train/method';
import { featureMetrics, type FeatureNet } from './featureNets';
import { generateForCaptions, oracleCaptions, oracleMetrics, scoreOracleItems } from './shapesOracleEval';
import type { EvalTask } from './slicedEvaluator';
import { WeightSnapshot } from './weightSnapshot';

/** Images per slice: small enough that one slice is a short pause. */
export const EVAL_SLICE_IMAGES = 8;

export interface TrainingEvalSetup {
  cfg: T2IConfig;
  ds: T2IDataset;
  method: T2IMethod;
  vocab: Vocabulary;
  /** The cached label classifier's feature net, when there is one. */
  classifier?: FeatureNet;
}

/** Captions and real images the evaluations score against: the same every time. */
interface Reference {
  captions: string[];
  heldOut: boolean[];
  real: Uint8Array[];
  realFeatures?: Float64Array[];
}

/** Makes evaluation tasks for a training run; the real reference is described once, in slices, by the first. */
export function trainingEvaluations(setup: TrainingEvalSetup): (step: number) => EvalTask {
  const { cfg, ds, method, vocab, classifier } = setup;
  const wanted = new Set(cfg.eval.duringTraining);
  const split = ds.test.length ? ds.test : ds.train;
  const n = Math.min(cfg.train.evalCount, split.length);
  let ref: Reference | undefined;
  const reference = (): Reference => {
    if (ref) return ref;
    const rng = new Rng(11);
    if (ds.kind === 'shapes') {
      const { picks, captions, heldOut } = oracleCaptions(ds, n, rng);
      ref = { captions, heldOut, real: picks.map((i) => split.image(i)) };
    } else {
      const picks = Array.from({ length: n }, (_, k) => Math.floor((k * split.length) / n));
      ref = { captions: picks.map((i) => rng.choice(split.captions(i))), heldOut: picks.map(() => false), real: picks.map((i) => split.image(i)) };
    }
    return ref;
  };
  const scoreFeatures = classifier && (wanted.has('fid') || wanted.has('kid') || wanted.has('is'));

  return (step: number): EvalTask => {
    const snapshot = new WeightSnapshot(method);
    function* slices(): Generator<void, Record<string, number>, void> {
      const r = reference();
      if (scoreFeatures && !r.realFeatures) {
        const feats: Float64Array[] = [];
        for (let start = 0; start < r.real.length; start += EVAL_SLICE_IMAGES) {
          feats.push(...classifier!.describe(r.real.slice(start, start + EVAL_SLICE_IMAGES), ds.size).features);
          yield;
        }
        r.realFeatures = feats;
      }
      const noise = new Rng(29);
      const fake: Uint8Array[] = [];
      const fakeFeatures: Float64Array[] = [];
      const fakeProbs: Float64Array[] = [];
      for (let start = 0; start < r.captions.length; start += EVAL_SLICE_IMAGES) {
        const chunk = snapshot.use(() => generateForCaptions(method, vocab, cfg.text.maxWords, r.captions.slice(start, start + EVAL_SLICE_IMAGES), noise));
        fake.push(...chunk);
        yield;
        if (scoreFeatures) {
          const d = classifier!.describe(chunk, ds.size);
          fakeFeatures.push(...d.features);
          fakeProbs.push(...(d.probs ?? []));
          yield;
        }
      }
      const metrics: Record<string, number> = {};
      if (ds.kind === 'shapes' && wanted.has('oracle')) Object.assign(metrics, oracleMetrics(scoreOracleItems(fake, ds.size, r.captions, r.heldOut)));
      if (scoreFeatures) {
        const m = featureMetrics(classifier!, r.realFeatures!, { features: fakeFeatures, probs: fakeProbs }, { fid: wanted.has('fid'), kid: wanted.has('kid'), is: wanted.has('is') });
        delete m.is_cls_std;
        Object.assign(metrics, m);
      }
      return metrics;
    }
    return { step, slices: slices(), dispose: () => snapshot.dispose() };
  };
}
