// Zone configuration keys (--set KEY=VALUE): known keys only, each value checked and
// normalized, defaults as documented.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_KEYS, assertKnownKey, checkAssignment, configValue, isConfiguredOnly, parseAssignment } from '../../src/core/config.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

const KNOWN = [
  'zonepath',
  'autoboot',
  'hostname',
  'ip-type',
  'emulation',
  'kernel-version',
  'capped-memory',
  'capped-cpu',
  'max-processes',
  'cpu-shares',
  'net-address',
  'net-subnet',
  'net-bridge',
  'net-forward',
  'net-interface',
  'net-gateway',
  'storage-driver',
  'runtime',
];

test('the known keys are the zonecfg-style ones', () => {
  assert.equal(Object.keys(CONFIG_KEYS).sort(), [...KNOWN].sort());
});

// --- parseAssignment ---------------------------------------------------------

test('parseAssignment splits at the first "="', () => {
  assert.equal(parseAssignment('hostname=web'), { key: 'hostname', value: 'web' });
  assert.equal(parseAssignment('zonepath=/zones/a=b'), { key: 'zonepath', value: '/zones/a=b' });
  assert.equal(parseAssignment('hostname='), { key: 'hostname', value: '' });
});

for (const text of ['hostname', '=web', '', 'autoboot true']) {
  test(`parseAssignment(${JSON.stringify(text)}) is a usage error listing the keys`, () => {
    const e = throwsZoneError(() => parseAssignment(text), 'usage');
    assert.match(e.message, /KEY=VALUE/);
    assert.is(e.exit, 2, 'usage errors exit 2');
    for (const k of KNOWN) assert.ok(e.hint?.includes(k), `hint names ${k}: ${e.hint}`);
  });
}

test('parseAssignment keeps a multi-line argument on one line in its message', () => {
  const e = throwsZoneError(() => parseAssignment('host\nname'), 'usage');
  assertOneLine(e.message);
});

// --- unknown keys ------------------------------------------------------------

for (const key of ['zonename', 'ip_type', 'ZONEPATH', 'net', '', 'hostname ']) {
  test(`unknown key ${JSON.stringify(key)} is refused with the known keys in the hint`, () => {
    for (const e of [throwsZoneError(() => assertKnownKey(key, 'web'), 'invalid-config'), throwsZoneError(() => checkAssignment({ key, value: 'x' }, 'web'), 'invalid-config')]) {
      assert.match(e.message, /unknown config key/);
      assert.ok(e.message.includes(`"${key}"`), e.message);
      assert.is(e.zone, 'web');
      for (const k of KNOWN) assert.ok(e.hint?.includes(k), `hint names ${k}: ${e.hint}`);
    }
  });
}

test('assertKnownKey accepts every known key', () => {
  for (const k of KNOWN) assertKnownKey(k);
});

test('an unknown key with a newline is named on one line', () => {
  const e = throwsZoneError(() => assertKnownKey('a\nb'), 'invalid-config');
  assertOneLine(e.message);
});

// --- values ------------------------------------------------------------------

/** [key, value, normalized] accepted. */
const GOOD: Array<[string, string, string]> = [
  ['ip-type', 'shared', 'shared'],
  ['ip-type', 'exclusive', 'exclusive'],
  ['autoboot', 'true', 'true'],
  ['autoboot', 'false', 'false'],
  ['runtime', 'runc', 'runc'],
  ['runtime', 'crun', 'crun'],
  ['hostname', 'web', 'web'],
  ['hostname', 'web-01', 'web-01'],
  ['hostname', 'web01.example.com', 'web01.example.com'],
  ['hostname', '1', '1'],
  ['hostname', 'a'.repeat(63), 'a'.repeat(63)],
  ['zonepath', '/zones/web', '/zones/web'],
  ['zonepath', '/zones/web/', '/zones/web'],
  ['zonepath', '/zones/web///', '/zones/web'],
  ['zonepath', '/var/lib/zones/a..b', '/var/lib/zones/a..b'],
];

