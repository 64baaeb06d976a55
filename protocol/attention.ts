// Messages between the extension host and the attention side panel (a
// WebviewView). The webview is untrusted: the host validates what it sends
// with `parseAttentionMessage`; the webview checks what it receives with
// `parseHostToAttention` before drawing.
import { isCheckpointName, type ServeAttention } from './serve';

/** One generated image and its word attention, as the panel shows it. */
export interface AttentionResult {
  caption: string;
  seed: number;
  configName: string;
  /** data:image/png;base64,… (the panel's CSP allows data: images). */
  image: string;
  step: number;
  /** File name of the checkpoint the image came from. */
  checkpoint?: string;
  method: string;
  unknownWords: string[];
  /** Undefined when the method has no word attention. */
  attention?: ServeAttention;
}

/** A checkpoint of the served run, as the panel's picker lists it. */
export interface CheckpointChoice {
  /** `step-NNNNNN.safetensors` */
  name: string;
  step: number;
}

/** One cell of the live view: a fixed caption of the training run's latest sample grid. */
export interface LiveCell {
  caption: string;
  /** data: PNG of this cell, cut from the grid by the host. */
  image: string;
  attention?: ServeAttention;
}

/** Host → panel. */
export type HostToAttention =
  | { type: 'pending'; caption: string; seed: number; configName: string }
  | { type: 'result'; result: AttentionResult }
  | { type: 'error'; caption?: string; message: string }
  /** Live mode: the training run's latest sample grid with its attention export (if the method has one). */
  | { type: 'live'; configName: string; step: number; cells: LiveCell[]; hasAttention: boolean }
  | { type: 'liveEmpty'; message: string }
  /** The run's checkpoints (newest first) and the one in use: `selected` undefined means always the latest. */
  | { type: 'checkpoints'; run: string; items: CheckpointChoice[]; selected?: string };

/** Panel → host. */
export type AttentionToHost =
  | { type: 'ready' }
  /** `checkpoint` absent: the latest checkpoint. */
  | { type: 'generate'; caption: string; seed: number; checkpoint?: string }
  | { type: 'live'; on: boolean };

export const ATTENTION_MAX_CAPTION = 500;

/** Validates a message from the panel and rebuilds it; anything unexpected is rejected. */
export function parseAttentionMessage(msg: unknown): AttentionToHost | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'generate': {
      if (typeof m.caption !== 'string') return undefined;
      const caption = m.caption.trim();
      if (!caption || caption.length > ATTENTION_MAX_CAPTION) return undefined;
      if (typeof m.seed !== 'number' || !Number.isSafeInteger(m.seed) || m.seed < 0 || m.seed > 0xffffffff) return undefined;
      if (m.checkpoint !== undefined && !isCheckpointName(m.checkpoint)) return undefined;
      return { type: 'generate', caption, seed: m.seed, ...(m.checkpoint !== undefined ? { checkpoint: m.checkpoint } : {}) };
    }
    case 'live':
      return typeof m.on === 'boolean' ? { type: 'live', on: m.on } : undefined;
    default:
      return undefined;
  }
}

function isAttention(a: unknown): a is ServeAttention {
  if (typeof a !== 'object' || a === null) return false;
  const v = a as Record<string, unknown>;
  if (!Array.isArray(v.words) || !v.words.every((w) => typeof w === 'string')) return false;
  if (!Array.isArray(v.stages)) return false;
  return v.stages.every((s: unknown) => {
    if (typeof s !== 'object' || s === null) return false;
    const st = s as Record<string, unknown>;
    if (typeof st.name !== 'string' || typeof st.size !== 'number' || !Number.isInteger(st.size) || st.size < 1 || st.size > 256) return false;
    const n = st.size * st.size;
    return Array.isArray(st.maps) && st.maps.every((m: unknown) => Array.isArray(m) && m.length === n && m.every((x) => typeof x === 'number'));
  });
}

const isDataPng = (s: unknown): s is string => typeof s === 'string' && s.startsWith('data:image/png;base64,');

/** Checks a host message before the panel draws it. */
export function parseHostToAttention(msg: unknown): HostToAttention | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'pending':
      return typeof m.caption === 'string' && typeof m.seed === 'number' && typeof m.configName === 'string' ? (m as HostToAttention) : undefined;
    case 'result': {
      const r = m.result as Record<string, unknown> | undefined;
      if (!r || typeof r.caption !== 'string' || !isDataPng(r.image) || typeof r.step !== 'number') return undefined;
      if (!Array.isArray(r.unknownWords) || (r.attention !== undefined && !isAttention(r.attention))) return undefined;
      return m as HostToAttention;
    }
    case 'error':
      return typeof m.message === 'string' ? (m as HostToAttention) : undefined;
    case 'live': {
      if (typeof m.step !== 'number' || !Array.isArray(m.cells)) return undefined;
      const ok = m.cells.every((c: unknown) => {
        const cell = c as Record<string, unknown>;
        return typeof cell?.caption === 'string' && isDataPng(cell.image) && (cell.attention === undefined || isAttention(cell.attention));
      });
      return ok ? (m as HostToAttention) : undefined;
    }
    case 'liveEmpty':
      return typeof m.message === 'string' ? (m as HostToAttention) : undefined;
    case 'checkpoints': {
      if (typeof m.run !== 'string' || !Array.isArray(m.items)) return undefined;
      const ok = m.items.every((c: unknown) => isCheckpointName((c as { name?: unknown })?.name) && Number.isSafeInteger((c as { step?: unknown }).step));
      if (!ok || (m.selected !== undefined && !isCheckpointName(m.selected))) return undefined;
      return m as HostToAttention;
    }
    default:
      return undefined;
  }
}
