// doctor on illumos and Solaris hosts: one fixed sh script, its tagged lines read into
// checks. The transcripts are what the script prints (its own format) on three hosts:
// an OmniOS host with everything, a bare OmniOS session, a Solaris 10 SPARC host; each
// check is asserted whole. The script itself is run under this machine's sh with fake
// tools, to show it is valid plain sh and prints what the parser reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IllumosBackend } from '../../src/backends/illumos/backend.js';
import { DOCTOR_SCRIPT, doctorChecks, illumosDoctor, parseDoctorProbe } from '../../src/hosts/illumos/doctor.js';
import type { Executor } from '../../src/transport/executor.js';
import type { HostOs } from '../../src/transport/host-os.js';
import type { DoctorCheck } from '../../src/probes/check.js';
import type { Brand } from '../../src/brands/brand.js';
import { ScriptedExecutor } from '../scripted-executor.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const OMNIOS: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'omnios' };
const S10_SPARC: HostOs = { kind: 'solaris', release: '5.10', machine: 'sun4v', distro: 'solaris10' };
const ROOT = '/var/lib/zonectl';

const tools = (found: Record<string, string>): string[] =>
  ['zoneadm', 'zonecfg', 'zlogin', 'dladm', 'zfs', 'zpool', 'svcs', 'curl', 'wget', 'pkg'].map((t) => `tool ${t} ${found[t] ?? '-'}`);

const OMNIOS_FULL = [
  ...tools({
    zoneadm: '/usr/sbin/zoneadm',
    zonecfg: '/usr/sbin/zonecfg',
    zlogin: '/usr/sbin/zlogin',
    dladm: '/usr/sbin/dladm',
    zfs: '/usr/sbin/zfs',
    zpool: '/usr/sbin/zpool',
    svcs: '/usr/bin/svcs',
    curl: '/usr/bin/curl',
    wget: '/usr/bin/wget',
    pkg: '/usr/bin/pkg',
  }),
  'zonename global',
  'id uid=0(root) gid=0(root)',
  'privE all',
  ...['bhyve', 'ipkg', 'lipkg', 'lx', 'solaris10', 'sparse'].map((b) => `brand /usr/lib/brand/${b}/config.xml`),
  'link igb0',
  'link igb1',
  'pool rpool',
  'pool data',
  'zones-dataset data/zones\t/zones',
  'zones-svc online',
  `root writable ${ROOT}`,
  '',
].join('\n');

const OMNIOS_BARE = [
  ...tools({ svcs: '/usr/bin/svcs', pkg: '/usr/bin/pkg' }),
  'zonename global',
  'id uid=1001(ops) gid=10(staff)',
  'privE basic',
  'brand /usr/lib/brand/ipkg/config.xml',
  'brand /usr/lib/brand/lipkg/config.xml',
  'zones-svc disabled',
  'root readonly /var/lib',
  '',
].join('\n');

const S10 = [
  ...tools({
    zoneadm: '/usr/sbin/zoneadm',
    zonecfg: '/usr/sbin/zonecfg',
    zlogin: '/usr/sbin/zlogin',
    dladm: '/usr/sbin/dladm',
    zfs: '/usr/sbin/zfs',
    zpool: '/usr/sbin/zpool',
    svcs: '/usr/bin/svcs',
  }),
  'sfw-wget /usr/sfw/bin/wget',
  'zonename global',
  'id uid=0(root) gid=0(root)',
  'privE all',
  'brand /usr/lib/brand/native/config.xml',
  'brand /usr/lib/brand/sn1/config.xml',
  'brand /usr/lib/brand/solaris8/config.xml',
  'pool rpool',
  'zones-svc online',
  'root writable /var/lib',
  '',
].join('\n');

