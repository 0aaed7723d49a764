// The illumos/Solaris backend against scripted hosts: the exact argument vectors it runs,
// the command file it hands zonecfg, what it refuses before touching the host, and the
// host tools' output it reads (zoneadm list -cp from real hosts, kstat -p).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { IllumosBackend, zoneShellQuote } from '../../src/backends/illumos/backend.js';
import { parseListLine, parseZoneList, splitParsable } from '../../src/backends/illumos/zoneadm.js';
import { parseUsage, usageSelectors } from '../../src/backends/illumos/kstat-usage.js';
import { imageFlagByFileOutput, imageFlagByName, isDatasetName } from '../../src/backends/illumos/install-source.js';
import type { Brand, BrandHosts } from '../../src/brands/brand.js';
import type { HostOs } from '../../src/transport/host-os.js';
import type { ZoneRecord } from '../../src/core/zone.js';
import type { ExecResult, RunRequest } from '../../src/transport/executor.js';
import { netPhysicals } from '../../src/backends/illumos/zone-net.js';
import { readZonecfg } from '../../src/backends/illumos/zonecfg.js';
import { typesToRemove, updateZonecfg } from '../../src/backends/illumos/zonecfg-update.js';
import { IDENTITY_SCRIPT } from '../../src/backends/clone-identity.js';
import { ScriptedExecutor, type Step } from '../scripted-executor.js';
import { assertOneLine, rejectsZoneError, throwsZoneError } from './fixtures/expect-error.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const fixture = (name: string): string => readFileSync(join(HERE, 'fixtures', 'illumos', name), 'utf8');

const OMNIOS: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'omnios' };
const SMARTOS: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'smartos' };
const OTHER_ILLUMOS: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'illumos' };
const S10_SPARC: HostOs = { kind: 'solaris', release: '5.10', machine: 'sun4v', distro: 'solaris10' };
const S10_X86: HostOs = { kind: 'solaris', release: '5.10', machine: 'i86pc', distro: 'solaris10' };
const S11: HostOs = { kind: 'solaris', release: '5.11', machine: 'i86pc', distro: 'solaris11' };

/** A brand with only what the managed backends read (the Linux fields are filler). */
function brand(name: string, hosts: BrandHosts): Brand {
  return {
    name,
    description: name,
    hosts,
    init: { command: ['/sbin/init'], 'halt-signal': 'SIGTERM' },
    login: { command: ['/bin/sh'] },
    capabilities: [],
    install: { methods: ['source'] },
    seccomp: { 'default-action': 'allow', errno: 'EPERM', deny: [] },
    file: `/brands/${name}.yaml`,
  };
}

/** The brand files this change ships, read as data (the schema learns hosts.solaris later). */
function shippedBrand(name: string): Brand {
  const data = parseYaml(readFileSync(join(REPO, 'brands', `${name}.yaml`), 'utf8')) as { name: string; hosts: BrandHosts };
  return brand(data.name, data.hosts);
}

const LX = brand('lx', { linux: { backend: 'oci' }, illumos: { 'zone-brand': 'lx', install: 'image' } });
const NATIVE = brand('native', { linux: { backend: 'oci' }, illumos: { 'zone-brand': 'native', install: 'packages' }, solaris: { 'zone-brand': 'native', install: 'packages' } });

function zone(name: string, config: Record<string, string> = {}, extra: Partial<ZoneRecord> = {}): ZoneRecord {
  return { name, brand: 'x', zonepath: `/zones/${name}`, config, createdAt: '2024-01-01T00:00:00.000Z', ...extra };
}

const RANDOM = '0123456789abcdef';
const CMDFILE = `/tmp/zonectl.${RANDOM}.zonecfg`;

function backend(host: HostOs, steps: Step[], clock = { t: 0 }): { b: IllumosBackend; ex: ScriptedExecutor } {
  const ex = new ScriptedExecutor(steps);
  const b = new IllumosBackend(ex, host, {
    random: () => RANDOM,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    pollMs: 1000,
  });
  return { b, ex };
}

const LIST = ['zoneadm', 'list', '-cp'];
const GLOBAL = '0:global:running:/::ipkg:shared:0\n';

/** The four steps of writing a command file and applying it. */
function applySteps(zoneName: string, text: string, listed = GLOBAL): Step[] {
  return [
    { argv: LIST, stdout: listed },
    { argv: ['sh', '-c', 'umask 077; cat > "$1"', 'sh', CMDFILE], input: text },
    { argv: ['zonecfg', '-z', zoneName, '-f', CMDFILE] },
    { argv: ['rm', '-f', CMDFILE] },
  ];
}

// --- zoneadm list -cp ------------------------------------------------------------------

test('zoneadm list -cp from an OmniOS host: global skipped, the debug-id field ignored, states and ip-type read', () => {
  assert.equal(parseZoneList(fixture('zoneadm-list-cp-omnios.txt')), [
    { id: 42, name: 'cube-media', rawState: 'running', state: 'running', zonepath: '/zones/cube-media', uuid: 'c624d04f-d0d9-e1e6-822e-acebc78ec9ff', brand: 'lipkg', ipType: 'exclusive' },
    { id: 44, name: 'cube-ws', rawState: 'installed', state: 'installed', zonepath: '/zones/cube-ws', uuid: '0f9c56f4-9810-6d45-f801-d34bf27cc13f', brand: 'pkgsrc', ipType: 'exclusive' },
  ]);
});

test('zoneadm list -cp from Solaris 11: ten fields, only the global zone', () => {
  assert.equal(parseZoneList(fixture('zoneadm-list-cp-solaris11.txt')), []);
  assert.equal(parseListLine('0:global:running:/::solaris:shared:-:none:'), {
    id: 0,
    name: 'global',
    rawState: 'running',
    state: 'running',
    zonepath: '/',
    brand: 'solaris',
    ipType: 'shared',
  });
});

test('only \\: is an escape: colons in a zonepath are kept, other backslashes stay as they are', () => {
  assert.equal(splitParsable('-:web:installed:/zones/a\\:b\\c:5b1e:lx:excl'), ['-', 'web', 'installed', '/zones/a:b\\c', '5b1e', 'lx', 'excl']);
  assert.equal(parseListLine('-:web:installed:/zones/a\\:b\\c::lx:excl:7:more'), {
    name: 'web',
    rawState: 'installed',
    state: 'installed',
    zonepath: '/zones/a:b\\c',
    brand: 'lx',
    ipType: 'exclusive',
  });
  // Solaris 10 before 8/07 printed four fields.
  assert.equal(parseListLine('3:old:running:/zones/old'), { id: 3, name: 'old', rawState: 'running', state: 'running', zonepath: '/zones/old' });
});

