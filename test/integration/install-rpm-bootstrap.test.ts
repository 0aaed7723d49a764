// The rpm-bootstrap method end to end: a small RPM distribution built here with
// rpmbuild (a shell, the host's own rpm program with its libraries, and an app with a
// %post scriptlet), laid out as vault.centos.org lays out a release and served from
// loopback. zonectl resolves, fetches, verifies and unpacks it with no rpm of its
// own, then the guest's rpm registers the packages and runs their scriptlets. Built
// twice: for x86_64 in a repodata repository (as CentOS 7), and for i386 in a yum 2.0
// headers/header.info repository (as CentOS 3), which also carries RHEL 3's inittab
// and rc.sysinit so that the lx brand's Red Hat fixups meet the files they were made for.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readRpm } from '../../src/install/rpm/package.js';
import { headerFileName } from '../../src/install/rpm/repo.js';
import { cleanup, json, makeRoot, ok, requireRootAndRunc, zonectl, zonectlAsync } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';
import { probeAbi } from '../../src/probes/abi.js';

const t = suite('install with rpm-bootstrap');
let root = '';
let server: Server | undefined;
let base = '';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The host's rpm and every library it loads, as paths to package. */
function rpmFiles(): string[] {
  const libs = run('ldd', ['/usr/bin/rpm'])
    .split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
  return ['/usr/bin/rpm', ...new Set(libs)];
}

function spec(name: string, body: string): string {
  return [`Name: ${name}`, 'Version: 1.0', 'Release: 1.el7', 'Summary: zonectl test', 'License: MIT', 'AutoReqProv: no', body].join('\n');
}

function build(top: string, name: string, text: string, target: string): void {
  const file = join(top, `${name}.spec`);
  writeFileSync(file, text);
  run('rpmbuild', ['-bb', '--quiet', '--target', target, '--define', `_topdir ${top}`, '--define', '_build_id_links none', file]);
}

// RHEL 3's files as initscripts 7.31 wrote them (abridged, structure kept).
const RHEL3_INITTAB = [
  'id:5:initdefault:',
  'si::sysinit:/etc/rc.d/rc.sysinit',
  'l3:3:wait:/etc/rc.d/rc 3',
  'ca::ctrlaltdel:/sbin/shutdown -t3 -r now',
  'pf::powerfail:/sbin/shutdown -f -h +2 "Power Failure; System Shutting Down"',
  '1:2345:respawn:/sbin/mingetty tty1',
  '2:2345:respawn:/sbin/mingetty tty2',
  'x:5:respawn:/etc/X11/prefdm -nodaemon',
  '',
].join('\n');
const RHEL3_SYSINIT = [
  '#!/bin/bash',
  'if [ -x /sbin/hwclock ]; then',
  '  /sbin/hwclock $CLOCKFLAGS',
  'fi',
  'if [ -z "$fastboot" ]; then',
  '        initlog -c "fsck -T -a $fsckoptions /"',
  'fi',
  '/sbin/modprobe usbcore >/dev/null 2>&1',
  '',
].join('\n');

/** The same three packages for one architecture. */
function buildSet(top: string, target: string): void {
  const busybox = '/usr/bin/busybox';
  const applets = ['sh', 'rm', 'mkdir', 'cat', 'ls', 'sleep', 'echo', 'id'];
  build(
    top,
    'zt-base',
    spec(
      'zt-base',
      [
        'Provides: /bin/sh',
        '%description',
        'a shell',
        '%install',
        'mkdir -p %{buildroot}/bin %{buildroot}/etc %{buildroot}/tmp %{buildroot}/root %{buildroot}/var/tmp',
        `cp ${busybox} %{buildroot}/bin/busybox`,
        ...applets.map((a) => `ln -s busybox %{buildroot}/bin/${a}`),
        "printf 'root:x:0:0:root:/root:/bin/sh\\n' > %{buildroot}/etc/passwd",
        "printf 'root:x:0:\\n' > %{buildroot}/etc/group",
        // A stale Berkeley DB environment file, as old rpms leave them.
        'mkdir -p %{buildroot}/var/lib/rpm && touch %{buildroot}/var/lib/rpm/__db.001',
        `mkdir -p %{buildroot}/etc/rc.d && echo 'CentOS release 3.9 (Final)' > %{buildroot}/etc/redhat-release`,
        `printf '%s' '${RHEL3_INITTAB}' > %{buildroot}/etc/inittab`,
        `printf '%s' '${RHEL3_SYSINIT}' > %{buildroot}/etc/rc.d/rc.sysinit`,
        '%files',
        '/bin',
        '/etc/passwd',
        '/etc/group',
        '/etc/redhat-release',
        '/etc/inittab',
        '/etc/rc.d/rc.sysinit',
        '%dir /tmp',
        '%dir /root',
        '%dir /var/tmp',
        '/var/lib/rpm/__db.001',
      ].join('\n'),
    ),
    target,
  );
  const files = rpmFiles();
  build(
    top,
    'zt-rpm',
    spec(
      'zt-rpm',
      [
        'Requires: zt-base',
        '%description',
        'the package manager',
        '%install',
        ...files.map((f) => `mkdir -p %{buildroot}$(dirname ${f}) && cp -L ${f} %{buildroot}${f}`),
        'mkdir -p %{buildroot}/usr/lib && cp -a /usr/lib/rpm %{buildroot}/usr/lib/rpm',
        '%files',
        ...files,
        '/usr/lib/rpm',
      ].join('\n'),
    ),
    target,
  );
  build(
    top,
    'zt-app',
    spec(
      'zt-app',
      [
        'Requires: /bin/sh, zt-rpm >= 1.0',
        '%description',
        'an app whose %post must run in the zone',
        '%install',
        'mkdir -p %{buildroot}/opt/app && echo app > %{buildroot}/opt/app/VERSION',
        '%post',
        'echo "post ran as $(id -u)" > /opt/app/post-ran',
        '%files',
        '/opt/app/VERSION',
      ].join('\n'),
    ),
    target,
  );
}

