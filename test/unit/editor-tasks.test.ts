// The `t2i` task type: what a tasks.json entry runs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseTaskDefinition, taskCliArgs, TaskDefinitionError } from '../../extension/taskArgs';

const config = path.resolve('/ws/exp/birds.t2i.json');
const latest = (c: string) => (c === config ? path.resolve('/ws/exp/runs/birds/20261122-070000') : undefined);

test('train, with steps', () => {
  const def = parseTaskDefinition({ type: 't2i', config: 'exp/birds.t2i.json', steps: 100 });
  assert.deepEqual(taskCliArgs(def, config, latest), ['train', config, '--steps', '100']);
});

test('resume: true continues the latest run; a string names the run folder', () => {
  assert.deepEqual(taskCliArgs(parseTaskDefinition({ type: 't2i', config: 'b.t2i.json', resume: true }), config, latest), ['train', '--resume', path.resolve('/ws/exp/runs/birds/20261122-070000')]);
  assert.deepEqual(taskCliArgs(parseTaskDefinition({ type: 't2i', config: 'b.t2i.json', resume: 'runs/birds/old' }), config, latest), ['train', '--resume', path.resolve('/ws/exp/runs/birds/old')]);
  assert.throws(() => taskCliArgs(parseTaskDefinition({ type: 't2i', config: 'b.t2i.json', resume: true }), path.resolve('/ws/new.t2i.json'), latest), /no run to resume yet/);
});

test('sample and eval', () => {
  assert.deepEqual(taskCliArgs(parseTaskDefinition({ type: 't2i', config: 'b.t2i.json', command: 'sample' }), config, latest), [
    'sample', config, '--captions', path.resolve('/ws/exp/birds.captions.txt'), '--out', path.resolve('/ws/exp/runs/birds/task-samples'),
  ]);
  assert.deepEqual(taskCliArgs(parseTaskDefinition({ type: 't2i', config: 'b.t2i.json', command: 'eval' }), config, latest), ['eval', config]);
});

test('bad task definitions name the field', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ type: 't2i' }, /"config" must name a \*\.t2i\.json file/],
    [{ type: 't2i', config: 'x.json' }, /"config"/],
    [{ type: 't2i', config: 'x.t2i.json', command: 'fit' }, /"command" must be "train", "sample" or "eval"/],
    [{ type: 't2i', config: 'x.t2i.json', command: 'eval', resume: true }, /"resume" applies only to "command": "train"/],
    [{ type: 't2i', config: 'x.t2i.json', steps: -1 }, /"steps" must be a positive integer/],
    [{ type: 't2i', config: 'x.t2i.json', captions: 3 }, /"captions" must be a path/],
  ];
  for (const [def, msg] of bad) assert.throws(() => parseTaskDefinition(def), (e: unknown) => e instanceof TaskDefinitionError && msg.test(e.message));
});