test('states: mounted is installed, unavailable (Solaris 11) is installed, the transitional ones kept', () => {
  const states = ['configured', 'incomplete', 'installed', 'ready', 'running', 'shutting_down', 'down', 'mounted', 'unavailable'].map(
    (s) => parseListLine(`-:z:${s}:/zones/z::native:shared`).state,
  );
  assert.equal(states, ['configured', 'incomplete', 'installed', 'ready', 'running', 'shutting_down', 'down', 'installed', 'installed']);
  throwsZoneError(() => parseListLine('-:z:constructor:/zones/z::native:shared'), 'runtime');
  const e = throwsZoneError(() => parseListLine('-:z:exploded:/zones/z::native:shared'), 'runtime');
  assertOneLine(e.message);
  assert.match(e.message, /unknown state "exploded"/);
});

// --- kstat usage -----------------------------------------------------------------

test('usage from kstat -p: nprocs_zone_ID usage, nsec_user + nsec_sys; other zones and caps ignored', () => {
  assert.equal(usageSelectors(5), ['caps:5:nprocs_zone_5:usage', 'zones:5:*:nsec_user', 'zones:5:*:nsec_sys']);
  // The format of kstat(1M) -p (module:instance:name:statistic, a tab, the value); the numbers are made up.
  const out = 'caps:5:nprocs_zone_5:usage\t23\ncaps:5:swapresv_zone_5:usage\t999\ncaps:6:nprocs_zone_6:usage\t7\nzones:5:web:nsec_sys\t2500000000\nzones:5:web:nsec_user\t1500000000\n';
  assert.equal(parseUsage(out, 5), { processes: 23, cpuSeconds: 4 });
  assert.is(parseUsage('', 5), undefined);
});

// --- install sources ---------------------------------------------------------------

test("lx image kind: names decide first (.zfs[.gz] -s, .tar[.gz|.xz] -t), then file(1)'s words", () => {
  assert.is(imageFlagByName('/images/ubuntu.zfs.gz'), '-s');
  assert.is(imageFlagByName('https://x.org/a/centos.zfs?sig=1'), '-s');
  assert.is(imageFlagByName('/images/alpine.tar.xz'), '-t');
  assert.is(imageFlagByName('/images/debian.tgz'), '-t');
  assert.is(imageFlagByName('/images/image'), undefined);
  assert.is(imageFlagByFileOutput('/images/image:\tZFS snapshot stream'), '-s');
  assert.is(imageFlagByFileOutput('/images/image:\tUSTAR tar archive'), '-t');
  assert.is(imageFlagByFileOutput('/images/image:\tgzip compressed data'), undefined);
  assert.ok(isDatasetName('zones/ubuntu@final'));
  assert.not.ok(isDatasetName('/zones/ubuntu'));
});

// --- brand files --------------------------------------------------------------------

test('the shipped solaris8, solaris9 and s10 brand files declare their host mappings', () => {
  for (const n of ['solaris8', 'solaris9']) {
    assert.equal(shippedBrand(n).hosts, { solaris: { 'zone-brand': n, install: 'archive', 'host-release': '5.10', 'host-arch': ['sparc', 'sun4u', 'sun4v'] } });
  }
  assert.equal(shippedBrand('s10').hosts, {
    illumos: { 'zone-brand': 'solaris10', install: 'archive' },
    solaris: { 'zone-brand': 'solaris10', install: 'archive', 'host-release': '5.11' },
  });
});

// --- an lx zone's life on OmniOS -------------------------------------------------------

const WEB_CONFIG = {
  autoboot: 'false',
  'kernel-version': '3.13.0',
  'net-interface': 'igb0',
  'net-address': '10.0.0.5',
  'net-subnet': '10.0.0.0/24',
  'net-gateway': '10.0.0.1',
  'capped-memory': '1G',
  'capped-cpu': '1.5',
  'max-processes': '2000',
};

const WEB_FILE = [
  'create -b',
  'set zonepath=/zones/web',
  'set brand=lx',
  'set autoboot=false',
  'set ip-type=exclusive',
  'set max-processes=2000',
  'add net',
  'set physical=web0',
  'set global-nic=igb0',
  'add property (name=ips,value=10.0.0.5/24)',
  'add property (name=gateway,value=10.0.0.1)',
  'add property (name=primary,value=true)',
  'end',
  'add attr',
  'set name=kernel-version',
  'set type=string',
  'set value=3.13.0',
  'end',
  'add capped-cpu',
  'set ncpus=1.5',
  'end',
  'add capped-memory',
  'set physical=1G',
  'end',
  'commit',
  '',
].join('\n');

test('configure an lx zone: the command file (VNIC, lx net properties, kernel-version, caps) written through stdin, applied, removed', async () => {
  const { b, ex } = backend(OMNIOS, applySteps('web', WEB_FILE));
  await b.configure(zone('web', WEB_CONFIG), LX);
  ex.done();
});

const EXPORT = (zoneName: string): string[] => ['zonecfg', '-z', zoneName, 'export'];
const WRITE = ['sh', '-c', 'umask 077; cat > "$1"', 'sh', CMDFILE];

// `zonecfg -z web export` of an installed lx zone, in export_func()'s format (zonecfg.c:
// capped-cpu is exported as its zone.cpu-cap rctl, aliased globals as rctls); constructed.
const WEB_EXPORT = [
  'create -b',
  'set zonepath=/zones/web',
  'set brand=lx',
  'set autoboot=true',
  'set limitpriv=default,proc_priocntl',
  'set ip-type=exclusive',
  'add net',
  'set physical=web0',
  'set global-nic=igb0',
  'add property (name=ips,value="10.0.0.9/24")',
  'add property (name=primary,value="true")',
  'end',
  'add capped-memory',
  'set physical=512M',
  'end',
  'add rctl',
  'set name=zone.cpu-cap',
  'add value (priv=privileged,limit=100,action=deny)',
  'end',
  'add rctl',
  'set name=zone.cpu-shares',
  'add value (priv=privileged,limit=10,action=none)',
  'end',
  '',
].join('\n');

const WEB_UPDATE_BODY = WEB_FILE.split('\n').filter((l) => !['create -b', 'set zonepath=/zones/web', 'set brand=lx'].includes(l));

test('reconfigure a configured zone: create -F -b over it, after saving its export', async () => {
  const configured = backend(OMNIOS, [
    { argv: LIST, stdout: `${GLOBAL}-:web:configured:/zones/web::lx:excl:3\n` },
    { argv: EXPORT('web'), stdout: WEB_EXPORT },
    ...applySteps('web', WEB_FILE.replace('create -b', 'create -F -b')).slice(1),
  ]);
  await configured.b.configure(zone('web', WEB_CONFIG), LX);
  configured.ex.done();
});

