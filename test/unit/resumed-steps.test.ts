// dedupeResumedSteps: after a resume or rollback, the events of the replaced
// steps are dropped and everything else is kept, in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../protocol/events';
import { dedupeResumedSteps, isReplacedByResume } from '../../protocol/resumedSteps';

const backend = { name: 'cpu' as const, threads: 1, attempts: [] };
const started = (t: number, resumedFrom?: { step: number; reason: 'resume' | 'rollback' }): RunEvent => ({
  t, type: 'run_started', version: 1, runId: 'r', method: 'baseline', configPath: 'c', backend, pid: 1, startStep: resumedFrom?.step ?? 0,
  totalSteps: 10, imageSize: 32, lossNames: ['g'],
  ...(resumedFrom ? { resumedFrom: { step: resumedFrom.step, checkpoint: `checkpoints/step-${resumedFrom.step}.safetensors`, reason: resumedFrom.reason } } : {}),
});
const step = (t: number, s: number): RunEvent => ({ t, type: 'step', step: s, losses: { g: t }, stepMs: 1 });
const label = (e: RunEvent) => (e.type === 'run_started' ? `start@${e.startStep}` : 'step' in e ? `${e.type}@${e.step}/${e.t}` : e.type);

test('a resume drops the killed segment after its checkpoint; a rollback inside the resumed segment does likewise', () => {
  const events: RunEvent[] = [
    started(0), step(1, 1), step(2, 2), { t: 3, type: 'checkpoint', step: 2, path: 'c2' }, step(4, 3),
    { t: 5, type: 'sample', step: 3, path: 's3', meta: 'm3' }, { t: 6, type: 'metrics', step: 3, metrics: { a: 1 } }, step(7, 4),
    // killed; resumed from step 2
    { t: 8, type: 'log', level: 'warn', message: 'torn line' }, started(9, { step: 2, reason: 'resume' }), step(10, 3), step(11, 4),
    { t: 12, type: 'checkpoint', step: 4, path: 'c4' }, step(13, 5),
    // NaN at 6; rolled back to 4
    { t: 14, type: 'log', level: 'error', message: 'NaN' }, started(15, { step: 4, reason: 'rollback' }), step(16, 5), step(17, 6),
    { t: 18, type: 'done', step: 6, reason: 'completed' },
  ];
  assert.deepEqual(dedupeResumedSteps(events).map(label), [
    'start@0', 'step@1/1', 'step@2/2', 'checkpoint@2/3', 'log', 'start@2', 'step@3/10', 'step@4/11', 'checkpoint@4/12',
    'log', 'start@4', 'step@5/16', 'step@6/17', 'done@6/18',
  ]);
  assert.equal(events.length, 19, 'the input is not changed');
});

test('runs without resumedFrom (older trainers, fresh runs) are returned as they are', () => {
  const events = [started(0), step(1, 1), step(2, 2), started(3), step(4, 2)];
  assert.deepEqual(dedupeResumedSteps(events), events);
  assert.equal(isReplacedByResume(step(1, 5), 4), true);
  assert.equal(isReplacedByResume(step(1, 4), 4), false);
  assert.equal(isReplacedByResume({ t: 1, type: 'error', message: 'x' }, 0), false);
});
