// Messages between the extension host and the dashboard webview.
// Every message from a webview is untrusted: the host validates it with
// `parseDashboardMessage` before acting on it.
//
// Handshake: the host posts nothing until the webview posts `ready`. On `ready`
// the host sends `reset`, then the run's whole history as `events` batches,
// then keeps sending `events` as the trainer appends them. A webview that is
// reloaded (hidden and shown again, window reload) simply posts `ready` again.

import type { RunEvent, SampleGridMeta } from './events';

/** A sample grid snapshot, with URIs the webview may load. */
export interface SampleSnapshot {
  step: number;
  /** Webview URI of the generated grid PNG. */
  uri: string;
  /** Webview URI of the real-image grid shown beside it, when there is one. */
  realUri?: string;
  /** The sidecar JSON (captions and layout), when it could be read. */
  meta?: SampleGridMeta;
  /** The sidecar is the previous snapshot's but for its step, left out to keep long histories small. */
  metaAsBefore?: boolean;
}

/**
 * What the host knows about the trainer process of this config:
 * `idle` no process; `starting` forked, no events yet; `running`; `stopping`
 * (stop requested, waiting for the final checkpoint); `external` the shown
 * run is alive but was started elsewhere (the CLI, another window).
 */
export type TrainerActivity = 'idle' | 'starting' | 'running' | 'stopping' | 'external';

/** Host → webview. */
export type HostToDashboard =
  /** Forget everything shown: a (possibly different) run follows. */
  /** `trusted`: false in Restricted Mode, where Train and Resume are refused (the buttons say so). */
  | { type: 'reset'; configName: string; configPath: string; runId?: string; activity: TrainerActivity; trusted: boolean }
  /**
   * Events in file order. `sample` events are left out of `events`; they arrive
   * as `samples` with URIs resolved and the sidecar read.
   */
  | { type: 'events'; events: RunEvent[]; samples: SampleSnapshot[] }
  | { type: 'activity'; activity: TrainerActivity }
  /** The trainer process failed; `message` is the best one-line reason. */
  | { type: 'trainerError'; message: string }
  /**
   * The run's history, decimated on the host: it replaces what the webview has
   * (so a big events.jsonl is never posted whole). `partial`: read from the end
   * of the file only, for a quick first render; the full history follows.
   * Newer events then arrive as `events`.
   */
  | {
      type: 'history';
      series: SeriesDigest[];
      events: RunEvent[];
      samples: SampleSnapshot[];
      lines: number;
      partial: boolean;
      config?: unknown;
      /** Complete lines that are not events (corrupt, or from a newer trainer): skipped, and said so. */
      skipped?: number;
      /** The file ends in a line with no newline: being written, or torn by a crash. */
      tornLastLine?: boolean;
    }
  /**
   * The runs of this config, newest first, for the overlay picker, and the shown
   * run's config.json snapshot (re-read each time: a new run writes it after it starts).
   */
  | { type: 'runs'; runs: RunSummary[]; config?: unknown }
  /** Another run's decimated history and config snapshot, to draw over this one. */
  | { type: 'overlay'; runId: string; series: SeriesDigest[]; config?: unknown; lastStep?: number };

/** One loss head or metric of a run's history, decimated into buckets of consecutive steps. */
export interface SeriesDigest {
  name: string;
  kind: 'loss' | 'metric';
  /** Last step of each bucket, ascending. */
  steps: number[];
  /** Wall-clock time (ms since the epoch) of each bucket's last step. */
  t: number[];
  /** Mean of each bucket (the value itself when a bucket holds one step). */
  values: number[];
  /** Present when some bucket holds more than one step: its step count, lowest and highest value. */
  count?: number[];
  min?: number[];
  max?: number[];
}

export interface RunSummary {
  runId: string;
  /** The run shown in this dashboard. */
  current: boolean;
}

/** Webview → host. */
export type DashboardToHost =
  | { type: 'ready' }
  | { type: 'train' }
  | { type: 'stop' }
  | { type: 'showLog' }
  | { type: 'openConfig' }
  /** Continue the shown run from its latest checkpoint (`t2i train --resume <run dir>`). */
  | { type: 'resume' }
  /** Save the shown run's sample grid at `step` as a PNG (the host asks where). */
  | { type: 'exportPng'; step: number }
  /** Draw these other runs of the config over the shown one (empty: none). */
  | { type: 'overlay'; runIds: string[] }
  /** Open the Attention panel on a sample grid caption (a cell or caption was clicked). */
  | { type: 'inspectCaption'; caption: string }
  /** The user moved the step slider to `step`: the attention panel follows it. */
  | { type: 'selectStep'; step: number };

/** Captions are short sentences; anything longer is not one of the grid's. */
export const MAX_CAPTION_CHARS = 500;

const PLAIN_COMMANDS: ReadonlySet<string> = new Set<DashboardToHost['type']>([
  'ready', 'train', 'stop', 'showLog', 'openConfig', 'resume',
]);

/** Run ids are folder names made by the trainer (`20261122-041503`, `-2` suffixes); nothing path-like. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** More overlaid runs than this is unreadable, and bounds the host's work. */
export const MAX_OVERLAY_RUNS = 6;

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value) && !value.includes('..');
}

/** Validates a message from the webview; anything unexpected is rejected. */
export function parseDashboardMessage(msg: unknown): DashboardToHost | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as { type?: unknown; step?: unknown; runIds?: unknown; caption?: unknown };
  if (typeof m.type !== 'string') return undefined;
  // Rebuild the message instead of passing the webview's object through.
  if (PLAIN_COMMANDS.has(m.type)) return { type: m.type } as DashboardToHost;
  if (m.type === 'exportPng' || m.type === 'selectStep') {
    const step = m.step;
    if (m.type === 'selectStep') return typeof step === 'number' && Number.isSafeInteger(step) && step >= 0 ? { type: 'selectStep', step } : undefined;
    return typeof step === 'number' && Number.isSafeInteger(step) && step >= 0 ? { type: 'exportPng', step } : undefined;
  }
  if (m.type === 'overlay') {
    const ids = m.runIds;
    if (!Array.isArray(ids) || ids.length > MAX_OVERLAY_RUNS || !ids.every(isRunId)) return undefined;
    return { type: 'overlay', runIds: [...new Set(ids as string[])] };
  }
  if (m.type === 'inspectCaption') {
    const c = m.caption;
    return typeof c === 'string' && c.trim() !== '' && c.length <= MAX_CAPTION_CHARS ? { type: 'inspectCaption', caption: c } : undefined;
  }
  return undefined;
}
