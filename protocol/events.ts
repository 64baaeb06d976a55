// Events a trainer appends to `<run>/events.jsonl`, one JSON object per line.
// The run folder is the source of truth: the extension host tails this file and
// forwards the events to webviews, whether the trainer was started by the
// extension or by the CLI on another machine.

/** Bumped when an event changes shape in a way old readers cannot ignore. */
export const EVENTS_VERSION = 1;

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';

/** One backend that `auto` considered, and why it was or was not used. */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  reason?: string;
}

export interface BackendInfo {
  name: BackendName;
  threads: number;
  attempts: BackendAttempt[];
}

interface EventBase {
  /** Wall-clock time, ms since the Unix epoch. */
  t: number;
}

export interface RunStartedEvent extends EventBase {
  type: 'run_started';
  version: number;
  runId: string;
  method: string;
  configPath: string;
  backend: BackendInfo;
  pid: number;
  /** Step the run starts from (non-zero when resumed). */
  startStep: number;
  totalSteps: number;
  imageSize: number;
  /** Names of the loss series this method logs, in display order. */
  lossNames: string[];
  /**
   * Set when training continues from a checkpoint: `t2i train --resume`, or a
   * NaN-guard rollback within one process. Events of the earlier segment with a
   * step after `step` are stale (that work is redone): see dedupeResumedSteps.
   */
  resumedFrom?: ResumedFrom;
}

export interface ResumedFrom {
  /** The checkpoint's step; training continues with step + 1. */
  step: number;
  /** The checkpoint, relative to the run folder. */
  checkpoint: string;
  /** 'resume': a new trainer process; 'rollback': the NaN guard reloaded it. */
  reason: 'resume' | 'rollback';
}

export interface StepEvent extends EventBase {
  type: 'step';
  step: number;
  /** Loss values by head, e.g. { d_real: 0.9, d_fake: 0.8, g_adv: 1.1 }. */
  losses: Record<string, number>;
  /** Milliseconds the last training step took. */
  stepMs: number;
}

export interface SampleEvent extends EventBase {
  type: 'sample';
  step: number;
  /** Grid PNG path relative to the run folder, e.g. `samples/step-000100.png`. */
  path: string;
  /** Sidecar JSON path relative to the run folder (captions and grid layout). */
  meta: string;
  /** Word-attention maps of the same grid (AttentionExport JSON), for methods with attention. */
  attention?: string;
}

/** Evaluation results at a step (retrieval accuracy, FID, oracle scores, ...). */
export interface MetricsEvent extends EventBase {
  type: 'metrics';
  step: number;
  metrics: Record<string, number>;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  step: number;
  /** Path relative to the run folder, e.g. `checkpoints/step-000100.safetensors`. */
  path: string;
}

export interface LogEvent extends EventBase {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface ErrorEvent extends EventBase {
  type: 'error';
  message: string;
  /** JSON pointer or file path the error is about, when there is one. */
  where?: string;
}

export type DoneReason = 'completed' | 'stopped' | 'time-limit' | 'failed';

export interface DoneEvent extends EventBase {
  type: 'done';
  step: number;
  reason: DoneReason;
}

export type RunEvent =
  | RunStartedEvent
  | StepEvent
  | SampleEvent
  | MetricsEvent
  | CheckpointEvent
  | LogEvent
  | ErrorEvent
  | DoneEvent;

export type RunEventType = RunEvent['type'];

/** Contents of `<run>/status.json`, rewritten atomically as the run progresses. */
export interface RunStatus {
  /**
   * `paused` is written by the host (never the trainer) when a running trainer
   * showed no sign of life for the heartbeat timeout: it may be hung or
   * suspended. The host keeps the trainer's `updated` and `heartbeatAt`, so the
   * silence keeps counting. The trainer's next status write sets it back to
   * `running`; a paused trainer whose process dies is marked `failed`.
   */
  state: 'running' | 'paused' | 'completed' | 'stopped' | 'failed';
  runId: string;
  pid: number;
  step: number;
  totalSteps: number;
  lastCheckpoint?: string;
  updated: number;
  message?: string;
  /**
   * ISO time of the trainer's last sign of life. It is rewritten at least every
   * `heartbeatSeconds` while the trainer works (between steps, in pretraining and
   * evaluation); a `running` status whose heartbeat is much older means a hung
   * or killed trainer. Absent in status files from before it was written.
   */
  heartbeatAt?: string;
  /**
   * The heartbeat interval the trainer promises (config `train.heartbeatSeconds`).
   * It cannot beat inside one step: a hang check should wait at least a few
   * `meanStepMs` too.
   */
  heartbeatSeconds?: number;
  /** Mean wall time of this process's training steps so far, in ms; absent before the first step. */
  meanStepMs?: number;
}

/**
 * Whether a status says a trainer owns the run: `running`, or `paused` (silent
 * but perhaps alive). Callers still check that its pid is alive.
 */
export function isTrainingState(state: RunStatus['state'] | undefined): boolean {
  return state === 'running' || state === 'paused';
}

/** Sidecar JSON written next to each sample grid PNG. */
export interface SampleGridMeta {
  step: number;
  rows: number;
  cols: number;
  /** Pixel size of one cell (the model's resolution). */
  cell: number;
  /** Pixels between cells and around them; absent (no gaps) in sidecars from before it was written. */
  gap?: number;
  /** Caption of each cell, row-major. */
  captions: string[];
  /** Path of the matching real-image grid, relative to the run folder. */
  real: string;
  /** What the method's captioner reads back from each cell, row-major (MirrorGAN's STREAM); absent for other methods. */
  redescriptions?: string[];
}

/** Word-attention maps of one attention layer (a stage) for every cell of a sample grid. */
export interface AttentionStage {
  /** e.g. "g16" (XMC-GAN's 16×16 attention) or "stage1" (an AttnGAN/MirrorGAN refinement stage). */
  name: string;
  /** Side of the attention grid. */
  size: number;
  /** maps[cell][word] is size×size weights, row-major, rounded; words are the caption's real words. */
  maps: number[][][];
}

/** `samples/step-NNNNNN.attention.json`: per cell, its words, and the maps of each stage. */
export interface AttentionExport {
  step: number;
  /** The caption words of each cell, in order (padding left out). */
  words: string[][];
  stages: AttentionStage[];
}

const EVENT_TYPES: ReadonlySet<string> = new Set<RunEventType>([
  'run_started', 'step', 'sample', 'metrics', 'checkpoint', 'log', 'error', 'done',
]);

/** Parses one line of events.jsonl; returns undefined for a blank, torn or unknown line. */
export function parseEventLine(line: string): RunEvent | undefined {
  const text = line.trim();
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { type?: unknown; t?: unknown };
  if (typeof v.type !== 'string' || !EVENT_TYPES.has(v.type) || typeof v.t !== 'number') return undefined;
  return value as RunEvent;
}
