// Which verb is accepted in which state, after illumos zoneadm's sanity_check(), and
// the one-line refusal when it is not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accepts, assertState, isRunningLike, type Verb } from '../../src/core/states.js';
import { ZONE_STATES, type ZoneState } from '../../src/core/zone.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

// Written from illumos semantics, not copied from the rules in src/core/states.ts.
const EXPECTED: Record<Verb, readonly ZoneState[]> = {
  install: ['configured', 'incomplete'],
  uninstall: ['installed', 'incomplete'],
  boot: ['installed', 'ready'],
  ready: ['installed'],
  halt: ['ready', 'running', 'shutting_down', 'down'],
  shutdown: ['running'],
  reboot: ['running'],
  exec: ['running'],
  login: ['running'],
  delete: ['configured'],
  configure: ['configured', 'installed', 'ready', 'running'],
  // zoneadm clone needs the source installed and not running; snapshots and
  // rollbacks (zfs on illumos) are made of a halted zone here.
  clone: ['installed'],
  snapshot: ['installed'],
  rollback: ['installed'],
};

const VERBS = Object.keys(EXPECTED) as Verb[];

test("the states are illumos's, in life-cycle order", () => {
  assert.equal([...ZONE_STATES], ['configured', 'incomplete', 'installed', 'ready', 'running', 'shutting_down', 'down']);
});

for (const verb of VERBS) {
  for (const state of ZONE_STATES) {
    const ok = EXPECTED[verb].includes(state);
    test(`${verb} from ${state}: ${ok ? 'accepted' : 'refused'}`, () => {
      assert.is(accepts(verb, state), ok);
      if (ok) {
        assertState('web', verb, state);
        return;
      }
      const e = throwsZoneError(() => assertState('web-01', verb, state), 'wrong-state');
      assert.ok(e.message.includes('"web-01"'), `names the zone: ${e.message}`);
      assert.ok(e.message.includes(`it is ${state}`), `names the current state: ${e.message}`);
      assert.ok(e.message.includes(verb), `names the verb: ${e.message}`);
      assertOneLine(e.message);
      assert.is(e.zone, 'web-01');
      if (e.hint !== undefined) {
        assertOneLine(e.hint, 'hint');
        assert.not.ok(e.hint.includes('%z'), `hint has its zone name filled in: ${e.hint}`);
        assert.ok(e.hint.includes('web-01'), `hint names the zone: ${e.hint}`);
      }
    });
  }
}

test('the hints name the command that gets the zone going', () => {
  const hint = (verb: Verb, state: ZoneState): string | undefined => {
    try {
      assertState('z1', verb, state);
    } catch (e) {
      return (e as { hint?: string }).hint;
    }
    return 'accepted';
  };
  assert.match(hint('boot', 'configured') ?? '', /zonectl install z1/);
  assert.match(hint('exec', 'installed') ?? '', /zonectl boot z1/);
  assert.match(hint('login', 'ready') ?? '', /zonectl boot z1/);
  assert.match(hint('install', 'installed') ?? '', /zonectl uninstall -F z1/);
  assert.match(hint('uninstall', 'running') ?? '', /zonectl halt z1/);
  assert.match(hint('delete', 'installed') ?? '', /zonectl uninstall -F z1/);
});

test('isRunningLike is the set halt accepts', () => {
  for (const s of ZONE_STATES) assert.is(isRunningLike(s), EXPECTED.halt.includes(s), s);
});

test.run();
