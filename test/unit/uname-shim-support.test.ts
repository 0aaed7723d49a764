// Which runtimes get the uname supervisor: those known to pass the notify fd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeSupportsListener } from '../../src/backends/linux/uname-shim.js';

test('runc 1.1 and later pass the notify fd to listenerPath; older runc and others fall back', () => {
  assert.ok(runtimeSupportsListener('/usr/sbin/runc', 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1\nspec: 1.0.2-dev\n').available);
  assert.ok(runtimeSupportsListener('runc', 'runc version 1.2.0\n').available);
  const old = runtimeSupportsListener('runc', 'runc version 1.0.3\n');
  assert.not.ok(old.available);
  assert.match(old.why, /runc 1\.0\.3 is not known to pass .*runc 1\.1 or later/);
  assert.not.ok(runtimeSupportsListener('crun', 'crun version 1.8\n').available);
});

test.run();
