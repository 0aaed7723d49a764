// The stored state against what the runtime reports: the store is the intent, the
// runtime the truth (a zone whose init died is installed, not running).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RuntimeState } from '../../src/backends/linux/types.js';
import { mayHaveRuntime, reconcile as reconcileObserved } from '../../src/core/reconcile.js';
import { observedOf } from '../../src/hosts/linux/host.js';

/** The Linux host's reading of a runtime state, then the one reconcile every host uses. */
const reconcile = (stored: ZoneState, rt: RuntimeState): ZoneState => reconcileObserved(stored, observedOf(stored, rt));
import { ZONE_STATES, type ZoneState } from '../../src/core/zone.js';

const RUNTIME: RuntimeState[] = ['absent', 'created', 'running', 'stopped', 'paused'];

// What `list` must show, written out for every pair.
const EXPECTED: Record<ZoneState, Record<RuntimeState, ZoneState>> = {
  // Nothing runs before install finishes: the runtime is not asked, the store stands.
  configured: { absent: 'configured', created: 'configured', running: 'configured', stopped: 'configured', paused: 'configured' },
  incomplete: { absent: 'incomplete', created: 'incomplete', running: 'incomplete', stopped: 'incomplete', paused: 'incomplete' },
  installed: { absent: 'installed', created: 'installed', running: 'installed', stopped: 'installed', paused: 'installed' },
  // ready/running: whatever the runtime has.
  ready: { absent: 'installed', created: 'ready', running: 'running', stopped: 'installed', paused: 'running' },
  running: { absent: 'installed', created: 'ready', running: 'running', stopped: 'installed', paused: 'running' },
  // On the way down: still shown as such while anything is left, installed once it is gone.
  shutting_down: {
    absent: 'installed',
    created: 'shutting_down',
    running: 'shutting_down',
    stopped: 'installed',
    paused: 'shutting_down',
  },
  down: { absent: 'installed', created: 'down', running: 'down', stopped: 'installed', paused: 'down' },
};

for (const stored of ZONE_STATES) {
  for (const rt of RUNTIME) {
    test(`stored ${stored} + runtime ${rt} -> ${EXPECTED[stored][rt]}`, () => {
      assert.is(reconcile(stored, rt), EXPECTED[stored][rt]);
    });
  }
}

test('a zone whose init died is installed, not running', () => {
  assert.is(reconcile('running', 'stopped'), 'installed');
  assert.is(reconcile('running', 'absent'), 'installed');
});

test('a crash between starting the runtime and recording it shows running', () => {
  assert.is(reconcile('ready', 'running'), 'running');
});

test('mayHaveRuntime: only from ready on', () => {
  const expected: Record<ZoneState, boolean> = {
    configured: false,
    incomplete: false,
    installed: false,
    ready: true,
    running: true,
    shutting_down: true,
    down: true,
  };
  for (const s of ZONE_STATES) assert.is(mayHaveRuntime(s), expected[s], s);
});

test('a state that may not have a runtime is never changed by reconcile', () => {
  for (const s of ZONE_STATES) {
    if (mayHaveRuntime(s)) continue;
    for (const rt of RUNTIME) assert.is(reconcile(s, rt), s, `${s} + ${rt}`);
  }
});

test('reconcile always returns a known state', () => {
  for (const s of ZONE_STATES) for (const rt of RUNTIME) assert.ok(ZONE_STATES.includes(reconcile(s, rt)));
});

test.run();
