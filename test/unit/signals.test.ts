// Signal names as brands write them, and the numbers Linux userlands (and runc) use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signalNumber } from '../../src/core/signals.js';
import { throwsZoneError } from './fixtures/expect-error.js';

// x86_64 Linux numbers, as `kill -l` prints them on a glibc system.
const KNOWN: Array<[string, number]> = [
  ['SIGHUP', 1],
  ['SIGINT', 2],
  ['SIGKILL', 9],
  ['SIGUSR1', 10],
  ['SIGUSR2', 12], // busybox init: power off
  ['SIGTERM', 15], // sysvinit / most daemons
  ['SIGPWR', 30], // sysvinit: power failure -> shutdown
  ['SIGRTMIN+0', 34],
  ['SIGRTMIN+3', 37], // systemd: halt
  ['SIGRTMIN+4', 38], // systemd: poweroff
  ['SIGRTMIN+13', 47],
  ['SIGRTMIN+30', 64],
  ['SIGRTMAX-0', 64],
  ['SIGRTMAX-1', 63],
  ['SIGRTMAX-30', 34],
];

if (process.platform === 'linux' && process.arch === 'x64') {
  for (const [name, n] of KNOWN) {
    test(`${name} = ${n}`, () => {
      assert.is(signalNumber(name), n);
    });
  }
}

const UNKNOWN = [
  'SIGFOO',
  'SIGFOO+',
  'TERM', // without the SIG prefix
  'sigterm',
  '15',
  '',
  'SIGRTMIN+31', // past SIGRTMAX
  'SIGRTMAX-31', // before SIGRTMIN
  'SIGRTMIN+-1',
  'SIGRTMIN+3 ',
  'SIGRTMIN-3',
  'SIGRTMAX+1',
];

for (const name of UNKNOWN) {
  test(`${JSON.stringify(name)} is refused`, () => {
    const e = throwsZoneError(() => signalNumber(name), 'invalid-file');
    assert.match(e.message, /unknown signal/);
    assert.ok(e.message.includes(`"${name}"`), e.message);
    assert.match(e.hint ?? '', /SIGRTMIN\+3/);
  });
}

test.run();
