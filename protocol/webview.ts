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
  | { type: 'reset'; configName: string; configPath: string; runId?: string; activity: TrainerActivity }
  /**
   * Events in file order. `sample` events are left out of `events`; they arrive
   * as `samples` with URIs resolved and the sidecar read.
   */
  | { type: 'events'; events: RunEvent[]; samples: SampleSnapshot[] }
  | { type: 'activity'; activity: TrainerActivity }
  /** The trainer process failed; `message` is the best one-line reason. */
  | { type: 'trainerError'; message: string };

/** Webview → host. */
export type DashboardToHost =
  | { type: 'ready' }
  | { type: 'train' }
  | { type: 'stop' }
  | { type: 'showLog' }
  | { type: 'openConfig' };

const DASHBOARD_COMMANDS: ReadonlySet<string> = new Set<DashboardToHost['type']>([
  'ready', 'train', 'stop', 'showLog', 'openConfig',
]);

/** Validates a message from the webview; anything unexpected is rejected. */
export function parseDashboardMessage(msg: unknown): DashboardToHost | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as { type?: unknown };
  if (typeof m.type !== 'string') return undefined;
  // Rebuild the message instead of passing the webview's object through.
  if (DASHBOARD_COMMANDS.has(m.type)) return { type: m.type } as DashboardToHost;
  return undefined;
}