/** The native brand as its file maps it (only hosts matter to doctor). */
function nativeBrand(): Brand {
  return {
    name: 'native',
    description: 'native',
    file: '/brands/native.yaml',
    hosts: { illumos: { 'zone-brand': 'native', install: 'packages' }, solaris: { 'zone-brand': 'native', install: 'packages' } },
  };
}

async function doctor(host: HostOs, stdout: string): Promise<DoctorCheck[]> {
  const ex = new ScriptedExecutor([{ argv: ['sh', '-c', DOCTOR_SCRIPT, 'sh', ROOT], stdout }]);
  const checks = await doctorOf(new IllumosBackend(ex, host));
  ex.done();
  return checks;
}

/** The host's doctor as zonectl --host runs it: the backend's executor and brands. */
const doctorOf = async (b: IllumosBackend) => illumosDoctor(b.executor, b.host, await b.brands(), ROOT);

test('the probe is one sh -c of one line (Solaris 10 /bin/sh gets no $(...) wrapper over ssh)', () => {
  assert.not.match(DOCTOR_SCRIPT, /\n/);
  assert.not.match(DOCTOR_SCRIPT, /\$\(/);
});

test('an OmniOS host with everything', async () => {
  assert.equal(await doctor(OMNIOS, OMNIOS_FULL), [
    { id: 'zone-tools', title: 'zone tools (zoneadm, zonecfg, zlogin)', status: 'ok', detail: '/usr/sbin/zoneadm, /usr/sbin/zonecfg, /usr/sbin/zlogin' },
    { id: 'global-zone', title: 'global zone', status: 'ok', detail: 'zonename: global' },
    { id: 'privileges', title: 'privileges', status: 'ok', detail: 'root' },
    { id: 'brands', title: 'zone brands', status: 'ok', detail: 'usable: lx (lx), native (lipkg), s10 (solaris10), sparse (sparse)' },
    { id: 'vnic', title: 'VNICs (exclusive-IP networks)', status: 'ok', detail: 'physical links: igb0, igb1' },
    { id: 'zfs', title: 'ZFS (datasets, snapshots, clones)', status: 'ok', detail: '/zones is data/zones: each zone installed there gets a dataset of its own' },
    { id: 'autoboot', title: 'autoboot (svc:/system/zones)', status: 'ok', detail: 'svc:/system/zones:default is online' },
    { id: 'download', title: 'downloads (curl or wget)', status: 'ok', detail: '/usr/bin/curl, /usr/bin/wget' },
    { id: 'state-root', title: 'state root', status: 'ok', detail: '/var/lib/zonectl is writable' },
  ]);
});

test('a bare OmniOS session: no /usr/sbin on the PATH, not root, two brands, nothing else', async () => {
  assert.equal(await doctor(OMNIOS, OMNIOS_BARE), [
    {
      id: 'zone-tools',
      title: 'zone tools (zoneadm, zonecfg, zlogin)',
      status: 'missing',
      detail: 'not on the PATH: zoneadm, zonecfg, zlogin',
      fix: "they live in /usr/sbin: put it on the PATH zonectl's ssh sessions get, or pkg install system/zones (package name unverified)",
    },
    { id: 'global-zone', title: 'global zone', status: 'ok', detail: 'zonename: global' },
    {
      id: 'privileges',
      title: 'privileges',
      status: 'missing',
      detail: 'uid 1001, privileges basic: zoneadm and zonecfg need all privileges in the global zone',
      fix: 'connect as root (--host root@HOST): zonectl runs the tools as the ssh user, without pfexec',
    },
    {
      id: 'brands',
      title: 'zone brands',
      status: 'warn',
      detail: 'usable: native (lipkg); not installed: lx (zone brand lx), s10 (zone brand solaris10), sparse (zone brand sparse)',
      fix: 'pkg install system/zones/brand/lx system/zones/brand/s10 system/zones/brand/sparse',
    },
    {
      id: 'vnic',
      title: 'VNICs (exclusive-IP networks)',
      status: 'warn',
      detail: 'no dladm on the PATH: zones with net-interface cannot get their VNIC',
      fix: "put /usr/sbin on the PATH zonectl's ssh sessions get",
    },
    { id: 'zfs', title: 'ZFS (datasets, snapshots, clones)', status: 'warn', detail: 'no zfs on the PATH: zones install into plain directories, have no snapshots, and clones are copies' },
    {
      id: 'autoboot',
      title: 'autoboot (svc:/system/zones)',
      status: 'warn',
      detail: 'svc:/system/zones:default is disabled: zones with autoboot true do not start at host boot',
      fix: 'svcadm enable svc:/system/zones:default',
    },
    { id: 'download', title: 'downloads (curl or wget)', status: 'warn', detail: 'no curl or wget: installs from a URL fail; a path on the host still works', fix: 'pkg install web/wget' },
    {
      id: 'state-root',
      title: 'state root',
      status: 'missing',
      detail: '/var/lib/zonectl does not exist and /var/lib is not writable',
      fix: 'connect as root, or choose another state root with --root',
    },
  ]);
});

test('a Solaris 10 SPARC host: native and solaris8 usable, solaris9 not installed, s10 not for it; no VNICs; wget in /usr/sfw/bin', async () => {
  assert.equal(await doctor(S10_SPARC, S10), [
    { id: 'zone-tools', title: 'zone tools (zoneadm, zonecfg, zlogin)', status: 'ok', detail: '/usr/sbin/zoneadm, /usr/sbin/zonecfg, /usr/sbin/zlogin' },
    { id: 'global-zone', title: 'global zone', status: 'ok', detail: 'zonename: global' },
    { id: 'privileges', title: 'privileges', status: 'ok', detail: 'root' },
    {
      id: 'brands',
      title: 'zone brands',
      status: 'warn',
      detail: 'usable: native (native), solaris8 (solaris8); not installed: solaris9 (zone brand solaris9); not for this host: s10',
      fix: 'install the Solaris 8/9 Containers packages for solaris9 with pkgadd (SUNWs8brandr, SUNWs8brandu, SUNWs9brandr, SUNWs9brandu ...; names unverified)',
    },
    {
      id: 'vnic',
      title: 'VNICs (exclusive-IP networks)',
      status: 'warn',
      detail: 'Solaris 10 has no VNICs and no zonecfg global-nic: zonectl refuses net-interface with exclusive IP here (such a zone needs a NIC of its own, without defrouter)',
      fix: 'set ip-type shared, or give the zone its own net resource in a zonecfg file (zonectl configure -f)',
    },
    {
      id: 'zfs',
      title: 'ZFS (datasets, snapshots, clones)',
      status: 'warn',
      detail: '/zones (where zones go by default) is not a ZFS dataset: zoneadm install makes no dataset per zone there, so no snapshots, and clones are copies',
      fix: 'zfs create -o mountpoint=/zones rpool/zones (while /zones is empty)',
    },
    { id: 'autoboot', title: 'autoboot (svc:/system/zones)', status: 'ok', detail: 'svc:/system/zones:default is online' },
    { id: 'download', title: 'downloads (curl or wget)', status: 'ok', detail: '/usr/sfw/bin/wget (not on the PATH; zonectl looks there)' },
    { id: 'state-root', title: 'state root', status: 'ok', detail: '/var/lib/zonectl does not exist yet; /var/lib is writable, so it can be made' },
  ]);
});

test("the smaller cases: all privileges without root, a non-global zone, zfs without zpool on the PATH, an unknown distribution's native brand", () => {
  const check = (host: HostOs, lines: string[], id: string): DoctorCheck | undefined => doctorChecks(parseDoctorProbe(lines.join('\n')), host, [], ROOT).find((c) => c.id === id);
  assert.equal(check(OMNIOS, ['id uid=1001(ops) gid=10(staff)', 'privE all'], 'privileges'), { id: 'privileges', title: 'privileges', status: 'ok', detail: 'uid 1001 with all privileges' });
  assert.equal(check(OMNIOS, ['zonename build'], 'global-zone'), {
    id: 'global-zone',
    title: 'global zone',
    status: 'missing',
    detail: 'this is the non-global zone "build": zones are made from the global zone',
    fix: 'point --host at the global zone',
  });
  assert.equal(check(OMNIOS, ['tool zfs /usr/sbin/zfs'], 'zfs'), {
    id: 'zfs',
    title: 'ZFS (datasets, snapshots, clones)',
    status: 'warn',
    detail: '/zones (where zones go by default) is not a ZFS dataset: zoneadm install makes no dataset per zone there, so no snapshots, and clones are copies',
    fix: 'zfs create -o mountpoint=/zones POOL/zones (while /zones is empty)',
  });
  const other: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'illumos' };
  assert.equal(
    doctorChecks(parseDoctorProbe('brand /usr/lib/brand/ipkg/config.xml\n'), other, [nativeBrand()], ROOT).find((c) => c.id === 'brands'),
    {
      id: 'brands',
      title: 'zone brands',
      status: 'missing',
      detail: 'usable: none; not for this host: native',
    },
  );
});

