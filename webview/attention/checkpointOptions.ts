// The entries of the attention panel's checkpoint picker (no DOM): "Latest"
// first, which follows new checkpoints, then each checkpoint, newest first.
import type { CheckpointChoice } from '../../protocol/attention';

export interface PickerOption {
  label: string;
  /** '' is the latest; otherwise a checkpoint file name. */
  value: string;
}

export function checkpointOptions(items: readonly CheckpointChoice[]): PickerOption[] {
  const sorted = [...items].sort((a, b) => b.step - a.step);
  const latest: PickerOption = { label: sorted.length ? `Latest (step ${sorted[0].step})` : 'Latest', value: '' };
  return [latest, ...sorted.map((c) => ({ label: `Step ${c.step}`, value: c.name }))];
}