test('reconfigure an installed zone: removes only the resource types its export has (caps before rctl), clears only globals set and not set again', async () => {
  const update = ['remove -F capped-cpu', 'remove -F capped-memory', 'remove -F rctl', 'remove -F net', 'clear limitpriv', ...WEB_UPDATE_BODY].join('\n');
  const installed = backend(OMNIOS, [
    { argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web::lx:excl:3\n` },
    { argv: EXPORT('web'), stdout: WEB_EXPORT },
    ...applySteps('web', update).slice(1),
  ]);
  await installed.b.configure(zone('web', WEB_CONFIG), LX);
  installed.ex.done();

  // Only zone.cpu-cap: capped-cpu takes it with it, so no `remove -F rctl` (it would
  // fail on no rctl left); nothing else to remove, nothing to clear.
  const capOnly = [
    'create -b',
    'set zonepath=/zones/web',
    'set brand=lx',
    'set autoboot=false',
    'set ip-type=exclusive',
    'add rctl',
    'set name=zone.cpu-cap',
    'add value (priv=privileged,limit=150,action=deny)',
    'end',
    '',
  ].join('\n');
  const second = backend(OMNIOS, [
    { argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web::lx:excl:3\n` },
    { argv: EXPORT('web'), stdout: capOnly },
    ...applySteps('web', ['remove -F capped-cpu', ...WEB_UPDATE_BODY].join('\n')).slice(1),
  ]);
  await second.b.configure(zone('web', WEB_CONFIG), LX);
  second.ex.done();
});

test('zonecfg update file: aliased globals are not cleared once the rctls are removed; inherit-pkg-dir and uuid left alone', () => {
  const current = readZonecfg(
    [
      'create -b',
      'set zonepath=/z/a',
      'set uuid=1d5b',
      'set max-lwps=500',
      'set pool=p1',
      'add inherit-pkg-dir',
      'set dir=/usr',
      'end',
      'add rctl',
      'set name=zone.max-lwps',
      'add value (priv=privileged,limit=500,action=deny)',
      'end',
      'add dedicated-cpu',
      'set ncpus=2',
      'end',
      '',
    ].join('\n'),
    'export',
  );
  assert.equal(typesToRemove(current), ['dedicated-cpu', 'rctl']);
  assert.is(
    updateZonecfg(current, { globals: { zonepath: '/z/a', uuid: '1d5b', 'ip-type': 'shared' }, resources: [{ type: 'inherit-pkg-dir', props: [{ name: 'dir', value: '/usr' }] }] }),
    'remove -F dedicated-cpu\nremove -F rctl\nclear pool\nset ip-type=shared\ncommit\n',
  );
  // Nothing on the host: nothing removed.
  assert.equal(typesToRemove(readZonecfg('create -b\nset zonepath=/z/a\n', 'export')), []);
});