for (const [key, value, normalized] of GOOD) {
  test(`${key}=${JSON.stringify(value)} is accepted as ${JSON.stringify(normalized)}`, () => {
    assert.is(checkAssignment({ key, value }), normalized);
  });
}

/** [key, value, reason pattern] refused. */
const BAD: Array<[string, string, RegExp]> = [
  ['ip-type', 'excl', /shared, exclusive/],
  ['ip-type', 'Shared', /shared, exclusive/],
  ['ip-type', '', /shared, exclusive/],
  ['autoboot', 'yes', /true, false/],
  ['autoboot', 'TRUE', /true, false/],
  ['autoboot', '1', /true, false/],
  ['runtime', 'docker', /runc, crun/],
  ['runtime', 'runc ', /runc, crun/],
  ['hostname', '', /host name/],
  ['hostname', '-web', /host name/],
  ['hostname', 'web-', /host name/],
  ['hostname', 'web_01', /host name/],
  ['hostname', 'web..example', /host name/],
  ['hostname', 'web.', /host name/],
  ['hostname', 'a'.repeat(64), /host name/],
  ['hostname', `${'a'.repeat(63)}.`.repeat(4) + 'a', /host name/], // 257 characters
  ['hostname', 'web 01', /host name/],
  ['hostname', 'web\n01', /host name/],
  ['zonepath', 'zones/web', /absolute/],
  ['zonepath', './zones/web', /absolute/],
  ['zonepath', '', /absolute/],
  ['zonepath', '/', /not be \/ or contain \.\./],
  ['zonepath', '/zones/../etc', /not be \/ or contain \.\./],
  ['zonepath', '/zones/web/..', /not be \/ or contain \.\./],
  ['zonepath', '/..', /not be \/ or contain \.\./],
];

for (const [key, value, why] of BAD) {
  test(`${key}=${JSON.stringify(value)} is refused`, () => {
    const e = throwsZoneError(() => checkAssignment({ key, value }, 'web'), 'invalid-config');
    assert.match(e.message, why);
    assert.match(e.message, new RegExp(`for ${key}:`));
    assert.is(e.zone, 'web');
    assertOneLine(e.message);
  });
}

test('a long host name made of valid labels is accepted up to 253 characters', () => {
  const name = [`${'a'.repeat(63)}`, 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
  assert.is(name.length, 253);
  assert.is(checkAssignment({ key: 'hostname', value: name }), name);
  throwsZoneError(() => checkAssignment({ key: 'hostname', value: `${name}d` }), 'invalid-config');
});

test('zonepath "//" is refused like "/"', () => {
  for (const value of ['//', '///']) {
    throwsZoneError(() => checkAssignment({ key: 'zonepath', value }), 'invalid-config');
  }
});

test('only zonepath is fixed once the zone is installed', () => {
  assert.ok(isConfiguredOnly('zonepath'));
  for (const k of ['autoboot', 'hostname', 'ip-type', 'runtime', 'no-such-key']) assert.not.ok(isConfiguredOnly(k), k);
});

// --- configValue -------------------------------------------------------------

test('configValue falls back to the documented defaults', () => {
  assert.is(configValue({}, 'ip-type'), 'exclusive');
  assert.is(configValue({}, 'autoboot'), 'false');
  assert.is(configValue({}, 'runtime'), 'runc');
  assert.is(configValue({}, 'hostname'), undefined);
  assert.is(configValue({}, 'zonepath'), undefined);
});

test('configValue prefers what the zone sets', () => {
  const config = { 'ip-type': 'shared', autoboot: 'true', runtime: 'crun', hostname: 'web' };
  assert.is(configValue(config, 'ip-type'), 'shared');
  assert.is(configValue(config, 'autoboot'), 'true');
  assert.is(configValue(config, 'runtime'), 'crun');
  assert.is(configValue(config, 'hostname'), 'web');
});

test.run();