t.before(async () => {
  requireRootAndRunc();
  root = makeRoot();
  const top = join(root, 'rpmbuild');
  mkdirSync(top);
  buildSet(top, 'x86_64');
  buildSet(top, 'i386');
  // vault.centos.org's layout: RELEASE/os/ARCH/{Packages,repodata}
  const repo = join(root, 'vault', '7.9.2009', 'os', 'x86_64');
  mkdirSync(join(repo, 'Packages'), { recursive: true });
  run('sh', ['-c', `cp ${top}/RPMS/x86_64/*.rpm ${repo}/Packages/`]);
  run('createrepo_c', ['--quiet', repo]);
  // CentOS 3's layout: RELEASE/os/ARCH/RedHat/RPMS and headers/header.info (yum-arch).
  const c3 = join(root, 'vault', '3.9', 'os', 'i386');
  mkdirSync(join(c3, 'RedHat', 'RPMS'), { recursive: true });
  mkdirSync(join(c3, 'headers'));
  run('sh', ['-c', `cp ${top}/RPMS/i386/*.rpm ${c3}/RedHat/RPMS/`]);
  const info: string[] = [];
  for (const f of run('sh', ['-c', `ls ${c3}/RedHat/RPMS/*.rpm`])
    .trim()
    .split('\n')) {
    const pkg = await readRpm(f);
    const e = { name: pkg.name, epoch: '0', version: pkg.version, release: pkg.release, arch: pkg.arch, location: `RedHat/RPMS/${basename(f)}` };
    info.push(`0:${e.name}-${e.version}-${e.release}.${e.arch}=${e.location}`);
    writeFileSync(join(c3, 'headers', headerFileName(e)), gzipSync(pkg.headerBlob));
  }
  writeFileSync(join(c3, 'headers', 'header.info'), `${info.join('\n')}\n`);
  const vault = join(root, 'vault');
  server = createServer((req, res) => {
    const path = normalize(join(vault, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')));
    try {
      if (!path.startsWith(vault)) throw new Error('outside');
      res.end(readFileSync(path));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}/`;
});
t.after(() => {
  server?.close();
  cleanup(root);
});

t('resolves zt-app, unpacks three packages, and the guest rpm registers them and runs %post', async () => {
  const recipe = join(root, 'zt7.yaml');
  writeFileSync(
    recipe,
    [
      'name: zt7',
      'description: a three-package RPM distribution laid out as vault.centos.org',
      'brands: [native]',
      'arches: [amd64]',
      'method:',
      '  kind: rpm-bootstrap',
      '  mirrors: [http://127.0.0.1:9/dead/]',
      '  repos: { amd64: [7.9.2009/os/x86_64/] }',
      '  packages: [zt-app]',
      'init:',
      '  command: [/bin/sh, -c, "trap \'exit 0\' TERM; while :; do sleep 1; done"]',
      '  halt-signal: SIGTERM',
    ].join('\n'),
  );
  const r = await zonectlAsync(root, ['install', '--brand', 'native', recipe, '--name', 'c7', '--mirror', base]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /3 packages to install/);
  assert.is(json<ZoneView>(root, ['info', 'c7']).state, 'installed');
  const zr = `${root}/zones/c7/root`;
  assert.is(readFileSync(`${zr}/opt/app/post-ran`, 'utf8'), 'post ran as 0\n', '%post did not run in the zone');
  assert.not.ok(existsSync(`${zr}/var/lib/rpm/__db.001`), 'a stale Berkeley DB environment file was left');
  ok(root, ['boot', 'c7']);
  const qa = ok(root, ['exec', 'c7', '--', 'rpm', '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n']).stdout.trim().split('\n').sort();
  assert.equal(qa, ['zt-app-1.0-1.el7.x86_64', 'zt-base-1.0-1.el7.x86_64', 'zt-rpm-1.0-1.el7.x86_64']);
  assert.is(ok(root, ['exec', 'c7', '--', 'ls', '/var/tmp']).stdout, '', 'the staged packages were left in the zone');
  ok(root, ['halt', 'c7']);
});

const LOOP_INIT = ['init:', '  command: [/bin/sh, -c, "trap \'exit 0\' TERM; while :; do sleep 1; done"]', '  halt-signal: SIGTERM'];

t('an i386 release from a header.info repository installs into an lx zone, as CentOS 3 does', async () => {
  const recipe = join(root, 'zt3.yaml');
  writeFileSync(
    recipe,
    [
      'name: zt3',
      'description: the same distribution for i386, laid out as CentOS 3 on vault.centos.org',
      'brands: [lx]',
      'arches: [i386]',
      'attributes:',
      '  kernel-version: "2.4"',
      'method:',
      '  kind: rpm-bootstrap',
      '  mirrors: [http://127.0.0.1:9/dead/]',
      '  repos: { i386: [3.9/os/i386/] }',
      '  packages: [zt-app]',
      ...LOOP_INIT,
    ].join('\n'),
  );
  const r = await zonectlAsync(root, ['install', '--brand', 'lx', recipe, '--name', 'c3', '--mirror', base]);
  assert.is(r.code, 0, r.stderr);
  const v = json<ZoneView>(root, ['info', 'c3']);
  assert.equal([v.state, v.userland?.arch, v.userland?.attributes?.['kernel-version']], ['installed', 'ia32', '2.4']);
  assert.is(readFileSync(`${root}/zones/c3/root/opt/app/post-ran`, 'utf8'), 'post ran as 0\n');
});

t('lx boots it with the Red Hat fixups applied once, however often it reboots', () => {
  const zr = `${root}/zones/c3/root`;
  const files = (): string => ['etc/inittab', 'etc/rc.d/rc.sysinit', 'etc/hostname'].map((f) => readFileSync(join(zr, f), 'utf8')).join('\n---\n');
  ok(root, ['boot', 'c3']);
  const inittab = readFileSync(join(zr, 'etc/inittab'), 'utf8');
  assert.match(inittab, /^id:3:initdefault:$/m);
  assert.match(inittab, /^# zonectl-lx: 1:2345:respawn:\/sbin\/mingetty tty1$/m);
  assert.match(readFileSync(join(zr, 'etc/rc.d/rc.sysinit'), 'utf8'), /^: # zonectl-lx: \/sbin\/hwclock \$CLOCKFLAGS$/m);
  assert.is(spawnSync('bash', ['-n', join(zr, 'etc/rc.d/rc.sysinit')]).status, 0, 'rc.sysinit is no longer valid shell');
  // What the userland sees: an i686 machine and the 2.4.21 kernel its recipe names.
  assert.is(ok(root, ['exec', 'c3', '--', 'busybox', 'uname', '-m']).stdout, 'i686\n');
  assert.is(ok(root, ['exec', 'c3', '--', 'busybox', 'uname', '-r']).stdout, '2.4.21\n');
  assert.is(ok(root, ['exec', 'c3', '--', 'cat', '/proc/1/personality']).stdout.trim(), '00000008');
  assert.equal(ok(root, ['exec', 'c3', '--', 'rpm', '-qa', '--qf', '%{NAME}.%{ARCH}\\n']).stdout.trim().split('\n').sort(), ['zt-app.i386', 'zt-base.i386', 'zt-rpm.i386']);
  const show = ok(root, ['brands', 'show', 'lx', '--zone', 'c3']).stdout;
  assert.match(show, /^fixups for zone c3: redhat$/m);
  assert.match(show, /^uname: -r 2\.4\.21, -m i686 \(kernel-version 2\.4\.21, exact: uname answered by the zone's uname supervisor/m);
  const once = files();
  for (let i = 0; i < 3; i++) ok(root, ['reboot', 'c3']);
  assert.is(files(), once, 'a reboot changed the fixed-up files again');
  assert.is(readFileSync(join(zr, 'etc/inittab'), 'utf8').split('zonectl-lx').length - 1, 3, 'fixup markers multiplied');
  ok(root, ['halt', 'c3']);
});

t('with emulation=native, a 32-bit zone boots where this host runs 32-bit programs and is refused, naming ia32_emulation, where it cannot', () => {
  // The host's answer is found by executing a 32-bit program, as zonectl itself does.
  const probe = probeAbi('i386');
  process.stderr.write(`  (this host ${probe.mode === 'native' ? 'runs' : 'cannot run'} 32-bit x86 programs itself: ${probe.detail})\n`);
  ok(root, ['configure', 'c3', '--set', 'emulation=native']);
  try {
    const r = zonectl(root, ['boot', 'c3']);
    if (probe.mode === 'native') {
      assert.is(r.code, 0, r.stderr);
      assert.equal(json<ZoneView>(root, ['info', 'c3']).emulation, { mode: 'native' });
      ok(root, ['halt', 'c3']);
    } else {
      assert.is(r.code, 1, r.stdout);
      assert.match(r.stderr, /zone "c3" is an i386 userland and emulation=native, but this host (cannot run them|runs them only through)/);
      assert.match(r.stderr, /ia32_emulation=1/);
      assert.is(json<ZoneView>(root, ['info', 'c3']).state, 'installed');
    }
  } finally {
    ok(root, ['configure', 'c3', '--unset', 'emulation']);
  }
});

t.run();
