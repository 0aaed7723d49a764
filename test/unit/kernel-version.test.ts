// The kernel-version attribute: illumos lx's rules, and what UNAME26 really shows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { needsUname26, parseKernelVersion, uname26Release } from '../../src/core/kernel-version.js';
import { checkAssignment } from '../../src/core/config.js';
import { throwsZoneError } from './fixtures/expect-error.js';

test('"2.4" means 2.4.21 and "2.6" means 2.6.18; full releases are kept as written', () => {
  assert.equal(parseKernelVersion('2.4'), { release: '2.4.21', major: 2, minor: 4, patch: 21 });
  assert.equal(parseKernelVersion('2.6'), { release: '2.6.18', major: 2, minor: 6, patch: 18 });
  assert.equal(parseKernelVersion('2.6.32'), { release: '2.6.32', major: 2, minor: 6, patch: 32 });
  assert.equal(parseKernelVersion('3.10.0-1160.el7.x86_64'), { release: '3.10.0-1160.el7.x86_64', major: 3, minor: 10, patch: 0 });
});

test('a major below 2, or no MAJOR.MINOR, is refused with the reason', () => {
  assert.match(JSON.stringify(parseKernelVersion('1.2.13')), /major version below 2/);
  for (const bad of ['2', 'two.six', '2.6;reboot', '', '2..6']) assert.ok('bad' in parseKernelVersion(bad), bad);
  const e = throwsZoneError(() => checkAssignment({ key: 'kernel-version', value: '1.0' }, 'z'), 'invalid-config');
  assert.match(e.message, /kernel-version: a major version below 2/);
  assert.is(checkAssignment({ key: 'kernel-version', value: '2.4' }), '2.4');
});

test('UNAME26 is applied below 3.0 only', () => {
  const v = (s: string) => parseKernelVersion(s) as Exclude<ReturnType<typeof parseKernelVersion>, { bad: string }>;
  assert.ok(needsUname26(v('2.4')));
  assert.ok(needsUname26(v('2.6.32')));
  assert.not.ok(needsUname26(v('3.10.0')));
});

test('uname26Release predicts what the kernel reports under setarch --uname-2.6', () => {
  assert.is(uname26Release('6.18.44-fc-v657'), '2.6.78-fc-v657');
  assert.is(uname26Release('3.10.0-1160.el7.x86_64'), '2.6.70-1160.el7.x86_64');
  assert.is(uname26Release('5.4'), '2.6.64');
  const real = spawnSync('setarch', ['--uname-2.6', 'uname', '-r'], { encoding: 'utf8' });
  if (real.status === 0) assert.is(uname26Release(release()), real.stdout.trim());
});

test.run();
