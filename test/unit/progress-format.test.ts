// Install progress reads as people count: megabytes for bytes, plain counts for items.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { amount } from '../../src/cli/progress.js';

test('bytes as MB, items as counts', () => {
  assert.is(amount(1048576, 77768768, 'bytes'), '1.0/74.2 MB');
  assert.is(amount(0, 0, 'bytes'), '0.0/0.0 MB');
  assert.is(amount(64, 270, 'items'), '64/270');
});

test.run();
