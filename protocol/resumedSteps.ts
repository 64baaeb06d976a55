// After `t2i train --resume` (or a NaN-guard rollback) the trainer redoes the
// steps after its checkpoint, so events.jsonl still holds the earlier
// segment's events for those step numbers. The `run_started` event that begins
// the new segment says where it continues from; readers drop what it replaces.
import type { RunEvent } from './events';

/** Events that carry the training step they belong to. */
const STEP_EVENTS: ReadonlySet<RunEvent['type']> = new Set(['step', 'sample', 'metrics', 'checkpoint', 'done']);

/** True when a later `run_started` with `resumedFrom.step` = from makes `e` stale. */
export function isReplacedByResume(e: RunEvent, from: number): boolean {
  return STEP_EVENTS.has(e.type) && (e as { step: number }).step > from;
}

/**
 * The events with every stale segment dropped: for each `run_started` that has
 * `resumedFrom`, the events before it for steps after `resumedFrom.step`.
 * Order is kept; events without a step (logs, errors, run_started) stay.
 */
export function dedupeResumedSteps(events: readonly RunEvent[]): RunEvent[] {
  const out: RunEvent[] = [];
  for (const e of events) {
    if (e.type === 'run_started' && e.resumedFrom) {
      const from = e.resumedFrom.step;
      let kept = 0;
      for (const x of out) if (!isReplacedByResume(x, from)) out[kept++] = x;
      out.length = kept;
    }
    out.push(e);
  }
  return out;
}