test('a probe that cannot run at all is one check saying why, not an exception', async () => {
  const down: Executor = {
    target: 'ssh://root@omnios',
    run: () => Promise.reject(new Error('ssh: connect to host omnios port 22: Connection refused')),
    attach: () => Promise.resolve(255),
    close: () => Promise.resolve(),
  };
  assert.equal(await doctorOf(new IllumosBackend(down, OMNIOS)), [
    { id: 'probe', title: 'host probe', status: 'missing', detail: 'the probe script could not run on ssh://root@omnios: ssh: connect to host omnios port 22: Connection refused' },
  ]);
  const ex = new ScriptedExecutor([{ argv: ['sh', '-c', DOCTOR_SCRIPT, 'sh', ROOT], code: 127, stderr: 'sh: not found\n' }]);
  assert.equal(await doctorOf(new IllumosBackend(ex, OMNIOS)), [
    { id: 'probe', title: 'host probe', status: 'missing', detail: 'the probe script could not run on ssh://root@test-host: sh: not found' },
  ]);
});

test('the script runs under a plain sh and prints what the parser reads (fake zone tools on the PATH)', () => {
  const dir = makeTempDir();
  try {
    const fake = (name: string, out: string): void => {
      writeFileSync(join(dir, name), `#!/bin/sh\nprintf '${out}'\n`);
      chmodSync(join(dir, name), 0o755);
    };
    for (const t of ['zoneadm', 'zonecfg', 'zlogin']) fake(t, '');
    fake('zonename', 'global\\n');
    fake('dladm', 'igb0\\nigb1\\n');
    fake('zpool', 'rpool\\n');
    fake('zfs', 'rpool\\t/rpool\\nrpool/zones\\t/zones\\nrpool/zones/web\\t/zones/web\\n');
    fake('svcs', 'online\\n');
    const r = spawnSync('sh', ['-c', DOCTOR_SCRIPT, 'sh', join(dir, 'state', 'root')], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const f = parseDoctorProbe(r.stdout);
    for (const t of ['zoneadm', 'zonecfg', 'zlogin', 'dladm', 'zfs', 'zpool', 'svcs']) assert.is(f.tools.get(t), join(dir, t));
    assert.is(f.zonename, 'global');
    assert.type(f.uid, 'number');
    assert.equal(f.links, ['igb0', 'igb1']);
    assert.equal(f.pools, ['rpool']);
    assert.is(f.zonesDataset, 'rpool/zones');
    assert.is(f.zonesSvc, 'online');
    assert.equal(f.root, { dir, writable: true });
  } finally {
    removeTempDir(dir);
  }
});

test.run();