test("a failed update of an installed zone is one line with zonecfg's error; the saved export is put back from what the failed file left", async () => {
  const partial = ['create -b', 'set zonepath=/zones/web', 'set brand=lx', 'set autoboot=false', 'set ip-type=exclusive', ''].join('\n');
  const restore = [
    'set autoboot=true',
    'set limitpriv=default,proc_priocntl',
    'set ip-type=exclusive',
    'add net',
    'set physical=web0',
    'set global-nic=igb0',
    'add property (name=ips,value=10.0.0.9/24)',
    'add property (name=primary,value=true)',
    'end',
    'add capped-memory',
    'set physical=512M',
    'end',
    'add rctl',
    'set name=zone.cpu-cap',
    'add value (priv=privileged,limit=100,action=deny)',
    'end',
    'add rctl',
    'set name=zone.cpu-shares',
    'add value (priv=privileged,limit=10,action=none)',
    'end',
    'commit',
    '',
  ].join('\n');
  const { b, ex } = backend(OMNIOS, [
    { argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web::lx:excl:3\n` },
    { argv: EXPORT('web'), stdout: WEB_EXPORT },
    { argv: WRITE, input: () => undefined },
    { argv: ['zonecfg', '-z', 'web', '-f', CMDFILE], code: 1, stderr: 'On line 12:\ncapped-cpu: No such resource\n' },
    { argv: ['rm', '-f', CMDFILE] },
    { argv: EXPORT('web'), stdout: partial },
    { argv: WRITE, input: restore },
    { argv: ['zonecfg', '-z', 'web', '-f', CMDFILE] },
    { argv: ['rm', '-f', CMDFILE] },
  ]);
  const e = await rejectsZoneError(b.configure(zone('web', WEB_CONFIG), LX), 'runtime');
  assertOneLine(e.message);
  assert.is(e.message, `zonecfg -z web -f ${CMDFILE} failed on ssh://root@test-host: capped-cpu: No such resource`);
  assert.is(e.hint, "the zone's previous configuration is back in place");
  ex.done();
});

test('a failed overwrite of a configured zone re-applies its saved export with create -F -b', async () => {
  const saved = 'create -b\nset zonepath=/zones/web\nset brand=lx\nset autoboot=true\nset ip-type=exclusive\n';
  const { b, ex } = backend(OMNIOS, [
    { argv: LIST, stdout: `${GLOBAL}-:web:configured:/zones/web::lx:excl:3\n` },
    { argv: EXPORT('web'), stdout: saved },
    { argv: WRITE, input: () => undefined },
    { argv: ['zonecfg', '-z', 'web', '-f', CMDFILE], code: 1, stderr: 'web: Invalid argument\n' },
    { argv: ['rm', '-f', CMDFILE] },
    { argv: WRITE, input: 'create -F -b\nset zonepath=/zones/web\nset brand=lx\nset autoboot=true\nset ip-type=exclusive\ncommit\n' },
    { argv: ['zonecfg', '-z', 'web', '-f', CMDFILE], code: 1, stderr: 'boom\n' },
    { argv: ['rm', '-f', CMDFILE] },
  ]);
  const e = await rejectsZoneError(b.configure(zone('web', WEB_CONFIG), LX), 'runtime');
  assert.is(e.message, `zonecfg -z web -f ${CMDFILE} failed on ssh://root@test-host: web: Invalid argument`);
  assert.is(e.hint, 'the previous configuration could not be restored: zonecfg -z web export shows what the host has now');
  ex.done();
});

// `zonecfg -z ZONE info net` as zonecfg prints a resource (zonecfg.c: a tab, then
// "prop: value" or "prop not specified"); constructed in that format.
const INFO_NET = (physical: string): string =>
  [
    'net:',
    '\taddress not specified',
    '\tallowed-address not specified',
    '\tdefrouter not specified',
    '\tglobal-nic: igb0',
    '\tmac-addr not specified',
    `\tphysical: ${physical}`,
    '\tvlan-id not specified',
    '',
  ].join('\n');

test('VNIC names: zones differing only in "." or "-" would share one; the second is refused at configure, naming the first', async () => {
  assert.equal(netPhysicals(INFO_NET('web_10')), ['web_10']);
  assert.equal(netPhysicals('net:\n\tphysical not specified\n'), []);
  const listed = `${GLOBAL}-:web.1:installed:/zones/web.1::lx:excl:3\n`;
  const clash = backend(OMNIOS, [
    { argv: LIST, stdout: listed },
    { argv: ['zonecfg', '-z', 'web.1', 'info', 'net'], stdout: INFO_NET('web_10') },
  ]);
  const e = await rejectsZoneError(clash.b.configure(zone('web-1', WEB_CONFIG), LX), 'invalid-config');
  assertOneLine(e.message);
  assert.is(e.message, `zone "web-1" would get VNIC web_10, which zone "web.1" has already: a VNIC name keeps only the letters, digits and '_' of the first 30 characters of the zone's`);
  assert.match(e.hint ?? '', /differs from "web\.1" in a letter, digit or '_'/);
  clash.ex.done();

  // The other zone's net is a VNIC of another name (made by hand or by zadm): no clash.
  const file = WEB_FILE.replace('set zonepath=/zones/web', 'set zonepath=/zones/web-1').replace('set physical=web0', 'set physical=web_10');
  const fine = backend(OMNIOS, [{ argv: LIST, stdout: listed }, { argv: ['zonecfg', '-z', 'web.1', 'info', 'net'], stdout: INFO_NET('web1') }, ...applySteps('web-1', file).slice(1)]);
  await fine.b.configure(zone('web-1', WEB_CONFIG), LX);
  fine.ex.done();

  // No net-interface, no VNIC: nothing to compare.
  const none = backend(OMNIOS, applySteps('web-1', 'create -b\nset zonepath=/zones/web-1\nset brand=lx\nset ip-type=exclusive\ncommit\n', listed));
  await none.b.configure(zone('web-1'), LX);
  none.ex.done();
});

test('a failing zonecfg is one runtime error naming the host, the command file is removed all the same, and a new zone deleted', async () => {
  const { b, ex } = backend(OMNIOS, [
    { argv: LIST, stdout: GLOBAL },
    { argv: ['sh', '-c', 'umask 077; cat > "$1"', 'sh', CMDFILE], input: () => undefined },
    { argv: ['zonecfg', '-z', 'web', '-f', CMDFILE], code: 1, stderr: 'On line 9:\nweb: Invalid argument\n' },
    { argv: ['rm', '-f', CMDFILE] },
    // What the failed file committed of a new zone is deleted.
    { argv: ['zonecfg', '-z', 'web', 'delete', '-F'] },
  ]);
  const e = await rejectsZoneError(b.configure(zone('web', WEB_CONFIG), LX), 'runtime');
  assertOneLine(e.message);
  assert.is(e.message, `zonecfg -z web -f ${CMDFILE} failed on ssh://root@test-host: web: Invalid argument`);
  ex.done();
});

test('install an lx tarball, boot, list, exec, login, console, usage, shutdown, halt, uninstall, unconfigure', async () => {
  const clock = { t: 0 };
  const running = `${GLOBAL}5:web:running:/zones/web:5b1e:lx:excl:3\n`;
  const { b, ex } = backend(
    OMNIOS,
    [
      { argv: ['zoneadm', '-z', 'web', 'install', '-t', '/images/ubuntu-16.04.tar.gz'], stdout: 'Installing zone web\nDone.\n' },
      { argv: ['zoneadm', '-z', 'web', 'boot'] },
      { argv: LIST, stdout: running },
      { argv: ['zlogin', 'web', 'sh', '-c', "'echo $HOME; id'"], attach: true, tty: false, code: 3 },
      { argv: ['zlogin', 'web'], attach: true, tty: true },
      { argv: ['zlogin', '-C', 'web'], attach: true, tty: true },
      { argv: LIST, stdout: running },
      {
        argv: ['kstat', '-p', 'caps:5:nprocs_zone_5:usage', 'zones:5:*:nsec_user', 'zones:5:*:nsec_sys'],
        stdout: 'caps:5:nprocs_zone_5:usage\t23\nzones:5:web:nsec_user\t1500000000\nzones:5:web:nsec_sys\t2500000000\n',
      },
      { argv: LIST, stdout: running },
      { argv: ['zoneadm', '-z', 'web', 'shutdown'] },
      { argv: LIST, stdout: `${GLOBAL}5:web:shutting_down:/zones/web:5b1e:lx:excl:3\n` },
      { argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web:5b1e:lx:excl:3\n` },
      { argv: ['zoneadm', '-z', 'web', 'halt'], code: 1, stderr: "zoneadm: zone 'web': zone is already halted.\n" },
      { argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web:5b1e:lx:excl:3\n` },
      { argv: ['zoneadm', '-z', 'web', 'uninstall', '-F'] },
      { argv: LIST, stdout: `${GLOBAL}-:web:configured:/zones/web:5b1e:lx:excl:3\n` },
      { argv: ['zonecfg', '-z', 'web', 'delete', '-F'] },
    ],
    clock,
  );
  const web = zone('web', WEB_CONFIG);
  const progress: string[] = [];
  const userland = await b.install(web, LX, { source: '/images/ubuntu-16.04.tar.gz' }, (l) => progress.push(l));
  assert.equal(userland, { method: 'source', source: '/images/ubuntu-16.04.tar.gz', arch: 'x64', installedAt: '1970-01-01T00:00:00.000Z' });
  assert.equal(progress, ['zoneadm -z web install -t /images/ubuntu-16.04.tar.gz', 'Installing zone web', 'Done.']);
  await b.boot(web);
  assert.equal(await b.states(), new Map([['web', 'running']]));
  assert.is(await b.exec(web, ['sh', '-c', 'echo $HOME; id'], false), 3);
  assert.is(await b.login(web), 0);
  assert.is(await b.console(web), 0);
  assert.equal(await b.usage(web), { processes: 23, cpuSeconds: 4 });
  assert.is(await b.shutdown(web, 5000), true);
  assert.is(clock.t, 1000, 'one poll interval slept');
  await b.halt(web);
  await b.uninstall(web);
  await b.unconfigure(web);
  ex.done();
});

test('shutdown gives up at the timeout, polling no longer than it', async () => {
  const clock = { t: 0 };
  const down = `${GLOBAL}5:web:shutting_down:/zones/web::lx:excl:3\n`;
  const { b, ex } = backend(
    OMNIOS,
    [
      { argv: LIST, stdout: `${GLOBAL}5:web:running:/zones/web::lx:excl:3\n` },
      { argv: ['zoneadm', '-z', 'web', 'shutdown'] },
      { argv: LIST, stdout: down },
      { argv: LIST, stdout: down },
      { argv: LIST, stdout: down },
    ],
    clock,
  );
  assert.is(await b.shutdown(zone('web'), 1500), false);
  assert.is(clock.t, 1500);
  ex.done();
});

// wget's output as it writes it off a terminal with --progress=dot:giga (a line per
// 32 MiB); constructed in that format, the numbers made up.
const WGET_LOG = (url: string, dest: string): string =>
  [
    `--2024-05-01 10:00:00--  ${url}`,
    'Resolving images.example.org... 203.0.113.7',
    'Connecting to images.example.org|203.0.113.7|:443... connected.',
    'HTTP request sent, awaiting response... 200 OK',
    'Length: 71303168 (68M) [application/octet-stream]',
    `Saving to: '${dest}'`,
    '',
    '     0K ........ ........ ........ ........ 47% 11.2M 3s',
    ' 32768K ........ ........ ........ ........ 94% 11.0M 0s',
    ' 65536K ....                               100% 11.3M=6.1s',
    '',
    `2024-05-01 10:00:06 (11.1 MB/s) - '${dest}' saved [71303168/71303168]`,
    '',
  ].join('\n');

test('install from a URL: fetched onto the host with curl (wget where curl is missing), its lines on the progress sink, installed, the download removed', async () => {
  const url = 'https://images.example.org/lx/ubuntu-20.04.zfs.gz';
  const dest = `/var/tmp/zonectl.${RANDOM}.ubuntu-20.04.zfs.gz`;
  const { b, ex } = backend(OMNIOS, [
    { argv: ['curl', '-fsSL', '-o', dest, url], code: 127, stderr: 'sh: curl: not found\n' },
    { argv: ['wget', '--progress=dot:giga', '-O', dest, url], stderr: WGET_LOG(url, dest) },
    { argv: ['zoneadm', '-z', 'web', 'install', '-s', dest] },
    { argv: ['rm', '-f', dest] },
  ]);
  const progress: string[] = [];
  await b.install(zone('web', WEB_CONFIG), LX, { source: url }, (l) => progress.push(l));
  assert.equal(progress, [
    `downloading ${url}`,
    // The shell's "not found" of the curl attempt is streamed too: it is what happened.
    'sh: curl: not found',
    ...WGET_LOG(url, dest)
      .split('\n')
      .filter((l) => l !== ''),
    `zoneadm -z web install -s ${dest}`,
  ]);
  ex.done();
});

test('Solaris 10: no curl, no wget on the PATH: /usr/sfw/bin/wget, where Solaris 10 keeps it; a failed download is one line and removed', async () => {
  const url = 'http://archives.example.org/s8-system.flar';
  const dest = `/var/tmp/zonectl.${RANDOM}.s8-system.flar`;
  const s8 = shippedBrand('solaris8');
  const ok = backend(S10_SPARC, [
    { argv: ['curl', '-fsSL', '-o', dest, url], code: 127 },
    { argv: ['wget', '--progress=dot:giga', '-O', dest, url], code: 127 },
    { argv: ['/usr/sfw/bin/wget', '--progress=dot:giga', '-O', dest, url] },
    { argv: ['zoneadm', '-z', 's8z', 'install', '-a', dest, '-u'] },
    { argv: ['rm', '-f', dest] },
  ]);
  await ok.b.install(zone('s8z'), s8, { source: url, identity: 'unconfigure' }, () => undefined);
  ok.ex.done();

  const failed = backend(S10_SPARC, [
    { argv: ['curl', '-fsSL', '-o', dest, url], code: 127 },
    {
      argv: ['wget', '--progress=dot:giga', '-O', dest, url],
      code: 8,
      stderr: `--2024-05-01 10:00:00--  ${url}\nHTTP request sent, awaiting response... 404 Not Found\n2024-05-01 10:00:00 ERROR 404: Not Found.\n\n`,
    },
    { argv: ['rm', '-f', dest] },
    { argv: ['rm', '-f', dest] },
  ]);
  const e = await rejectsZoneError(
    failed.b.install(zone('s8z'), s8, { source: url, identity: 'unconfigure' }, () => undefined),
    'install-failed',
  );
  assertOneLine(e.message);
  assert.is(e.message, `cannot download ${url} on ssh://root@test-host: 2024-05-01 10:00:00 ERROR 404: Not Found.`);
  failed.ex.done();
});

test("zoneadm install's lines reach the progress sink while it runs, not after it returned", async () => {
  const progress: string[] = [];
  // The executor marks the moment run() returns: every line of zoneadm's comes before.
  class Marking extends ScriptedExecutor {
    override async run(argv: string[], req?: RunRequest): Promise<ExecResult> {
      const r = await super.run(argv, req);
      progress.push(`<${argv[0] as string} returned>`);
      return r;
    }
  }
  const ex = new Marking([
    { argv: ['zoneadm', '-z', 'web', 'install', '-t', '/i/u.tar.gz'], stdout: 'A ZFS file system has been created for this zone.\n\nInstalling zone web\n', stderr: 'gtar: warning\n' },
  ]);
  const b = new IllumosBackend(ex, OMNIOS, { random: () => RANDOM, now: () => 0 });
  await b.install(zone('web', WEB_CONFIG), LX, { source: '/i/u.tar.gz' }, (l) => progress.push(l));
  assert.equal(progress, ['zoneadm -z web install -t /i/u.tar.gz', 'A ZFS file system has been created for this zone.', 'Installing zone web', 'gtar: warning', '<zoneadm returned>']);
  ex.done();
});

test('an image named neither way is typed by file(1); a dataset goes to -s as it is; a relative path is refused', async () => {
  const typed = backend(OMNIOS, [
    { argv: ['file', '/images/ubuntu'], stdout: '/images/ubuntu:\tZFS snapshot stream\n' },
    { argv: ['zoneadm', '-z', 'web', 'install', '-s', '/images/ubuntu'] },
  ]);
  await typed.b.install(zone('web', WEB_CONFIG), LX, { source: '/images/ubuntu' }, () => undefined);
  typed.ex.done();

  const unknown = backend(OMNIOS, [{ argv: ['file', '/images/blob'], stdout: '/images/blob:\tgzip compressed data\n' }]);
  const e = await rejectsZoneError(
    unknown.b.install(zone('web', WEB_CONFIG), LX, { source: '/images/blob' }, () => undefined),
    'usage',
  );
  assert.match(e.message, /cannot tell whether \/images\/blob is a ZFS stream or a tarball/);
  assert.match(e.hint ?? '', /\.zfs\.gz/);
  unknown.ex.done();

  const ds = backend(OMNIOS, [{ argv: ['zoneadm', '-z', 'web', 'install', '-s', 'zones/ubuntu@final'] }]);
  await ds.b.install(zone('web', WEB_CONFIG), LX, { source: 'zones/ubuntu@final' }, () => undefined);
  ds.ex.done();

  const rel = backend(OMNIOS, []);
  const r = await rejectsZoneError(
    rel.b.install(zone('web', WEB_CONFIG), LX, { source: 'images/ubuntu.tar.gz' }, () => undefined),
    'usage',
  );
  assert.match(r.message, /must be an absolute path on the host or a URL/);
  rel.ex.done();
});

test('a failed zoneadm install is install-failed, with its output on the progress sink, and the zone configured again', async () => {
  const { b, ex } = backend(OMNIOS, [
    { argv: ['zoneadm', '-z', 'web', 'install', '-t', '/i/a.tar'], code: 1, stdout: 'Installing\n', stderr: 'ERROR: tarball is corrupt\n' },
    { argv: ['zoneadm', 'list', '-cp'], stdout: '0:global:running:/::ipkg:shared:0\n-:web:incomplete:/zones/web:5b1e:lx:excl:0\n' },
    { argv: ['zoneadm', '-z', 'web', 'uninstall', '-F'] },
  ]);
  const progress: string[] = [];
  const e = await rejectsZoneError(
    b.install(zone('web', WEB_CONFIG), LX, { source: '/i/a.tar' }, (l) => progress.push(l)),
    'install-failed',
  );
  assertOneLine(e.message);
  assert.match(e.message, /failed on ssh:\/\/root@test-host: ERROR: tarball is corrupt$/);
  assert.equal(progress, ['zoneadm -z web install -t /i/a.tar', 'Installing', 'ERROR: tarball is corrupt']);
  assert.is(e.hint, 'the zone is configured again; fix the cause and install again');
  ex.done();
});

// --- refusals, before the host is touched --------------------------------------------------

test('dedicated-cpu (native) with capped-cpu is refused before the host is touched: zonecfg takes only one of them', async () => {
  const { b, ex } = backend(OMNIOS, []);
  const rec = zone('web', { 'capped-cpu': '1' }, { native: { resources: [{ type: 'dedicated-cpu', props: [{ name: 'ncpus', value: '2' }] }] } });
  const e = await rejectsZoneError(b.configure(rec, LX), 'invalid-config');
  assert.is(e.message, 'a zone cannot have both dedicated-cpu and capped-cpu (zonecfg refuses the second)');
  ex.done();
});

test('a shared-IP lx zone is refused with one line, nothing run on the host', async () => {
  const { b, ex } = backend(OMNIOS, []);
  const e = await rejectsZoneError(b.configure(zone('web', { 'ip-type': 'shared' }), LX), 'invalid-config');
  assertOneLine(e.message);
  assert.match(e.message, /lx zones cannot share the host's IP stack/);
  ex.done();
});

test('solaris8 on an OmniOS host (and on x86 Solaris 10) is refused, naming the host and what the brand needs', async () => {
  const s8 = shippedBrand('solaris8');
  for (const [host, here] of [
    [OMNIOS, 'omnios 5.11 i86pc'],
    [S10_X86, 'solaris10 5.10 i86pc'],
    [S11, 'solaris11 5.11 i86pc'],
  ] as const) {
    const { b, ex } = backend(host, []);
    const e = await rejectsZoneError(b.configure(zone('s8z'), s8), 'invalid-config');
    assertOneLine(e.message);
    assert.is(e.message, `brand solaris8 cannot run on this host (${here}): it needs Solaris 5.10 on sparc, sun4u, sun4v`);
    assert.is(e.zone, 's8z');
    ex.done();
  }
  const { b } = backend(S10_SPARC, []);
  const s10 = await rejectsZoneError(b.configure(zone('z'), shippedBrand('s10')), 'invalid-config');
  assert.is(s10.message, 'brand s10 cannot run on this host (solaris10 5.10 sun4v): it needs Solaris 5.11');
});

test('solaris8 on a Solaris 10 SPARC host: configured as brand solaris8, installed with -a ARCHIVE -u', async () => {
  const file = 'create -b\nset zonepath=/zones/s8z\nset brand=solaris8\nset ip-type=exclusive\ncommit\n';
  const { b, ex } = backend(S10_SPARC, [
    ...applySteps('s8z', file, '0:global:running:/::native:shared\n'),
    { argv: ['zoneadm', '-z', 's8z', 'install', '-a', '/export/archives/s8-system.flar', '-u'], stdout: 'Log File: /var/tmp/s8z.install.1234.log\n' },
  ]);
  const s8 = shippedBrand('solaris8');
  await b.configure(zone('s8z'), s8);
  const u = await b.install(zone('s8z'), s8, { source: '/export/archives/s8-system.flar', identity: 'unconfigure' }, () => undefined);
  assert.equal(u, { method: 'source', source: '/export/archives/s8-system.flar', arch: 'sparc', installedAt: '1970-01-01T00:00:00.000Z' });
  ex.done();
});

test('an archive install without -u or -p, or without an archive, is refused with a hint; -p passes through', async () => {
  const s8 = shippedBrand('solaris8');
  const none = backend(S10_SPARC, []);
  const e = await rejectsZoneError(
    none.b.install(zone('s8z'), s8, { source: '/export/s8.flar' }, () => undefined),
    'usage',
  );
  assertOneLine(e.message);
  assert.is(e.message, "brand solaris8 installs a whole system's archive and needs its identity decided");
  assert.match(e.hint ?? '', /unconfigure \(zoneadm -u.*preserve \(-p/);
  const noSource = await rejectsZoneError(
    none.b.install(zone('s8z'), s8, { identity: 'preserve' }, () => undefined),
    'usage',
  );
  assert.match(noSource.message, /installs from a system archive \(flash archive, cpio, pax, ufsdump\)/);
  none.ex.done();

  const p = backend(OMNIOS, [{ argv: ['zoneadm', '-z', 'old10', 'install', '-a', '/a/s10.cpio.gz', '-p'] }]);
  await p.b.install(zone('old10'), shippedBrand('s10'), { source: '/a/s10.cpio.gz', identity: 'preserve' }, () => undefined);
  p.ex.done();
});

test("native is the distribution's own brand (lipkg, joyent), or the one the zone was imported with; unknown distributions refused", async () => {
  const file = (b: string): string => `create -b\nset zonepath=/zones/n\nset brand=${b}\nset ip-type=exclusive\ncommit\n`;
  const omni = backend(OMNIOS, applySteps('n', file('lipkg')));
  await omni.b.configure(zone('n'), NATIVE);
  omni.ex.done();
  const smart = backend(SMARTOS, applySteps('n', file('joyent')));
  await smart.b.configure(zone('n'), NATIVE);
  smart.ex.done();
  const sparse = backend(OMNIOS, applySteps('n', file('sparse')));
  await sparse.b.configure(zone('n', {}, { native: { zonecfg: { brand: 'sparse' } } }), NATIVE);
  sparse.ex.done();
  const other = backend(OTHER_ILLUMOS, []);
  const e = await rejectsZoneError(other.b.configure(zone('n'), NATIVE), 'invalid-config');
  assert.match(e.message, /zonectl does not know this distribution's own zone brand/);
  other.ex.done();
});

test('a packages brand installs with a plain zoneadm install, and refuses a source it would ignore', async () => {
  const { b, ex } = backend(OMNIOS, [{ argv: ['zoneadm', '-z', 'n', 'install'] }]);
  const u = await b.install(zone('n'), NATIVE, {}, () => undefined);
  assert.is(u.method, 'packages');
  const e = await rejectsZoneError(
    b.install(zone('n'), NATIVE, { source: '/x.tar' }, () => undefined),
    'usage',
  );
  assert.match(e.message, /installs from the host's packages \(zone brand lipkg\); it takes no source/);
  ex.done();
});

// A Solaris or illumos clone's root loses its ssh host keys and gets its own nodename.
const IDENTITY_B: Step = { argv: ['sh', '-c', IDENTITY_SCRIPT, 'sh', '/zones/b/root', 'dir', 'etc/ssh', 'keys', 'etc/ssh', 'write', 'etc', 'nodename', 'b'] };

test('clone configures the target, then zoneadm clone from the source, then gives the clone its own identity', async () => {
  const file = 'create -b\nset zonepath=/zones/b\nset brand=lipkg\nset ip-type=exclusive\ncommit\n';
  const installedA = `${GLOBAL}-:a:installed:/zones/a::lipkg:excl:3\n`;
  const { b, ex } = backend(OMNIOS, [{ argv: LIST, stdout: installedA }, ...applySteps('b', file, installedA), { argv: ['zoneadm', '-z', 'b', 'clone', 'a'] }, IDENTITY_B]);
  await b.clone(zone('a'), zone('b'), NATIVE);
  ex.done();

  // A running source is refused before the target is configured.
  const running = backend(OMNIOS, [{ argv: LIST, stdout: `${GLOBAL}4:a:running:/zones/a::lipkg:excl:3\n` }]);
  const e = await rejectsZoneError(running.b.clone(zone('a'), zone('b'), NATIVE), 'wrong-state');
  assertOneLine(e.message);
  assert.is(e.message, 'zone "a" is running on ssh://root@test-host: zoneadm clones only an installed, halted zone');
  running.ex.done();

  // A failed clone leaves the target incomplete: uninstalled, its configuration kept.
  const failed = backend(OMNIOS, [
    { argv: LIST, stdout: installedA },
    ...applySteps('b', file, installedA),
    { argv: ['zoneadm', '-z', 'b', 'clone', 'a'], code: 1, stderr: 'zoneadm: zone b: clone failed\n' },
    { argv: LIST, stdout: `${installedA}-:b:incomplete:/zones/b::lipkg:excl:3\n` },
    { argv: ['zoneadm', '-z', 'b', 'uninstall', '-F'] },
  ]);
  const f = await rejectsZoneError(failed.b.clone(zone('a'), zone('b'), NATIVE), 'runtime');
  assert.is(f.message, 'zoneadm -z b clone a failed on ssh://root@test-host: zoneadm: zone b: clone failed');
  failed.ex.done();
});

test('clone of a zone whose root is not mounted while installed (lipkg ROOT/zbe): readied for the identity steps, halted again', async () => {
  const file = 'create -b\nset zonepath=/zones/b\nset brand=lipkg\nset ip-type=exclusive\ncommit\n';
  const installedA = `${GLOBAL}-:a:installed:/zones/a::lipkg:excl:3\n`;
  const { b, ex } = backend(OMNIOS, [
    { argv: LIST, stdout: installedA },
    ...applySteps('b', file, installedA),
    { argv: ['zoneadm', '-z', 'b', 'clone', 'a'] },
    { ...IDENTITY_B, code: 4, stderr: '/zones/b/root has no etc directory\n' },
    { argv: ['zoneadm', '-z', 'b', 'ready'] },
    IDENTITY_B,
    { argv: ['zoneadm', '-z', 'b', 'halt'] },
  ]);
  await b.clone(zone('a'), zone('b'), NATIVE);
  ex.done();
});

test('clone of an lx zone: ssh host keys, machine-ids emptied, /etc/hostname where it names the source', async () => {
  const file = 'create -b\nset zonepath=/zones/b\nset brand=lx\nset ip-type=exclusive\ncommit\n';
  const installedA = `${GLOBAL}-:a:installed:/zones/a::lx:excl:3\n`;
  const { b, ex } = backend(OMNIOS, [
    { argv: LIST, stdout: installedA },
    ...applySteps('b', file, installedA),
    { argv: ['zoneadm', '-z', 'b', 'clone', 'a'] },
    {
      argv: [
        'sh',
        '-c',
        IDENTITY_SCRIPT,
        'sh',
        '/zones/b/root',
        'dir',
        'etc/ssh',
        'dir',
        'var',
        'dir',
        'var/lib',
        'dir',
        'var/lib/dbus',
        'keys',
        'etc/ssh',
        'empty',
        'etc',
        'machine-id',
        'empty',
        'var/lib/dbus',
        'machine-id',
        'rename',
        'etc',
        'hostname',
        'a',
        'b',
      ],
    },
  ]);
  await b.clone(zone('a', {}, { brand: 'lx' }), zone('b', {}, { brand: 'lx' }), LX);
  ex.done();
});

test('a clone that cannot be given its own identity is uninstalled again (halted first if it was readied), in one line', async () => {
  const file = 'create -b\nset zonepath=/zones/b\nset brand=lipkg\nset ip-type=exclusive\ncommit\n';
  const installedA = `${GLOBAL}-:a:installed:/zones/a::lipkg:excl:3\n`;
  const start = (): Step[] => [{ argv: LIST, stdout: installedA }, ...applySteps('b', file, installedA), { argv: ['zoneadm', '-z', 'b', 'clone', 'a'] }];
  const link = backend(OMNIOS, [...start(), { ...IDENTITY_B, code: 3, stderr: '/zones/b/root/etc/ssh is a symbolic link\n' }, { argv: ['zoneadm', '-z', 'b', 'uninstall', '-F'] }]);
  const e = await rejectsZoneError(link.b.clone(zone('a'), zone('b'), NATIVE), 'refused');
  assertOneLine(e.message);
  assert.is(e.message, 'zone "b": cannot give the clone its own identity on ssh://root@test-host: /zones/b/root/etc/ssh is a symbolic link, which could lead out of its root');
  assert.is(e.hint, 'the clone was uninstalled again; nothing outside the root was touched; make that path a directory in the source zone, then clone again');
  link.ex.done();

  const readied = backend(OMNIOS, [
    ...start(),
    { ...IDENTITY_B, code: 4 },
    { argv: ['zoneadm', '-z', 'b', 'ready'] },
    { ...IDENTITY_B, code: 1, stderr: 'cannot remove the ssh host keys in /zones/b/root/etc/ssh\n' },
    { argv: ['zoneadm', '-z', 'b', 'halt'] },
    { argv: ['zoneadm', '-z', 'b', 'uninstall', '-F'], code: 1, stderr: 'zoneadm: zone b: uninstall failed\n' },
  ]);
  const r = await rejectsZoneError(readied.b.clone(zone('a'), zone('b'), NATIVE), 'runtime');
  assert.is(r.message, 'zone "b": cannot give the clone its own identity on ssh://root@test-host: cannot remove the ssh host keys in /zones/b/root/etc/ssh');
  assert.is(r.hint, "the clone may be left installed with the source's identity: zoneadm -z b uninstall -F removes it");
  readied.ex.done();

  // A root that has no etc even when the zone is ready is not a root to clone.
  const empty = backend(OMNIOS, [
    ...start(),
    { ...IDENTITY_B, code: 4 },
    { argv: ['zoneadm', '-z', 'b', 'ready'] },
    { ...IDENTITY_B, code: 4 },
    { argv: ['zoneadm', '-z', 'b', 'halt'] },
    { argv: ['zoneadm', '-z', 'b', 'uninstall', '-F'] },
  ]);
  const n = await rejectsZoneError(empty.b.clone(zone('a'), zone('b'), NATIVE), 'runtime');
  assert.is(n.message, 'zone "b": its root /zones/b/root has no etc directory on ssh://root@test-host, even with the zone ready');
  empty.ex.done();
});

test("Solaris 10: the same identity steps after zoneadm clone (a native zone's root is a directory, there when installed)", async () => {
  const file = 'create -b\nset zonepath=/zones/b\nset brand=native\nset ip-type=shared\ncommit\n';
  const installedA = `${GLOBAL}-:a:installed:/zones/a::native:shared\n`;
  const { b, ex } = backend(S10_SPARC, [{ argv: LIST, stdout: installedA }, ...applySteps('b', file, installedA), { argv: ['zoneadm', '-z', 'b', 'clone', 'a'] }, IDENTITY_B]);
  await b.clone(zone('a', { 'ip-type': 'shared' }), zone('b', { 'ip-type': 'shared' }), NATIVE);
  ex.done();
});

test('unconfigure deletes only a configured zone: an installed one is refused (its root would be orphaned), an absent one is done', async () => {
  const installed = backend(OMNIOS, [{ argv: LIST, stdout: `${GLOBAL}-:web:installed:/zones/web::lx:excl:3\n` }]);
  const e = await rejectsZoneError(installed.b.unconfigure(zone('web')), 'wrong-state');
  assertOneLine(e.message);
  assert.is(e.message, 'zone "web" is installed on ssh://root@test-host: only a configured zone\'s configuration can be deleted');
  assert.is(e.hint, 'uninstall it first (zoneadm -z web uninstall -F)');
  installed.ex.done();
  const absent = backend(OMNIOS, [{ argv: LIST, stdout: GLOBAL }]);
  await absent.b.unconfigure(zone('web'));
  absent.ex.done();
});

test('Solaris 10 has no zoneadm shutdown: init 0 in the zone by zlogin, then the same polling', async () => {
  const clock = { t: 0 };
  const { b, ex } = backend(
    S10_SPARC,
    [
      { argv: LIST, stdout: '0:global:running:/::native:shared\n3:z:running:/zones/z::native:shared\n' },
      { argv: ['zlogin', 'z', '/usr/sbin/init', '0'] },
      { argv: LIST, stdout: '0:global:running:/::native:shared\n3:z:shutting_down:/zones/z::native:shared\n' },
      { argv: LIST, stdout: '0:global:running:/::native:shared\n-:z:installed:/zones/z::native:shared\n' },
    ],
    clock,
  );
  assert.is(await b.shutdown(zone('z'), 5000), true);
  ex.done();
});

test('Solaris 10 and 11: an exclusive-IP network on net-interface is refused up front (no global-nic there); shared IP is configured', async () => {
  for (const host of [S10_SPARC, S11]) {
    const { b, ex } = backend(host, []);
    const e = await rejectsZoneError(b.configure(zone('n', { 'net-interface': 'e1000g0' }), NATIVE), 'invalid-config');
    assertOneLine(e.message);
    assert.match(
      e.message,
      /^an exclusive-IP network on net-interface cannot be configured on solaris1[01] 5\.1[01] (sun4v|i86pc): zonectl makes its VNIC with zonecfg global-nic, which only illumos \(OmniOS, SmartOS\) has$/,
    );
    assert.match(e.hint ?? '', /ip-type shared.*configure -f FILE keeps it as a native resource/);
    ex.done();
  }
  const shared = backend(
    S10_SPARC,
    applySteps(
      'n',
      'create -b\nset zonepath=/zones/n\nset brand=native\nset ip-type=shared\nadd net\nset physical=e1000g0\nset address=10.0.0.5/24\nend\ncommit\n',
      '0:global:running:/::native:shared\n',
    ),
  );
  await shared.b.configure(zone('n', { 'ip-type': 'shared', 'net-interface': 'e1000g0', 'net-address': '10.0.0.5', 'net-subnet': '10.0.0.0/24' }), NATIVE);
  shared.ex.done();
});

test('SmartOS: native (joyent) and lx installs are refused, naming imgadm/vmadm; describe says so', async () => {
  for (const br of [NATIVE, LX]) {
    const { b, ex } = backend(SMARTOS, []);
    const e = await rejectsZoneError(
      b.install(zone('n', WEB_CONFIG), br, { source: '/images/u.tar.gz' }, () => undefined),
      'usage',
    );
    assertOneLine(e.message);
    assert.match(e.message, /^zonectl cannot install (joyent|lx) zones on SmartOS: zoneadm install there takes an image imported with imgadm \(-t\), which vmadm manages$/);
    assert.is(e.hint, 'use imgadm import and vmadm create on the SmartOS host');
    ex.done();
  }
  const { b } = backend(SMARTOS, []);
  assert.is(
    b.describe(zone('web', WEB_CONFIG), LX)[2],
    'install: not available: zonectl cannot install lx zones on SmartOS: zoneadm install there takes an image imported with imgadm (-t), which vmadm manages',
  );
});

test('-s takes .zfs and .zfs.gz only: .zfs.bz2 and .zfs.xz are refused before the host is touched, with a hint to decompress', async () => {
  assert.is(imageFlagByName('/images/u.zfs.bz2'), undefined);
  const { b, ex } = backend(OMNIOS, []);
  for (const [src, tool] of [
    ['/images/u.zfs.bz2', 'bunzip2'],
    ['https://x.org/u.zfs.xz', 'xz -d'],
  ] as const) {
    const e = await rejectsZoneError(
      b.install(zone('web', WEB_CONFIG), LX, { source: src }, () => undefined),
      'usage',
    );
    assertOneLine(e.message);
    assert.match(e.message, /: zoneadm install -s takes a ZFS stream plain \(\.zfs\) or gzipped \(\.zfs\.gz\), not (bz2|xz)$/);
    assert.ok((e.hint ?? '').startsWith(`decompress it first (${tool} FILE`));
  }
  ex.done();
});

test("exec quotes each argument for the zone's shell (zlogin joins them with spaces for su -c)", () => {
  assert.is(zoneShellQuote('ls'), 'ls');
  assert.is(zoneShellQuote('/var/log'), '/var/log');
  assert.is(zoneShellQuote('a b'), "'a b'");
  assert.is(zoneShellQuote("it's"), "'it'\\''s'");
  assert.is(zoneShellQuote(''), "''");
  assert.is(zoneShellQuote('$(reboot)'), "'$(reboot)'");
});

test('describe: what the zone becomes on this host, or why it cannot be', () => {
  const { b } = backend(OMNIOS, []);
  assert.equal(b.describe(zone('web', WEB_CONFIG), LX), [
    'host: omnios 5.11 i86pc',
    'zone brand: lx',
    'install: zoneadm install -s STREAM (.zfs, .zfs.gz, pool/dataset) or -t TARBALL (.tar, .tar.gz), from a path on the host or a URL',
    'network: exclusive IP, VNIC web0 on igb0',
  ]);
  assert.equal(b.describe(zone('s8z'), shippedBrand('solaris8')), [
    'host: omnios 5.11 i86pc',
    'not available: brand solaris8 cannot run on this host (omnios 5.11 i86pc): it needs Solaris 5.10 on sparc, sun4u, sun4v',
  ]);
  assert.equal(
    b.describe(zone('web', { 'ip-type': 'shared' }), LX).at(-1),
    'not available: lx zones cannot share the host\'s IP stack (lx_support: "lx zones do not support shared IP stacks"); set ip-type exclusive',
  );
});

test.run();
