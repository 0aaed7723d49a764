// --host values: every form ssh users write parses to user, host and port; anything
// ssh could read as an option, or a shell as syntax, is refused in one line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatHostSpec, parseHostSpec, type HostSpec } from '../../src/transport/host-spec.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

const GOOD: Array<[string, HostSpec]> = [
  ['mybox', { host: 'mybox' }],
  ['root@10.0.0.5', { user: 'root', host: '10.0.0.5' }],
  ['10.0.0.5:2222', { host: '10.0.0.5', port: 2222 }],
  ['admin@host.example.org:22', { user: 'admin', host: 'host.example.org', port: 22 }],
  ['ssh://root@box', { user: 'root', host: 'box' }],
  ['ssh://root@box:65535', { user: 'root', host: 'box', port: 65535 }],
  ['ssh://box:1', { host: 'box', port: 1 }],
  ['[::1]:2222', { host: '::1', port: 2222 }],
  ['[::1]', { host: '::1' }],
  ['ssh://admin@[fe80::1%eth0]:22', { user: 'admin', host: 'fe80::1%eth0', port: 22 }],
  ['::1', { host: '::1' }],
  ['root@2001:db8::7', { user: 'root', host: '2001:db8::7' }],
  ['my_box-2.lab', { host: 'my_box-2.lab' }],
  ['jane.doe@CORP@bastion', { user: 'jane.doe@CORP', host: 'bastion' }],
  ['HOST$@dc1', { user: 'HOST$', host: 'dc1' }],
];

for (const [value, spec] of GOOD) {
  test(`parses ${value}`, () => {
    assert.equal(parseHostSpec(value), spec);
  });
}

test('format writes back what parses to the same spec', () => {
  for (const [, spec] of GOOD) assert.equal(parseHostSpec(formatHostSpec(spec)), spec, formatHostSpec(spec));
  assert.is(formatHostSpec({ user: 'root', host: '::1', port: 22 }), 'root@[::1]:22');
  assert.is(formatHostSpec({ host: '::1' }), '::1');
});

const BAD: Array<[string, RegExp]> = [
  ['', /is empty/],
  ['my box', /white space/],
  ['box\t', /white space|control/],
  ['box\nother', /control character/],
  ['box\u001b[31m', /control character/],
  ['box\u009b', /control character/],
  ['-oProxyCommand=touch /tmp/x', /white space|starts with '-'/],
  ['-oProxyCommand=id', /starts with '-', which ssh would read as an option/],
  ['root@-oProxyCommand=id', /host "-oProxyCommand=id" starts with '-'/],
  ['ssh://-oProxyCommand=id', /starts with '-'/],
  ['-lroot@box', /starts with '-'/],
  ['box:0', /port 0 is not in 1\.\.65535/],
  ['box:65536', /port 65536 is not in 1\.\.65535/],
  ['box:99999999', /port "99999999" is not a number/],
  ['box:', /no port after it/],
  ['box:ssh', /port "ssh" is not a number/],
  ['box:-1', /port "-1" is not a number/],
  ['@box', /no user name before it/],
  ['root@', /names no host/],
  ['root@:22', /names no host/],
  ['[::1', /'\[' without '\]'/],
  ['[::1]x', /unexpected "x" after '\]'/],
  ['[box]:22', /\[box\] is not an IPv6 address/],
  ['ssh://box/path', /takes no path/],
  ['box;id', /holds characters/],
  ['$(id)@box', /user "\$\(id\)" holds characters/],
  ["bo'x", /holds characters/],
  ['box`id`', /holds characters/],
  ['x'.repeat(256), /longer than 255/],
];

for (const [value, why] of BAD) {
  test(`refuses ${JSON.stringify(value.slice(0, 40))}`, () => {
    const e = throwsZoneError(() => parseHostSpec(value), 'usage');
    assert.match(e.message, /^--host "/, 'names the option and the value');
    assert.match(e.message, why);
    assertOneLine(e.message);
    assert.ok(e.hint !== undefined && /\[ssh:\/\/\]\[user@\]host\[:port\]/.test(e.hint), 'the hint shows the form');
  });
}

test.run();
