// One slider across views: the dashboard's selectStep message is checked like
// every webview message, and the attention panel pins the checkpoint nearest
// the selected step of a real run folder (none when that is the newest, so it
// keeps following training).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkpointForStep, listCheckpoints } from '../../extension/attentionCheckpoints';
import { parseDashboardMessage } from '../../protocol/webview';

test('selectStep from the dashboard: a whole step ≥ 0, rebuilt; anything else is dropped', () => {
  assert.deepEqual(parseDashboardMessage({ type: 'selectStep', step: 1500, extra: 'x' }), { type: 'selectStep', step: 1500 });
  for (const step of [-1, 1.5, '10', Number.NaN, 2 ** 60, undefined]) assert.equal(parseDashboardMessage({ type: 'selectStep', step }), undefined, String(step));
});

test('checkpointForStep on a run folder: nearest checkpoint, ties to the earlier, the newest means "latest"', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 't2i-follow-'));
  fs.mkdirSync(path.join(runDir, 'checkpoints'));
  for (const step of [250, 500, 1000, 1500]) fs.writeFileSync(path.join(runDir, 'checkpoints', `step-${String(step).padStart(6, '0')}.safetensors`), '');
  fs.writeFileSync(path.join(runDir, 'checkpoints', 'step-002000.safetensors.tmp'), ''); // being written: never picked
  const items = listCheckpoints(runDir);
  assert.equal(items.length, 4);
  assert.equal(checkpointForStep(items, 0), 'step-000250.safetensors');
  assert.equal(checkpointForStep(items, 600), 'step-000500.safetensors');
  assert.equal(checkpointForStep(items, 750), 'step-000500.safetensors', 'a tie goes to the earlier checkpoint');
  assert.equal(checkpointForStep(items, 800), 'step-001000.safetensors');
  assert.equal(checkpointForStep(items, 1400), undefined, 'nearest is the newest: follow the latest');
  assert.equal(checkpointForStep(items, 99_999), undefined);
  assert.equal(checkpointForStep([], 500), undefined, 'a run without checkpoints pins nothing');
});
