// The state on disk is reconciled with the runtime: a zone whose init died is shown
// as installed, not running, and boots again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { cleanup, json, makeRoot, ok, processGone, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('reconcile with the runtime');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'rz']);
});
t.after(() => cleanup(root));

t('a zone whose init was killed from the host is installed, not running', () => {
  ok(root, ['boot', 'rz']);
  const pid = Number(readFileSync(`${root}/zones/rz/bundle/init.pid`, 'utf8'));
  process.kill(pid, 'SIGKILL');
  assert.ok(processGone(pid));
  const dead = zonectl(root, ['exec', 'rz', '--', 'true']);
  assert.is(dead.code, 1);
  assert.match(dead.stderr, /zonectl: cannot exec zone "rz": its init has exited.*zonectl boot rz/);
  assert.equal(
    json<ZoneView[]>(root, ['list']).map((z) => z.state),
    ['installed'],
  );
  assert.equal(json<ZoneView>(root, ['info', 'rz']).state, 'installed');
  const exec = zonectl(root, ['exec', 'rz', '--', 'true']);
  assert.is.not(exec.code, 0);
});

t('it boots again', () => {
  ok(root, ['boot', 'rz']);
  assert.equal(ok(root, ['exec', 'rz', '--', 'cat', '/proc/1/comm']).stdout, 'init\n');
  ok(root, ['halt', 'rz']);
});

t('ready sets the zone up without starting init; boot then starts it', () => {
  ok(root, ['ready', 'rz']);
  assert.equal(json<ZoneView>(root, ['info', 'rz']).state, 'ready');
  assert.match(zonectl(root, ['exec', 'rz', '--', 'true']).stderr, /it is ready; exec needs a running zone/);
  ok(root, ['boot', 'rz']);
  assert.equal(json<ZoneView>(root, ['info', 'rz']).state, 'running');
  ok(root, ['halt', 'rz']);
});

t('boot replaces a leftover container the store does not know about', () => {
  ok(root, ['boot', 'rz']);
  const pid = Number(readFileSync(`${root}/zones/rz/bundle/init.pid`, 'utf8'));
  // As if zonectl had died between the runtime starting init and recording it.
  const statePath = `${root}/zones/rz/state.json`;
  const st = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
  writeFileSync(statePath, JSON.stringify({ ...st, state: 'installed' }));
  ok(root, ['boot', 'rz']);
  assert.ok(processGone(pid), 'the leftover init still runs');
  assert.equal(json<ZoneView>(root, ['info', 'rz']).state, 'running');
  ok(root, ['halt', 'rz']);
});

t.run();
