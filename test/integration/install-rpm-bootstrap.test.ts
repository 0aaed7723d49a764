// The rpm-bootstrap method end to end: a small RPM distribution built here with
// rpmbuild (a shell, the host's own rpm program with its libraries, and an app with a
// %post scriptlet), laid out as vault.centos.org lays out a release and served from
// loopback. zonectl resolves, fetches, verifies and unpacks it with no rpm of its
// own, then the guest's rpm registers the packages and runs their scriptlets.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { cleanup, json, makeRoot, ok, requireRootAndRunc, zonectlAsync } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

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

function build(top: string, name: string, text: string): void {
  const file = join(top, `${name}.spec`);
  writeFileSync(file, text);
  run('rpmbuild', ['-bb', '--quiet', '--target', 'x86_64', '--define', `_topdir ${top}`, '--define', '_build_id_links none', file]);
}

t.before(async () => {
  requireRootAndRunc();
  root = makeRoot();
  const top = join(root, 'rpmbuild');
  mkdirSync(top);
  const busybox = '/usr/bin/busybox';
  const applets = ['sh', 'rm', 'mkdir', 'cat', 'ls', 'sleep', 'echo', 'id'];
  build(top, 'zt-base', spec('zt-base', [
    'Provides: /bin/sh',
    '%description', 'a shell', '%install',
    'mkdir -p %{buildroot}/bin %{buildroot}/etc %{buildroot}/tmp %{buildroot}/root %{buildroot}/var/tmp',
    `cp ${busybox} %{buildroot}/bin/busybox`,
    ...applets.map((a) => `ln -s busybox %{buildroot}/bin/${a}`),
    "printf 'root:x:0:0:root:/root:/bin/sh\\n' > %{buildroot}/etc/passwd",
    "printf 'root:x:0:\\n' > %{buildroot}/etc/group",
    // A stale Berkeley DB environment file, as old rpms leave them.
    'mkdir -p %{buildroot}/var/lib/rpm && touch %{buildroot}/var/lib/rpm/__db.001',
    '%files', '/bin', '/etc/passwd', '/etc/group', '%dir /tmp', '%dir /root', '%dir /var/tmp', '/var/lib/rpm/__db.001',
  ].join('\n')));
  const files = rpmFiles();
  build(top, 'zt-rpm', spec('zt-rpm', [
    'Requires: zt-base', '%description', 'the package manager', '%install',
    ...files.map((f) => `mkdir -p %{buildroot}$(dirname ${f}) && cp -L ${f} %{buildroot}${f}`),
    'mkdir -p %{buildroot}/usr/lib && cp -a /usr/lib/rpm %{buildroot}/usr/lib/rpm',
    '%files', ...files, '/usr/lib/rpm',
  ].join('\n')));
  build(top, 'zt-app', spec('zt-app', [
    'Requires: /bin/sh, zt-rpm >= 1.0',
    '%description', 'an app whose %post must run in the zone', '%install',
    'mkdir -p %{buildroot}/opt/app && echo app > %{buildroot}/opt/app/VERSION',
    '%post', 'echo "post ran as $(id -u)" > /opt/app/post-ran',
    '%files', '/opt/app/VERSION',
  ].join('\n')));
  // vault.centos.org's layout: RELEASE/os/ARCH/{Packages,repodata}
  const repo = join(root, 'vault', '7.9.2009', 'os', 'x86_64');
  mkdirSync(join(repo, 'Packages'), { recursive: true });
  run('sh', ['-c', `cp ${top}/RPMS/*/*.rpm ${repo}/Packages/`]);
  run('createrepo_c', ['--quiet', repo]);
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
  base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}/`;
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
      "  command: [/bin/sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]",
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

t.run();
