// A real Debian bookworm i386 zone from the debian-bookworm recipe, built by the
// host's debootstrap from a Debian mirror, booted under the lx brand with
// kernel-version 2.6 to its default runlevel and shut down. The mirror is
// reached through --mirror: a dead one first (skipped), then a loopback proxy this
// test runs in front of the configured mirror (used).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { spawnSync } from 'node:child_process';
import { createServer, get, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { cleanup, json, makeRoot, ok, processGone, requireRootAndRunc, zonectl, zonectlAsync } from './helpers.js';
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
  const port = ((proxy as Server).address() as AddressInfo).port;
  const r = await zonectlAsync(root, [
    'install',
    '--brand',
    'lx',
    'debian-bookworm',
    '--arch',
    'i386',
    '--name',
    'deb',
    '--mirror',
    'http://127.0.0.1:9/debian',
    '--mirror',
    `http://127.0.0.1:${port}/debian`,
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(proxied > 20, `the --mirror proxy served ${proxied} requests`);
  assert.match(r.stderr, /Base system installed successfully/);
  const v = json<ZoneView>(root, ['info', 'deb']);
  assert.equal([v.state, v.userland?.recipe, v.userland?.arch], ['installed', 'debian-bookworm', 'ia32']);
});

/** Without the uname supervisor (as on a host with no C compiler): the UNAME26 fallback. */
const NO_SHIM = { ZONECTL_UNAME_SHIM: '/nonexistent/zonectl-uname-shim' };

async function waitForRunlevel(): Promise<string> {
  // "unknown" (exit 1) until init has written the runlevel record to utmp.
  let level = '';
  for (let i = 0; i < 100 && !/^N 2$/.test(level); i++) {
    level = zonectl(root, ['exec', 'deb', '--', 'runlevel']).stdout.trim();
    if (!/^N 2$/.test(level)) await sleep(200);
  }
  return level;
}

t('lx with kernel-version 2.6, without the uname supervisor: SysV init reaches its runlevel on a UNAME26 2.6 kernel', async () => {
  ok(root, ['configure', 'deb', '--set', 'kernel-version=2.6']);
  const show = zonectl(root, ['brands', 'show', 'lx', '--zone', 'deb'], { env: NO_SHIM }).stdout;
  assert.match(show, /UNAME26 makes it 2\.6\.\(host minor \+ 60\), not the exact string; no exact uname here: zonectl-uname-shim is not built/);
  const boot = zonectl(root, ['boot', 'deb'], { env: NO_SHIM });
  assert.is(boot.code, 0, boot.stderr);
  assert.is(await waitForRunlevel(), 'N 2', 'init did not reach runlevel 2');
  assert.match(ok(root, ['exec', 'deb', '--', 'uname', '-r']).stdout, /^2\.6\.\d+/);
  assert.is(ok(root, ['exec', 'deb', '--', 'uname', '-m']).stdout, 'i686\n');
  assert.is(ok(root, ['exec', 'deb', '--', 'cat', '/proc/1/personality']).stdout.trim(), '00020008');
  // The Debian fixups ran: procps's sysctl step (a read-only /proc/sys here) no longer
  // starts though the service is installed, /dev/shm is in fstab, /dev/initctl is a FIFO.
  ok(root, ['exec', 'deb', '--', 'test', '-x', '/etc/init.d/procps', '-a', '-p', '/dev/initctl', '-a', '-L', '/etc/mtab']);
  assert.not.match(ok(root, ['exec', 'deb', '--', 'ls', '/etc/rcS.d']).stdout, /procps/);
  assert.match(ok(root, ['exec', 'deb', '--', 'cat', '/etc/fstab']).stdout, /^tmpfs \/dev\/shm tmpfs/m);
});

t('a 32-bit program probing removed syscalls gets ENOSYS and its personality, not a kill', () => {
  const probe = join(root, 'zones', 'deb', 'root', 'usr', 'local', 'bin', 'abi-probe');
  const cc = spawnSync('gcc', ['-m32', '-static', '-O2', '-o', probe, join(import.meta.dirname, '..', 'fixtures', 'abi-probe.c')], { encoding: 'utf8' });
  assert.is(cc.status, 0, `gcc -m32 -static failed (is gcc-multilib installed?): ${cc.stderr}`);
  const out = ok(root, ['exec', 'deb', '--', '/usr/local/bin/abi-probe']).stdout;
  assert.match(out, /^sysctl: -1 errno 38 /m);
  assert.match(out, /^personality: 0x20008$/m);
  // A syscall the lx policy denies answers ENOSYS too (native answers EPERM).
  const denied = ok(root, ['exec', 'deb', '--', 'sh', '-c', 'swapoff /dev/null 2>&1; true']).stdout;
  assert.match(denied, /not implemented/i);
  ok(root, ['halt', 'deb']);
});

t('with the uname supervisor, kernel-version 2.4.21 is exactly what uname and /proc say', async () => {
  ok(root, ['configure', 'deb', '--set', 'kernel-version=2.4.21']);
  ok(root, ['boot', 'deb']);
  assert.is(await waitForRunlevel(), 'N 2', 'init did not reach runlevel 2');
  const x = (...argv: string[]): string => ok(root, ['exec', 'deb', '--', ...argv]).stdout;
  assert.is(x('uname', '-r'), '2.4.21\n');
  assert.is(x('uname', '-m'), 'i686\n');
  assert.is(x('uname', '-n'), 'deb\n');
  assert.match(x('uname', '-v'), /^#1 SMP .* 2004\n$/);
  assert.is(x('cat', '/proc/sys/kernel/osrelease'), '2.4.21\n');
  assert.match(x('cat', '/proc/version'), /^Linux version 2\.4\.21 /);
  assert.is(x('cat', '/proc/sys/kernel/version'), x('uname', '-v'));
  // No UNAME26 now: LINUX32 only.
  assert.is(x('cat', '/proc/1/personality').trim(), '00000008');
  // Both syscalls a 32-bit program may use, answered from the zone's own UTS namespace.
  const probe = x('/usr/local/bin/abi-probe', 'uname');
  assert.match(probe, /^uname: 0 Linux deb 2\.4\.21 i686$/m);
  assert.match(probe, /^olduname: 0 Linux deb 2\.4\.21 i686$/m);
  // Under load: 4 processes, 10,000 calls each, every one answered.
  const load = x('sh', '-c', 'for i in 1 2 3 4; do /usr/local/bin/abi-probe uname-loop 10000 & done; wait');
  const lines = load.trim().split('\n');
  assert.is(lines.length, 4, load);
  for (const l of lines) assert.match(l, /^ok 10000 failed 0 /);
  // info names the supervisor and its memory.
  const v = json<ZoneView>(root, ['info', 'deb']);
  assert.is(v.helpers?.[0]?.name, 'zonectl-uname-shim');
  assert.ok((v.helpers?.[0]?.rssKb ?? 0) > 0);
});

t('it is a Debian 12 i386 userland, and shuts down on SIGPWR; the supervisor goes with it', () => {
  assert.is(ok(root, ['exec', 'deb', '--', 'cat', '/proc/1/comm']).stdout, 'init\n');
  assert.is(ok(root, ['exec', 'deb', '--', 'dpkg', '--print-architecture']).stdout, 'i386\n');
  assert.match(ok(root, ['exec', 'deb', '--', 'cat', '/etc/debian_version']).stdout, /^12\./);
  // e_machine of its binaries is EM_386 (3).
  assert.is(ok(root, ['exec', 'deb', '--', 'od', '-An', '-tx1', '-j18', '-N2', '/bin/true']).stdout.trim(), '03 00');
  const pid = json<ZoneView>(root, ['info', 'deb']).helpers?.[0]?.pid ?? 0;
  const r = json<{ state: string; shutdown: { clean: boolean; signal: string } }>(root, ['shutdown', 'deb', '--timeout', '30']);
  assert.equal([r.state, r.shutdown.signal, r.shutdown.clean], ['installed', 'SIGPWR', true]);
  assert.ok(pid > 0 && processGone(pid), 'the uname supervisor outlived its zone');
});

t.run();
