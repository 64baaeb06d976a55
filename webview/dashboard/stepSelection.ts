// The one step slider: which sample snapshot is selected. Pure.
//
// The selection is kept as a step (not an index), so it stays on the same
// snapshot when history arrives in batches. `follow` means "stick to the
// newest snapshot": true until the user moves the slider away from the end,
// true again when they move it back.

export interface StepSelection {
  step?: number;
  follow: boolean;
}

export const FOLLOW_LATEST: StepSelection = { follow: true };

/** Index of the last step <= `step` in ascending `steps`; 0 when `step` precedes them all; -1 when empty. */
export function indexAtOrBefore(steps: readonly number[], step: number): number {
  if (steps.length === 0) return -1;
  let lo = 0;
  let hi = steps.length - 1;
  if (step < steps[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The slider index for a selection over the current snapshot steps; -1 when there are none. */
export function resolveIndex(steps: readonly number[], sel: StepSelection): number {
  if (steps.length === 0) return -1;
  if (sel.follow || sel.step === undefined) return steps.length - 1;
  return indexAtOrBefore(steps, sel.step);
}

/** The selection after the user put the slider at `index`. */
export function selectIndex(steps: readonly number[], index: number): StepSelection {
  if (steps.length === 0) return FOLLOW_LATEST;
  const i = Math.min(Math.max(Math.round(index), 0), steps.length - 1);
  return { step: steps[i], follow: i === steps.length - 1 };
}

/** Reads a persisted selection defensively (webview state may come from an older version). */
export function parseSelection(value: unknown): StepSelection {
  if (typeof value !== 'object' || value === null) return FOLLOW_LATEST;
  const v = value as { step?: unknown; follow?: unknown };
  const step = typeof v.step === 'number' && Number.isFinite(v.step) ? v.step : undefined;
  return { step, follow: v.follow === false && step !== undefined ? false : true };
}
