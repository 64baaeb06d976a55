// Messages between the extension host and the dashboard webview.
// Every message from a webview is untrusted: the host validates it with
// `parseWebviewMessage` before acting on it.

import type { BackendInfo, RunStatus, SampleGridMeta } from './events';

/** A loss point as the dashboard charts it. */
export interface LossPoint {
  step: number;
  t: number;
  value: number;
}

/** A sample grid snapshot, with URIs the webview may load. */
export interface SampleSnapshot {
  step: number;
  uri: string;
  realUri?: string;
  meta?: SampleGridMeta;
}

export interface RunSummary {
  runId: string;
  runDir: string;
  method?: string;
  backend?: BackendInfo;
  totalSteps?: number;
  imageSize?: number;
  status?: RunStatus;
}

/** Host → webview. */
export type HostToDashboard =
  | { type: 'reset'; configName: string; run?: RunSummary; training: boolean }
  | { type: 'losses'; series: Record<string, LossPoint[]> }
  | { type: 'samples'; samples: SampleSnapshot[] }
  | { type: 'status'; run?: RunSummary; training: boolean; stepsPerSec?: number; lastStep?: number; lastCheckpoint?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Webview → host. */
export type DashboardToHost =
  | { type: 'ready' }
  | { type: 'train' }
  | { type: 'stop' }
  | { type: 'showLog' }
  | { type: 'openFile'; path: string };

const DASHBOARD_COMMANDS: ReadonlySet<string> = new Set(['ready', 'train', 'stop', 'showLog']);

/** Validates a message from the webview; anything unexpected is rejected. */
export function parseDashboardMessage(msg: unknown): DashboardToHost | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as { type?: unknown; path?: unknown };
  if (typeof m.type !== 'string') return undefined;
  if (DASHBOARD_COMMANDS.has(m.type)) return { type: m.type } as DashboardToHost;
  if (m.type === 'openFile' && typeof m.path === 'string' && m.path.length < 4096) {
    return { type: 'openFile', path: m.path };
  }
  return undefined;
}
