// `t2i serve`: a warm generator process. The extension host (or any client)
// sends requests and reads responses, one JSON object per message: over the
// IPC channel when forked with one, else newline-delimited JSON on
// stdin/stdout (logs go to stderr). Responses may arrive out of request order;
// match them by `id`.

/** Word attention of one generated image: per stage, one size×size map per word. */
export interface ServeAttention {
  /** The caption's words the model saw (unknown words left out), in order. */
  words: string[];
  /** maps[word] is size×size weights, row-major. */
  stages: { name: string; size: number; maps: number[][] }[];
}

/** Client → server. */
export type ServeRequest =
  /**
   * Generate one image for `caption` with noise from `seed`; `size` caps the thumbnail side (default 128).
   * `checkpoint` pins a checkpoint file of the served run (`step-NNNNNN.safetensors`, a bare name, never a
   * path); without it the run's latest checkpoint is used.
   */
  | { id: number; type: 'generate'; caption: string; seed: number; size?: number; checkpoint?: string }
  /** Drop a queued request; a request being generated finishes but its result is not sent. */
  | { id: number; type: 'cancel' }
  /** The server's counters (how much work it really did), answered at once. */
  | { id: number; type: 'stats' };

/** Counters of a generator server. */
export interface ServeStats {
  /** Images actually generated (cache hits and cancelled requests not counted). */
  generated: number;
  cacheHits: number;
  /** Requests dropped from the queue before any work. */
  cancelled: number;
  /** Checkpoint loads. */
  loads: number;
  /** Requests waiting now. */
  queued: number;
}

/** Server → client. */
export type ServeResponse =
  | { type: 'ready'; runDir: string; step: number; method: string; imageSize: number; hasAttention: boolean }
  | {
      id: number;
      type: 'result';
      /** Base64 PNG (no data: prefix), nearest-neighbour scaled to at most `size` px. */
      png: string;
      /** Side of the thumbnail in pixels. */
      width: number;
      /** Checkpoint step the image came from. */
      step: number;
      /** File name of that checkpoint (`step-NNNNNN.safetensors`). */
      checkpoint: string;
      method: string;
      unknownWords: string[];
      /** Absent when the method has no word attention. */
      attention?: ServeAttention;
      cached: boolean;
      ms: number;
    }
  | { id: number; type: 'cancelled' }
  | ({ id: number; type: 'stats' } & ServeStats)
  | { id: number; type: 'error'; message: string };

export const SERVE_MAX_CAPTION = 2000;
export const SERVE_DEFAULT_SIZE = 128;

/** A checkpoint file name as the trainer writes it; the only form a request may name one in, so it cannot leave the run folder. */
export function isCheckpointName(name: unknown): name is string {
  return typeof name === 'string' && /^step-\d{1,12}\.safetensors$/.test(name);
}

/** Validates and rebuilds one request; undefined for anything malformed. */
export function parseServeRequest(msg: unknown): ServeRequest | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return undefined;
  if (m.type === 'cancel') return { id: m.id, type: 'cancel' };
  if (m.type === 'stats') return { id: m.id, type: 'stats' };
  if (m.type !== 'generate') return undefined;
  if (typeof m.caption !== 'string' || m.caption.length > SERVE_MAX_CAPTION) return undefined;
  if (typeof m.seed !== 'number' || !Number.isSafeInteger(m.seed) || m.seed < 0) return undefined;
  let size: number | undefined;
  if (m.size !== undefined) {
    if (typeof m.size !== 'number' || !Number.isInteger(m.size) || m.size < 8 || m.size > 1024) return undefined;
    size = m.size;
  }
  if (m.checkpoint !== undefined && !isCheckpointName(m.checkpoint)) return undefined;
  return {
    id: m.id, type: 'generate', caption: m.caption, seed: m.seed,
    ...(size !== undefined ? { size } : {}), ...(m.checkpoint !== undefined ? { checkpoint: m.checkpoint } : {}),
  };
}

/** Light check of a server message (it is our own process, but a line may be a stray log). */
export function parseServeResponse(msg: unknown): ServeResponse | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as { type?: unknown; id?: unknown };
  if (m.type === 'ready') return msg as ServeResponse;
  if (typeof m.id !== 'number') return undefined;
  if (m.type === 'result' || m.type === 'cancelled' || m.type === 'error' || m.type === 'stats') return msg as ServeResponse;
  return undefined;
}
