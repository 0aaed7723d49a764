// The lx brand's vsyscall gate: an x86_64 userland that calls the vsyscall page is
// refused on a host booted with vsyscall=none (simulated: the host probe reads a
// fixture laid out like /proc), with the boot parameter that fixes it; the same zone
// boots where the host emulates the page, and an i386 build is never refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanup, json, makeRoot, ok, oneLine, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('lx vsyscall gate');
let root = '';
const hosts: Record<string, string> = {};

/** A directory laid out like /proc for a host booted with `mode`. */
function fakeProc(mode: 'none' | 'emulate'): string {
  const dir = join(root, `proc-${mode}`);
  mkdirSync(join(dir, 'self'), { recursive: true });
  writeFileSync(join(dir, 'cmdline'), `BOOT_IMAGE=/vmlinuz root=/dev/vda ro vsyscall=${mode}\n`);
  const vsyscall = mode === 'emulate' ? 'ffffffffff600000-ffffffffff601000 r-xp 00000000 00:00 0                  [vsyscall]\n' : '';
  writeFileSync(join(dir, 'self', 'maps'), `55d0c0000000-55d0c0021000 r--p 00000000 fe:01 1234 /usr/bin/cat\n${vsyscall}`);
  return dir;
}

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  hosts.none = fakeProc('none');
  hosts.emulate = fakeProc('emulate');
  // A busybox userland packed as a tarball, served from a file:// mirror by a recipe
  // that says its glibc calls the vsyscall page (as CentOS 6's x86_64 build does).
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  const mirror = join(root, 'mirror');
  mkdirSync(mirror);
  const tar = spawnSync('tar', ['-C', join(root, 'zones', 'src', 'root'), '-czf', join(mirror, 'rootfs.tgz'), '.']);
  assert.is(tar.status, 0);
  writeFileSync(
    join(root, 'oldglibc.yaml'),
    [
      'name: oldglibc',
      'description: an x86_64 userland whose glibc predates 2.14',
      'brands: [lx]',
      'arches: [amd64]',
      'attributes: { vsyscall: required }',
      'method:',
      '  kind: tarball',
      `  mirrors: [${pathToFileURL(mirror).href}]`,
      '  files: { amd64: { path: rootfs.tgz } }',
      'init: { command: [/bin/busybox, init], halt-signal: SIGUSR2 }',
    ].join('\n'),
  );
  ok(root, ['install', '--brand', 'lx', join(root, 'oldglibc.yaml'), '--name', 'old']);
});
t.after(() => cleanup(root));

t('refused on a vsyscall=none host, naming vsyscall=emulate; nothing left running', () => {
  const r = zonectl(root, ['boot', 'old'], { env: { ...process.env, ZONECTL_HOST_PROC: hosts.none } });
  assert.is(r.code, 1, r.stderr);
  assert.ok(
    oneLine(
      r.stderr
        .split('\n')
        .filter((l) => l.startsWith('zonectl:'))
        .join('\n'),
    ),
    r.stderr,
  );
  assert.match(r.stderr, /zone "old" needs the vsyscall page, but this host runs with vsyscall=none/);
  assert.match(r.stderr, /vsyscall=emulate/);
  assert.is(json<ZoneView>(root, ['info', 'old']).state, 'installed');
  assert.match(ok(root, ['brands', 'show', 'lx', '--zone', 'old']).stdout, /^vsyscall: needed \(the userland says it calls the vsyscall page/m);
});

t('boots where the host emulates the page (a userland of no known distribution: a warning, no edits)', () => {
  const r = zonectl(root, ['boot', 'old'], { env: { ...process.env, ZONECTL_HOST_PROC: hosts.emulate } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^zonectl: warning: zone "old": no known distribution found \(looked for \/etc\/redhat-release, /m);
  assert.is(json<ZoneView>(root, ['info', 'old']).state, 'running');
  ok(root, ['halt', 'old']);
});

t('install on such a host says so at once, and installs', () => {
  const r = zonectl(root, ['install', '--brand', 'lx', join(root, 'oldglibc.yaml'), '--name', 'old2'], { env: { ...process.env, ZONECTL_HOST_PROC: hosts.none } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /old2: warning: this host runs with vsyscall=none and the zone needs the page .* vsyscall=emulate/);
  assert.is(json<ZoneView>(root, ['info', 'old2']).state, 'installed');
});

t('doctor reads the same host probe', () => {
  const r = zonectl(root, ['doctor', '--json'], { env: { ...process.env, ZONECTL_HOST_PROC: hosts.none } });
  const report = JSON.parse(r.stdout) as { vsyscall: string };
  assert.is(report.vsyscall, 'none');
});

t.run();
