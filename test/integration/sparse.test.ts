// A sparse zone: the host's /usr shared read-only, the zone's own writable /etc.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { cleanup, json, makeRoot, ok, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('sparse zone');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['create', 'sp', '--brand', 'sparse']);
  ok(root, ['install', 'sp']);
  ok(root, ['boot', 'sp']);
});
t.after(() => cleanup(root));

t('install needs no source: the skeleton and the host path links', () => {
  const v = json<ZoneView>(root, ['info', 'sp']);
  assert.equal([v.state, v.userland?.method], ['running', 'skeleton']);
});

t("the zone sees the host's /usr", () => {
  const inZone = ok(root, ['exec', 'sp', '--', 'ls', '/usr/bin']).stdout.trim().split('\n').sort();
  assert.equal(inZone, readdirSync('/usr/bin').sort());
});

t('/usr is read-only inside the zone', () => {
  const r = zonectl(root, ['exec', 'sp', '--', 'touch', '/usr/zonectl-was-here']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /Read-only file system/);
});

t("/etc, /var, /tmp, /root and /home are the zone's own and writable", () => {
  ok(root, ['exec', 'sp', '--', 'sh', '-c', 'for d in /etc /var /tmp /root /home; do echo x > $d/zonectl-test; done']);
  for (const d of ['etc', 'var', 'tmp', 'root', 'home']) {
    assert.ok(readdirSync(`${root}/zones/sp/root/${d}`).includes('zonectl-test'), `${d} not written in the zone root`);
  }
});

t('the zone runs busybox init as PID 1 and users from its own /etc/passwd', () => {
  assert.equal(ok(root, ['exec', 'sp', '--', 'cat', '/proc/1/cmdline']).stdout.split('\0').slice(0, 2), ['/bin/busybox', 'init']);
  assert.equal(ok(root, ['exec', 'sp', '--user', 'nobody', '--', 'id', '-u']).stdout.trim(), '65534');
});

t('ip-type=shared uses the host network stack', () => {
  const exclusive = ok(root, ['exec', 'sp', '--', 'cat', '/proc/net/dev']).stdout.trim().split('\n');
  ok(root, ['halt', 'sp']);
  ok(root, ['configure', 'sp', '--set', 'ip-type=shared']);
  ok(root, ['boot', 'sp']);
  const shared = ok(root, ['exec', 'sp', '--', 'cat', '/proc/net/dev']).stdout.trim().split('\n');
  const ifaces = (lines: string[]): string[] =>
    lines
      .slice(2)
      .map((l) => l.split(':')[0]?.trim() ?? '')
      .sort();
  assert.equal(ifaces(exclusive), ['lo']);
  assert.equal(ifaces(shared), ifaces(readFileSync('/proc/net/dev', 'utf8').trim().split('\n')));
});

t.run();
