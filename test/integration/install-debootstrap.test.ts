// A real Debian bookworm i386 zone from the debian-bookworm recipe, built by the
// host's debootstrap from a Debian mirror, booted and shut down. The mirror is
// reached through --mirror: a dead one first (skipped), then a loopback proxy this
// test runs in front of the configured mirror (used).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanup, json, makeRoot, ok, requireRootAndRunc, zonectlAsync } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('install with debootstrap');
let root = '';
let proxy: Server | undefined;
let proxied = 0;
// The proxy is mounted at /debian like the mirror itself, so paths pass through as they are.
const UPSTREAM = 'http://deb.debian.org';

t.before(async () => {
  requireRootAndRunc();
  root = makeRoot();
  proxy = createServer((req, res) => {
    proxied++;
    get(`${UPSTREAM}${req.url ?? '/'}`, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    }).on('error', () => res.writeHead(502).end());
  });
  await new Promise<void>((r) => proxy?.listen(0, '127.0.0.1', () => r()));
});
t.after(() => {
  proxy?.close();
  cleanup(root);
});


t('debian-bookworm --arch i386 installs through the first mirror that answers', async () => {
  const port = (proxy?.address() as AddressInfo).port;
  const r = await zonectlAsync(root, [
    'install', '--brand', 'native', 'debian-bookworm', '--arch', 'i386', '--name', 'deb',
    '--mirror', 'http://127.0.0.1:9/debian', '--mirror', `http://127.0.0.1:${port}/debian`,
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(proxied > 20, `the --mirror proxy served ${proxied} requests`);
  assert.match(r.stderr, /Base system installed successfully/);
  const v = json<ZoneView>(root, ['info', 'deb']);
  assert.equal([v.state, v.userland?.recipe, v.userland?.arch], ['installed', 'debian-bookworm', 'ia32']);
});

t('it boots SysV init, is a Debian 12 i386 userland, and shuts down on SIGPWR', () => {
  ok(root, ['boot', 'deb']);
  assert.is(ok(root, ['exec', 'deb', '--', 'cat', '/proc/1/comm']).stdout, 'init\n');
  assert.is(ok(root, ['exec', 'deb', '--', 'dpkg', '--print-architecture']).stdout, 'i386\n');
  assert.match(ok(root, ['exec', 'deb', '--', 'cat', '/etc/debian_version']).stdout, /^12\./);
  assert.is(ok(root, ['exec', 'deb', '--', 'hostname']).stdout, 'deb\n');
  // A 32-bit userland runs under the LINUX32 personality, init and exec alike.
  assert.is(ok(root, ['exec', 'deb', '--', 'uname', '-m']).stdout, 'i686\n');
  assert.is(ok(root, ['exec', 'deb', '--', 'cat', '/proc/1/personality']).stdout.trim(), '00000008');
  // e_machine of its binaries is EM_386 (3).
  assert.is(ok(root, ['exec', 'deb', '--', 'od', '-An', '-tx1', '-j18', '-N2', '/bin/true']).stdout.trim(), '03 00');
  const r = json<{ state: string; shutdown: { clean: boolean; signal: string } }>(root, ['shutdown', 'deb', '--timeout', '30']);
  assert.equal([r.state, r.shutdown.signal, r.shutdown.clean], ['installed', 'SIGPWR', true]);
});

t.run();
