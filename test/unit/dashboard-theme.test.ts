import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withAlpha } from '../../webview/dashboard/theme';

test('withAlpha understands the colour forms VS Code themes use', () => {
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha('#fff', 0.25), 'rgba(255, 255, 255, 0.25)');
  assert.equal(withAlpha('#ffffff80', 0.5), 'rgba(255, 255, 255, 0.251)');
  assert.equal(withAlpha('rgba(10, 20, 30, 0.5)', 0.5), 'rgba(10, 20, 30, 0.25)');
  assert.equal(withAlpha('rgb(10 20 30)', 1), 'rgba(10, 20, 30, 1)');
  assert.equal(withAlpha('red', 0.5), 'red');
});
