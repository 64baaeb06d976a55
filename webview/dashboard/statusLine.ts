// The status line's words, from the run model and the trainer's activity. Pure.
import type { TrainerActivity } from '../../protocol/webview';
import { stepsPerSecond, writesSamples, type RunModel } from './runModel';

export type StateKind = 'busy' | 'ok' | 'warn' | 'error' | 'idle';

export interface StatusParts {
  state: string;
  kind: StateKind;
  /** The run's method, e.g. "xmc-gan" or "damsm (encoder pretraining)" */
  method?: string;
  /** e.g. "wasm · 2 threads", or "wasm + C++ kernels · 2 threads" when our addon carries the work */
  backend?: string;
  /** e.g. "step 120 / 3,000" */
  step?: string;
  /** e.g. "4.2 steps/s · ~11 min left" */
  speed?: string;
  /** e.g. "checkpoint 100" */
  checkpoint?: string;
}

const DONE_LABEL = {
  completed: ['Completed', 'ok'],
  stopped: ['Stopped', 'ok'],
  'time-limit': ['Time limit reached', 'ok'],
  failed: ['Failed', 'error'],
} as const;

/** `failed`: the host saw the trainer process fail (possibly before it wrote any event). */
export function stateOf(run: RunModel, activity: TrainerActivity, hasRun: boolean, failed = false): { state: string; kind: StateKind } {
  switch (activity) {
    case 'starting':
      return { state: 'Starting…', kind: 'busy' };
    case 'running':
      return { state: 'Training', kind: 'busy' };
    case 'stopping':
      return { state: 'Stopping…', kind: 'busy' };
    case 'external':
      return { state: 'Training (outside this window)', kind: 'busy' };
    case 'idle':
      break;
  }
  if (run.done) {
    const [state, kind] = DONE_LABEL[run.done.reason] ?? ['Finished', 'ok'];
    return { state, kind };
  }
  if (run.lastError || failed) return { state: 'Failed', kind: 'error' };
  if (!hasRun) return { state: 'No runs yet', kind: 'idle' };
  return { state: 'Interrupted', kind: 'warn' };
}

/** A word on methods whose name alone does not say what the run is. */
const METHOD_NOTES: ReadonlyMap<string, string> = new Map([['damsm', 'encoder pretraining']]);

/**
 * What the samples card says while it shows no grid. `none`: the run's method
 * writes no grids at all (DAMSM pretraining), so there is nothing to wait for.
 */
export function samplesEmptyText(run: RunModel, active: boolean, hasRun: boolean): { text: string; none: boolean } {
  if (!writesSamples(run)) {
    return {
      text: run.method === 'damsm'
        ? 'DAMSM pretraining writes no sample grids: it trains the text and image encoders that the GAN methods use.'
        : `The ${run.method} method writes no sample grids.`,
      none: true,
    };
  }
  const text = active
    ? 'Waiting for the first sample grid…'
    : hasRun
      ? 'No sample grids in this run.'
      : 'Generated grids for fixed captions and noise appear here while training.';
  return { text, none: false };
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function statusParts(run: RunModel, activity: TrainerActivity, hasRun: boolean, failed = false): StatusParts {
  const parts: StatusParts = stateOf(run, activity, hasRun, failed);
  if (run.method) {
    const note = METHOD_NOTES.get(run.method);
    parts.method = note ? `${run.method} (${note})` : run.method;
  }
  if (run.backend) {
    const t = run.backend.threads;
    // The trainer's note on the chosen backend says whether our C++ kernels carry the work.
    const chosen = run.backend.attempts?.find((a) => a.ok && a.name === run.backend!.name);
    const name = /native kernels/.test(chosen?.reason ?? '') ? `${run.backend.name} + C++ kernels` : run.backend.name;
    parts.backend = t > 0 ? `${name} · ${t} thread${t === 1 ? '' : 's'}` : name;
  }
  if (run.lastStep !== undefined || run.totalSteps !== undefined) {
    const at = formatInt(run.lastStep ?? run.startStep);
    parts.step = run.totalSteps ? `step ${at} / ${formatInt(run.totalSteps)}` : `step ${at}`;
  }
  const live = activity === 'running' || activity === 'external';
  const rate = stepsPerSecond(run);
  if (live && rate !== undefined) {
    const r = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
    let speed = `${r} steps/s`;
    if (run.totalSteps && run.lastStep !== undefined && run.totalSteps > run.lastStep) {
      speed += ` · ~${formatDuration((run.totalSteps - run.lastStep) / rate)} left`;
    }
    parts.speed = speed;
  }
  if (run.lastCheckpoint) parts.checkpoint = `checkpoint ${formatInt(run.lastCheckpoint.step)}`;
  return parts;
}

/**
 * Resume is offered for a run that is not training, did not finish its steps,
 * and has a checkpoint to continue from.
 */
export function canResume(run: RunModel, activity: TrainerActivity, hasRun: boolean): boolean {
  return activity === 'idle' && hasRun && run.lastCheckpoint !== undefined && run.done?.reason !== 'completed';
}
