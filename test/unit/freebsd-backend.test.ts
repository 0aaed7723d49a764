// FreeBSD jails as zones: the mapping both ways (import a real jail file, export it,
// import again: the same zone), jls and rctl output, and the backend's life cycle
// against a scripted host, each step's exact argv and the files it writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JailParam, ZoneRecord } from '../../src/core/zone.js';
import type { HostOs } from '../../src/transport/host-os.js';
import { FreeBsdBackend } from '../../src/backends/freebsd/backend.js';
import { formatJailBlock, parseJailConf } from '../../src/backends/freebsd/jail-conf.js';
import { jailPaths, type BrandMapping } from '../../src/backends/freebsd/jail-kind.js';
import { epairNames, parseIp4Alias } from '../../src/backends/freebsd/jail-net.js';
import { jailToZone, zoneToJailParams, type ImportedJail } from '../../src/backends/freebsd/jail-zone.js';
import { parseJlsJson } from '../../src/backends/freebsd/jls.js';
import { parseRctlUsage, rctlRules } from '../../src/backends/freebsd/rctl.js';
import { FETCH_SCRIPT, fetchProgressLine, manifestSha256 } from '../../src/backends/freebsd/install.js';
import { DEVFS_SCRIPT } from '../../src/backends/freebsd/devfs.js';
import { DESTROY_IF_SCRIPT, MOUNTPOINTS_SCRIPT, timedStopArgv } from '../../src/backends/freebsd/jail-run.js';
import { IDENTITY_SCRIPT } from '../../src/backends/clone-identity.js';
import { ScriptedExecutor, type Step } from '../scripted-executor.js';
import { assertOneLine, rejectsZoneError, throwsZoneError } from './fixtures/expect-error.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`./fixtures/freebsd/${name}`, import.meta.url)), 'utf8');

const NATIVE: BrandMapping = { name: 'native', hosts: { freebsd: { jail: 'native' } } };
const LX: BrandMapping = { name: 'lx', hosts: { freebsd: { jail: 'linux' } } };
const HOST: HostOs = { kind: 'freebsd', release: '14.1-RELEASE-p5', machine: 'amd64' };
const WRITE = 'umask 022; mkdir -p "${1%/*}" && cat > "$1.tmp" && mv -f "$1.tmp" "$1"';

function zone(name: string, config: Record<string, string>, extra: Partial<ZoneRecord> = {}): ZoneRecord {
  return { name, brand: 'native', zonepath: `/usr/local/jails/${name}`, config, createdAt: '2026-05-11T00:00:00Z', ...extra };
}

/** Imports the one jail of a file, reading mount.fstab files from `fstabs`. */
function importFile(text: string, fstabs: Record<string, string> = {}): { name: string; z: ImportedJail } {
  const [j] = parseJailConf(text, 'import.conf');
  if (j === undefined) throw new Error('no jail');
  return { name: j.name, z: jailToZone(j.name, j.params, (p) => fstabs[p]) };
}

function asRecord(name: string, z: ImportedJail): ZoneRecord {
  return { name, brand: z.brand, zonepath: z.zonepath, config: z.config, fs: z.fs, native: { jail: z.native }, createdAt: '' };
}

/** Export then import again: must give the same zone. */
function roundTrip(name: string, z: ImportedJail): { text: string; fstab: string } {
  const brand = z.brand === 'lx' ? LX : NATIVE;
  const gen = zoneToJailParams(asRecord(name, z), brand, jailPaths(name));
  const text = formatJailBlock(name, gen.params);
  const again = importFile(text, { [jailPaths(name).fstab]: gen.fstab });
  assert.equal(again.z, z, `export then import changed the zone:\n${text}\n${gen.fstab}`);
  return { text, fstab: gen.fstab };
}

// ---- import and export ----

test('a Bastille thin jail: nullfs fstab lines become fs, what zonectl does not model stays native', () => {
  const { name, z } = importFile(fixture('bastille-thin.conf'), { '/usr/local/bastille/jails/www/fstab': fixture('bastille-thin.fstab') });
  assert.equal(z, {
    brand: 'native',
    zonepath: '/usr/local/bastille/jails/www',
    root: '/usr/local/bastille/jails/www/root',
    config: { 'ip-type': 'shared', 'net-address': '10.17.89.5', 'net-interface': 'bastille0' },
    fs: [
      { dir: '/.bastille', special: '/usr/local/bastille/releases/14.1-RELEASE', options: ['ro'] },
      { dir: '/usr/ports', special: '/usr/local/bastille/releases/14.1-RELEASE/usr/ports' },
    ],
    native: [
      { name: 'exec.consolelog', value: ['/var/log/bastille/www_console.log'] },
      { name: 'securelevel', value: ['2'] },
      { name: 'osrelease', value: ['14.1-RELEASE'] },
      { name: 'ip6', value: ['disable'] },
    ],
  });
  const out = roundTrip(name, z);
  assert.is(
    out.text,
    [
      'www {',
      '\tpath = /usr/local/bastille/jails/www/root;',
      '\thost.hostname = www;',
      '\texec.start = "/bin/sh /etc/rc";',
      '\texec.stop = "/bin/sh /etc/rc.shutdown";',
      '\texec.clean;',
      '\tmount.devfs;',
      '\tdevfs_ruleset = 4;',
      '\tenforce_statfs = 2;',
      '\tip4.addr = bastille0|10.17.89.5;',
      '\tmount.fstab = /etc/jail.conf.d/www.fstab;',
      '\texec.consolelog = /var/log/bastille/www_console.log;',
      '\tsecurelevel = 2;',
      '\tosrelease = 14.1-RELEASE;',
      '\tip6 = disable;',
      '}',
      '',
    ].join('\n'),
  );
  assert.is(
    out.fstab,
    '/usr/local/bastille/releases/14.1-RELEASE\t/usr/local/bastille/jails/www/root/.bastille\tnullfs\tro\t0\t0\n' +
      '/usr/local/bastille/releases/14.1-RELEASE/usr/ports\t/usr/local/bastille/jails/www/root/usr/ports\tnullfs\trw\t0\t0\n',
  );
});

test('a Bastille Linux jail is lx (Linux /proc in its fstab); its devfs line without a ruleset stays its own', () => {
  const { name, z } = importFile(fixture('bastille-linux.conf'), { '/usr/local/bastille/jails/noble/fstab': fixture('bastille-linux.fstab') });
  const devfs = 'devfs           /usr/local/bastille/jails/noble/root/dev      devfs           rw                      0       0';
  assert.equal(z, {
    brand: 'lx',
    zonepath: '/usr/local/bastille/jails/noble',
    root: '/usr/local/bastille/jails/noble/root',
    config: { 'ip-type': 'shared', 'net-address': '10.17.89.20', 'net-interface': 'bastille0' },
    fs: [{ dir: '/tmp', special: '/tmp' }],
    // Its ruleset 4 (zonectl's lx zones get 5140, which unhides /dev/shm) stays its own.
    native: [
      { name: 'mount', value: [devfs] },
      { name: 'devfs_ruleset', value: ['4'] },
      { name: 'ip6', value: ['disable'] },
    ],
  });
  const out = roundTrip(name, z);
  const root = '/usr/local/bastille/jails/noble/root';
  // Its own devfs line is mounted (`mount`, before the fstab); zonectl's steps aside.
  assert.is(
    out.fstab,
    [
      `tmpfs\t${root}/dev/shm\ttmpfs\trw,size=1g,mode=1777\t0\t0`,
      `fdescfs\t${root}/dev/fd\tfdescfs\trw,linrdlnk\t0\t0`,
      `linprocfs\t${root}/proc\tlinprocfs\trw\t0\t0`,
      `linsysfs\t${root}/sys\tlinsysfs\trw\t0\t0`,
      `/tmp\t${root}/tmp\tnullfs\trw\t0\t0`,
      '',
    ].join('\n'),
  );
  assert.match(out.text, /\n\tlinux = new;\n/);
  assert.not.match(out.text, /exec\.(no)?clean/);
});

test("the FreeBSD example vnet jail (jail.xxx.conf): its own netgraph plumbing and path win over zonectl's", () => {
  const { name, z } = importFile(fixture('jail.xxx.conf'));
  assert.equal(z.config, { hostname: 'xxx.yyy', 'ip-type': 'exclusive' });
  assert.is(z.zonepath, '/vm/xxx');
  assert.is(z.root, '/vm/xxx');
  assert.equal(
    z.native.map((p) => p.name),
    ['path', 'exec.system_user', 'exec.jail_user', 'vnet.interface', 'exec.prestart', 'exec.prestop', 'exec.poststop', 'exec.stop', 'exec.consolelog'],
  );
  const out = roundTrip(name, z);
  const jail = parseJailConf(out.text, 'x')[0]?.params ?? [];
  const get = (n: string): JailParam['value'] | undefined => jail.find((p) => p.name === n)?.value;
  assert.equal(get('path'), ['/vm/xxx']);
  assert.equal(get('vnet.interface'), ['ng0_xxx']);
  assert.equal(get('exec.prestart'), ['jng bridge xxx em0']);
  assert.equal(get('exec.start'), ['/bin/sh /etc/rc']);
  assert.is(out.fstab, '');
});

test('the jail.conf(5) example jails: an address list keeps all its addresses, path=/ stays /', () => {
  for (const j of parseJailConf(fixture('jail.conf.5-examples.conf'), 'ex.conf')) {
    const z = jailToZone(j.name, j.params);
    roundTrip(j.name, z);
    if (j.name === 'foo') {
      assert.equal(z.config, { hostname: 'foo.com', 'ip-type': 'shared', 'net-address': '10.1.1.1' });
      assert.equal(
        z.native.find((p) => p.name === 'ip4.addr'),
        { name: 'ip4.addr', value: ['10.1.1.1', '10.1.1.2', '10.1.1.3'] },
      );
      assert.equal(
        z.native.find((p) => p.name === 'path'),
        { name: 'path', value: ['/var/jail/foo'] },
      );
    } else {
      // No devfs_ruleset and no mount.devfs: the kernel's 0, kept so export adds nothing.
      assert.equal(z.native, [
        { name: 'exec.start', value: [''] },
        { name: 'exec.stop', value: [''] },
        { name: 'mount.devfs', value: false },
        { name: 'path', value: ['/'] },
        { name: 'persist', value: true },
        { name: 'devfs_ruleset', value: ['0'] },
      ]);
    }
  }
});

test('ip4.addr forms: IF|A.B.C.D/LEN gives interface, address and subnet; others stay native', () => {
  assert.equal(parseIp4Alias('em0|10.1.2.3/24'), { iface: 'em0', address: '10.1.2.3', prefix: 24 });
  assert.equal(parseIp4Alias('10.1.2.3'), { address: '10.1.2.3' });
  assert.is(parseIp4Alias('10.1.2.300'), undefined);
  assert.is(parseIp4Alias('em0|10.0.0.5/24 vhid 1 pass x'), undefined);
  assert.is(parseIp4Alias('::1'), undefined);
  const { z } = importFile('j { path = /j/root; ip4.addr = "vtnet0|10.1.2.3/24"; }');
  assert.equal(z.config, { 'ip-type': 'shared', 'net-address': '10.1.2.3', 'net-interface': 'vtnet0', 'net-subnet': '10.1.2.0/24' });
  // /32 is no net-subnet zonectl takes: the alias is kept as written.
  const host = importFile('j { path = /j/root; ip4.addr = "lo1|10.1.2.3/32"; }').z;
  assert.equal(host.config, { 'ip-type': 'shared', 'net-address': '10.1.2.3', 'net-interface': 'lo1' });
  assert.equal(
    host.native.find((p) => p.name === 'ip4.addr'),
    { name: 'ip4.addr', value: ['lo1|10.1.2.3/32'] },
  );
});

test("a mount.fstab that cannot be read stays the jail's, and so do its mount lines", () => {
  const text = 'j {\n path = /jails/j/root;\n mount = "/srv /jails/j/root/srv nullfs rw 0 0";\n mount.fstab = /elsewhere/j.fstab;\n linux = new;\n}\n';
  const { name, z } = importFile(text);
  assert.equal(z.fs, []);
  assert.equal(z.native.slice(0, 2), [
    { name: 'mount', value: ['/srv /jails/j/root/srv nullfs rw 0 0'] },
    { name: 'mount.fstab', value: ['/elsewhere/j.fstab'] },
  ]);
  const out = roundTrip(name, z);
  assert.is(out.fstab, '', 'no Linux set of ours next to its own fstab');
  const e = throwsZoneError(() => zoneToJailParams({ ...asRecord(name, z), fs: [{ dir: '/x', special: '/x' }] }, LX, jailPaths(name)), 'invalid-config');
  assert.match(e.message, /keeps its own mount\.fstab/);
});

test('a jail without an absolute path cannot be a zone', () => {
  const e = throwsZoneError(() => importFile('j { persist; }'), 'invalid-config');
  assert.match(e.message, /jail "j" has no absolute path/);
});

// ---- export of zones made here ----

test('an exclusive-IP zone: vnet, an epair made in exec.prestart, joined to the bridge, addressed inside', () => {
  const { host, jail } = epairNames('web');
  assert.equal([host, jail], ['zcwebbr81a', 'zcwebbr81b']);
  const record = zone('web', { 'ip-type': 'exclusive', 'net-address': '10.88.0.5', 'net-gateway': '10.88.0.1' }, { fs: [{ dir: '/data', special: '/tank/data', options: ['ro'] }] });
  const gen = zoneToJailParams(record, NATIVE, jailPaths('web'));
  assert.equal(gen.params, [
    { name: 'path', value: ['/usr/local/jails/web/root'] },
    { name: 'host.hostname', value: ['web'] },
    { name: 'exec.start', value: ['/sbin/ifconfig zcwebbr81b inet 10.88.0.5/16 up', '/sbin/route add default 10.88.0.1', '/bin/sh /etc/rc'] },
    { name: 'exec.stop', value: ['/bin/sh /etc/rc.shutdown'] },
    { name: 'exec.clean', value: true },
    { name: 'mount.devfs', value: true },
    { name: 'devfs_ruleset', value: ['4'] },
    { name: 'enforce_statfs', value: ['2'] },
    { name: 'vnet', value: true },
    { name: 'vnet.interface', value: ['zcwebbr81b'] },
    {
      name: 'exec.prestart',
      value: [
        'if ifconfig zcwebbr81a >/dev/null 2>&1; then ifconfig zcwebbr81a destroy; fi',
        // A rename lost to a concurrent boot destroys the stray bridge and uses theirs.
        'ifconfig zonectl0 >/dev/null 2>&1 || { b=$(ifconfig bridge create) && { ifconfig "$b" up name zonectl0 || { ifconfig "$b" destroy; ifconfig zonectl0 >/dev/null 2>&1; }; }; }',
        'e=$(ifconfig epair create) && ifconfig "$e" up name zcwebbr81a && ifconfig "${e%a}b" up name zcwebbr81b',
        'ifconfig zonectl0 addm zcwebbr81a',
      ],
    },
    // Idempotent: a pair already gone does not fail the stop.
    { name: 'exec.poststop', value: ['if ifconfig zcwebbr81a >/dev/null 2>&1; then ifconfig zcwebbr81a destroy; fi'] },
    { name: 'mount.fstab', value: ['/etc/jail.conf.d/web.fstab'] },
  ]);
  assert.is(gen.fstab, '/tank/data\t/usr/local/jails/web/root/data\tnullfs\tro\t0\t0\n');
  // The $ of the shell commands is escaped in the file, so jail(8) passes it to sh.
  const text = formatJailBlock('web', gen.params);
  assert.match(text, /"e=\\\$\(ifconfig epair create\) && ifconfig \\"\\\$e\\" up name zcwebbr81a && ifconfig \\"\\\$\{e%a\}b\\" up name zcwebbr81b"/);
  assert.equal(parseJailConf(text, 'web.conf')[0]?.params, gen.params);
});

test('epair names: at most 15 characters, the same every time, different for names sharing a prefix', () => {
  const long = ['a-very-long-zone-name_01', 'a-very-long-zone-name_02', 'x'.repeat(64)];
  for (const n of long) {
    const e = epairNames(n);
    assert.ok(e.host.length <= 15 && e.jail.length <= 15, `${e.host} ${e.jail}`);
    assert.equal(epairNames(n), e);
  }
  assert.is.not(epairNames(long[0] as string).host, epairNames(long[1] as string).host);
  assert.is.not(epairNames('web').host, epairNames('WEB').host);
});

test('an lx zone: linux=new, linux.osrelease by illumos rules (2.6 = 2.6.18), the Linux mount set, /bin/true and persist', () => {
  const record = zone('deb', { 'ip-type': 'shared', 'net-address': '192.0.2.10', 'net-interface': 'em0', 'net-subnet': '192.0.2.0/24', 'kernel-version': '2.6' }, { brand: 'lx' });
  const gen = zoneToJailParams(record, LX, jailPaths('deb'));
  assert.equal(gen.params, [
    { name: 'path', value: ['/usr/local/jails/deb/root'] },
    { name: 'host.hostname', value: ['deb'] },
    { name: 'exec.start', value: ['/bin/true'] },
    { name: 'exec.stop', value: ['/bin/true'] },
    { name: 'persist', value: true },
    { name: 'devfs_ruleset', value: ['5140'] },
    { name: 'enforce_statfs', value: ['1'] },
    { name: 'allow.mount', value: true },
    { name: 'allow.mount.devfs', value: true },
    { name: 'linux', value: ['new'] },
    { name: 'linux.osrelease', value: ['2.6.18'] },
    { name: 'ip4.addr', value: ['em0|192.0.2.10/24'] },
    { name: 'mount.fstab', value: ['/etc/jail.conf.d/deb.fstab'] },
  ]);
  const root = '/usr/local/jails/deb/root';
  assert.is(
    gen.fstab,
    [
      // zonectl's ruleset: devfsrules_jail plus /dev/shm (4 hides it: the tmpfs could not mount).
      `devfs\t${root}/dev\tdevfs\trw,ruleset=5140\t0\t0`,
      `tmpfs\t${root}/dev/shm\ttmpfs\trw,size=1g,mode=1777\t0\t0`,
      `fdescfs\t${root}/dev/fd\tfdescfs\trw,linrdlnk\t0\t0`,
      `linprocfs\t${root}/proc\tlinprocfs\trw\t0\t0`,
      `linsysfs\t${root}/sys\tlinsysfs\trw\t0\t0`,
      '',
    ].join('\n'),
  );
  // An lx vnet zone is addressed from the host: a Linux userland has no FreeBSD ifconfig.
  const vnet = zoneToJailParams({ ...record, config: { 'net-address': '10.88.0.7', 'net-gateway': '10.88.0.1' } }, LX, jailPaths('deb'));
  const { jail } = epairNames('deb');
  // Its loopback too: no Linux rc brings lo0 up.
  assert.equal(
    vnet.params.find((p) => p.name === 'exec.poststart'),
    {
      name: 'exec.poststart',
      value: ['ifconfig -j deb lo0 inet 127.0.0.1/8 up', `ifconfig -j deb ${jail} inet 10.88.0.7/16 up`, 'route -j deb add default 10.88.0.1'],
    },
  );
  const bare = zoneToJailParams({ ...record, config: {} }, LX, jailPaths('deb'));
  assert.equal(
    bare.params.find((p) => p.name === 'exec.poststart'),
    { name: 'exec.poststart', value: ['ifconfig -j deb lo0 inet 127.0.0.1/8 up'] },
  );
});

test("native.jail parameters come last and replace zonectl's of the same name, 'no' spellings included", () => {
  const record = zone(
    'web',
    { 'ip-type': 'shared' },
    {
      native: {
        jail: [
          { name: 'allow.raw_sockets', value: true },
          { name: 'mount.devfs', value: false },
          { name: 'exec.start', value: ['/usr/local/bin/app'] },
        ],
      },
    },
  );
  const names = zoneToJailParams(record, NATIVE, jailPaths('web')).params.map((p) => `${p.name}=${JSON.stringify(p.value)}`);
  assert.equal(names, [
    'path=["/usr/local/jails/web/root"]',
    'host.hostname=["web"]',
    'exec.stop=["/bin/sh /etc/rc.shutdown"]',
    'exec.clean=true',
    'devfs_ruleset=["4"]',
    'enforce_statfs=["2"]',
    'allow.raw_sockets=true',
    'mount.devfs=false',
    'exec.start=["/usr/local/bin/app"]',
  ]);
});

test('refused configs: net-address auto, an fs dir outside the root, a brand without FreeBSD, shell words', () => {
  const hand = throwsZoneError(() => zoneToJailParams(zone('web', { 'net-bridge': 'br0;reboot' }), NATIVE, jailPaths('web')), 'invalid-config');
  assert.is(hand.message, 'zone "web": net-bridge "br0;reboot" cannot go into a jail\'s network commands');
  const auto = throwsZoneError(() => zoneToJailParams(zone('web', { 'net-address': 'auto' }), NATIVE, jailPaths('web')), 'invalid-config');
  assert.match(auto.message, /net-address auto is not available on FreeBSD hosts/);
  const up = throwsZoneError(() => zoneToJailParams(zone('web', { 'ip-type': 'shared' }, { fs: [{ dir: '/../etc', special: '/x' }] }), NATIVE, jailPaths('web')), 'invalid-config');
  assert.match(up.message, /^fs \/\.\.\/etc: dir must be a normalized absolute path/);
  const blank = throwsZoneError(() => zoneToJailParams(zone('web', { 'ip-type': 'shared' }, { fs: [{ dir: '/a', special: '/my data' }] }), NATIVE, jailPaths('web')), 'invalid-config');
  assert.match(blank.message, /holds a blank/);
  throwsZoneError(() => zoneToJailParams(zone('web', {}), { name: 'sparse', hosts: { linux: { backend: 'oci' } } }, jailPaths('web')), 'refused');
});

// ---- jls and rctl ----

test('jls --libxo json: -v captures, a nameless jail (name = jid), -n string jids, named params, none at all', () => {
  const v = parseJlsJson(fixture('jls-v.json'));
  assert.equal([...v.keys()], ['git7', 'sto2', 'git6']);
  assert.equal(v.get('sto2'), { jid: 105, name: 'sto2', path: '/usr/local/bastille/jails/sto2/root', hostname: 'sto2', state: 'ACTIVE' });
  assert.equal(parseJlsJson(fixture('jls-kleene-v.json')).get('83'), { jid: 83, name: '83', path: '/zroot/kleene_basejail', hostname: '', state: 'ACTIVE' });
  assert.equal(parseJlsJson(fixture('jls-n.json')).get('goodiesdb'), { jid: 1, name: 'goodiesdb', path: '/usr/local/jails/containers/goodiesdb', hostname: 'goodiesdb', state: 'ACTIVE' });
  assert.is(parseJlsJson(fixture('jls-params.json')).size, 0, 'no jid, no jail');
  assert.is(parseJlsJson(fixture('jls-empty.json')).size, 0);
  const dying = parseJlsJson('{"__version": "2", "jail-information": {"jail": [{"jid":7,"name":"old","state":"DYING","extra":{"x":1}}, {"jid":"8","name":"n","dying":true}]}}');
  assert.equal(
    [...dying.values()].map((j) => j.state),
    ['DYING', 'DYING'],
  );
  const e = throwsZoneError(() => parseJlsJson('jls: unknown parameter: x'), 'runtime');
  assertOneLine(e.message);
});

test('rctl -hu and -u: human units are powers of 1024; memoryuse, maxproc and cputime become the usage', () => {
  assert.equal(parseRctlUsage(fixture('rctl-hu.txt')), { memoryBytes: 4040 * 1024, processes: 1, cpuSeconds: 21 });
  assert.equal(parseRctlUsage('cputime=1.5K memoryuse=1.2M maxproc=3'), { memoryBytes: Math.round(1.2 * 2 ** 20), processes: 3, cpuSeconds: 1536 });
  assert.equal(parseRctlUsage('cputime=5\nmemoryuse=4136960\nmaxproc=12\n'), { memoryBytes: 4136960, processes: 12, cpuSeconds: 5 });
  assert.equal(rctlRules(zone('web', { 'capped-memory': '512M', 'max-processes': '200', 'capped-cpu': '1.5' })), [
    'jail:web:memoryuse:deny=536870912',
    'jail:web:maxproc:deny=200',
    'jail:web:pcpu:deny=150',
  ]);
});

test('MANIFEST: column 2 of the base.txz line', () => {
  assert.is(manifestSha256(fixture('MANIFEST'), 'base.txz'), 'a3c5e1b2d4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90');
  assert.is(manifestSha256(fixture('MANIFEST'), 'src.txz'), undefined);
});

// ---- the backend against a scripted host ----

function backend(steps: Step[]): { b: FreeBsdBackend; ex: ScriptedExecutor } {
  const ex = new ScriptedExecutor(steps);
  return { b: new FreeBsdBackend(ex, HOST), ex };
}

const WEB_CONF = [
  '# zonectl zone web (brand native): rewritten at every zonectl configure.',
  'web {',
  '\tpath = /usr/local/jails/web/root;',
  '\thost.hostname = web.example.org;',
  '\texec.start = "/bin/sh /etc/rc";',
  '\texec.stop = "/bin/sh /etc/rc.shutdown";',
  '\texec.clean;',
  '\tmount.devfs;',
  '\tdevfs_ruleset = 4;',
  '\tenforce_statfs = 2;',
  '\tip4.addr = em0|192.0.2.5/24;',
  '}',
  '',
].join('\n');

const web = zone('web', { hostname: 'web.example.org', 'ip-type': 'shared', 'net-address': '192.0.2.5', 'net-interface': 'em0', 'net-subnet': '192.0.2.0/24' });
const capped = { ...web, config: { ...web.config, 'capped-memory': '512M', 'max-processes': '200', 'capped-cpu': '1.5' } };

test('configure writes the fstab (or removes a stale one) and the jail file through one fixed command', async () => {
  const { b, ex } = backend([{ argv: ['rm', '-f', '/etc/jail.conf.d/web.fstab'] }, { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/web.conf'], input: WEB_CONF }]);
  await b.configure(web, NATIVE);
  ex.done();
  const withFs = { ...web, fs: [{ dir: '/srv', special: '/tank/srv' }] };
  const s2 = backend([
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/web.fstab'], input: '/tank/srv\t/usr/local/jails/web/root/srv\tnullfs\trw\t0\t0\n' },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/web.conf'], input: (text) => assert.match(text, /\n\tmount\.fstab = \/etc\/jail\.conf\.d\/web\.fstab;\n\}\n$/) },
  ]);
  await s2.b.configure(withFs, NATIVE);
  s2.ex.done();
  await s2.b.unconfigure(withFs).catch(() => undefined);
});

test('configure refuses a dotted zone name (jail(8) would read a parent jail) before touching the host', async () => {
  const { b, ex } = backend([]);
  const e = await rejectsZoneError(b.configure(zone('web.1', { 'ip-type': 'shared' }), NATIVE), 'invalid-name');
  assert.match(e.message, /jail\(8\) reads a dot in a name as parent\.child/);
  ex.done();
});

test('unconfigure removes both files, and an exclusive-IP zone the host end of an epair a failed start left', async () => {
  const { b, ex } = backend([{ argv: ['rm', '-f', '/etc/jail.conf.d/web.conf', '/etc/jail.conf.d/web.fstab'] }]);
  await b.unconfigure(web);
  ex.done();
  const vnet = backend([{ argv: ['rm', '-f', '/etc/jail.conf.d/web.conf', '/etc/jail.conf.d/web.fstab'] }, { argv: ['sh', '-c', DESTROY_IF_SCRIPT, 'sh', 'zcwebbr81a'] }]);
  await vnet.b.unconfigure(zone('web', { 'ip-type': 'exclusive' }));
  vnet.ex.done();
});

const RUN_CONF = '/var/run/zonectl/web.conf';
const FROZEN_WEB = WEB_CONF.replace(' (brand native): rewritten at every zonectl configure.', ': the copy it was booted with (jail -r removes it with this).').replace(
  '\texec.stop = "/bin/sh /etc/rc.shutdown";\n',
  '',
);
/** Boot's frozen copy of a zone without fs: no fstab, the conf without exec.stop. */
const FREEZE_WEB: Step[] = [{ argv: ['rm', '-f', '/var/run/zonectl/web.fstab'] }, { argv: ['sh', '-c', WRITE, 'sh', RUN_CONF], input: FROZEN_WEB }];

test('boot with caps: RACCT checked, the frozen copy written, one rctl rule per cap, then jail -c from the copy', async () => {
  const { b, ex } = backend([
    { argv: ['sysctl', '-n', 'kern.racct.enable'], stdout: '1\n' },
    ...FREEZE_WEB,
    { argv: ['rctl', '-a', 'jail:web:memoryuse:deny=536870912'] },
    { argv: ['rctl', '-a', 'jail:web:maxproc:deny=200'] },
    { argv: ['rctl', '-a', 'jail:web:pcpu:deny=150'] },
    { argv: ['jail', '-f', RUN_CONF, '-c', 'web'], stdout: 'web: created\n' },
  ]);
  await b.boot(capped, NATIVE);
  ex.done();
});

test('boot with caps on a host without RACCT is refused before anything starts', async () => {
  const { b, ex } = backend([{ argv: ['sysctl', '-n', 'kern.racct.enable'], stdout: '0\n' }]);
  const e = await rejectsZoneError(b.boot(capped, NATIVE), 'host-missing');
  assert.is(e.message, 'zone "web" has capped-memory, max-processes, capped-cpu, which rctl enforces, and on ssh://root@test-host kern.racct.enable is 0');
  assert.is(e.hint, 'add kern.racct.enable=1 to /boot/loader.conf and reboot the host');
  ex.done();
  const none = backend([{ argv: ['sysctl', '-n', 'kern.racct.enable'], code: 1, stderr: "sysctl: unknown oid 'kern.racct.enable'\n" }]);
  const e2 = await rejectsZoneError(none.b.boot(capped, NATIVE), 'host-missing');
  assert.match(e2.message, /its kernel has no RACCT/);
  none.ex.done();
});

const DEVFS_STEP = { argv: ['sh', '-c', DEVFS_SCRIPT, 'sh', '5140', '100 include 4\n200 path shm unhide\n300 path shm/* unhide'] };

test('a Linux jail is refused without linux64elf; with it, devfs ruleset 5140 is loaded before jail -c', async () => {
  const deb = zone('deb', { 'ip-type': 'shared' }, { brand: 'lx' });
  const { b, ex } = backend([{ argv: ['kldstat', '-q', '-m', 'linux64elf'], code: 1 }]);
  const e = await rejectsZoneError(b.boot(deb, LX), 'host-missing');
  assert.is(e.message, 'zone "deb" is a Linux jail and ssh://root@test-host has not loaded the Linuxulator (kernel module linux64elf)');
  assert.is(e.hint, 'kldload linux64, or sysrc linux_enable=YES && service linux start');
  ex.done();
  const ok = backend([
    { argv: ['kldstat', '-q', '-m', 'linux64elf'] },
    DEVFS_STEP,
    { argv: ['sh', '-c', WRITE, 'sh', '/var/run/zonectl/deb.fstab'], input: (t) => assert.match(t, /^devfs\t\/usr\/local\/jails\/deb\/root\/dev\tdevfs\trw,ruleset=5140\t0\t0\ntmpfs\t/) },
    {
      argv: ['sh', '-c', WRITE, 'sh', '/var/run/zonectl/deb.conf'],
      input: (t) => assert.match(t, /\n\tdevfs_ruleset = 5140;\n[\s\S]*\n\tmount\.fstab = \/var\/run\/zonectl\/deb\.fstab;\n\}\n$/),
    },
    { argv: ['jail', '-f', '/var/run/zonectl/deb.conf', '-c', 'deb'], stdout: 'deb: created\n' },
  ]);
  await ok.b.boot(deb, LX);
  ok.ex.done();
  // Someone else's rules in 5140: refused in one line, nothing started.
  const taken = backend([{ argv: ['kldstat', '-q', '-m', 'linux64elf'] }, { ...DEVFS_STEP, code: 3, stderr: 'devfs ruleset 5140 holds rules zonectl did not add\n' }]);
  const e3 = await rejectsZoneError(taken.b.boot(deb, LX), 'refused');
  assertOneLine(e3.message);
  assert.match(e3.message, /^zone "deb": devfs ruleset 5140 \(zonectl's for Linux zones\) cannot be loaded on ssh:\/\/root@test-host: devfs ruleset 5140 holds rules zonectl did not add$/);
  taken.ex.done();
});

test('the devfs script adds only missing rules, never deletes, and refuses foreign ones (run on a stand-in devfs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-devfs-'));
  try {
    // A devfs(8) stand-in keeping one ruleset's "show" lines in a file; add refuses a taken number.
    writeFileSync(
      join(dir, 'devfs'),
      '#!/bin/sh\nf="$DEVFS_STATE"; shift 3\ncase "$1" in show) cat "$f";; add) shift; n=$1; shift; grep -q "^$n " "$f" && exit 1; echo "$n $*" >> "$f"; sort -n -o "$f" "$f";; esac\n',
      { mode: 0o755 },
    );
    const state = join(dir, 'rules');
    const run = (): number => spawnSync('/bin/sh', DEVFS_STEP.argv.slice(1), { env: { PATH: `${dir}:/usr/bin:/bin`, DEVFS_STATE: state }, cwd: dir }).status ?? -1;
    // A shm/a in the working directory: "shm/*" must reach devfs unexpanded.
    spawnSync('mkdir', [join(dir, 'shm')]);
    writeFileSync(join(dir, 'shm', 'a'), '');
    writeFileSync(state, '200 path shm unhide\n');
    assert.is(run(), 0);
    assert.is(readFileSync(state, 'utf8'), '100 include 4\n200 path shm unhide\n300 path shm/* unhide\n');
    assert.is(run(), 0);
    assert.is(readFileSync(state, 'utf8'), '100 include 4\n200 path shm unhide\n300 path shm/* unhide\n');
    writeFileSync(state, '100 path bpf* unhide\n');
    assert.is(run(), 3);
    assert.is(readFileSync(state, 'utf8'), '100 path bpf* unhide\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const withFs = { ...web, fs: [{ dir: '/srv/data', special: '/tank/srv' }] };

test('boot makes the fs mount points under the root first; a symbolic link on the way is refused in one line', async () => {
  const { b, ex } = backend([
    { argv: ['sh', '-c', MOUNTPOINTS_SCRIPT, 'sh', '/usr/local/jails/web/root', '/srv/data'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/var/run/zonectl/web.fstab'], input: '/tank/srv\t/usr/local/jails/web/root/srv/data\tnullfs\trw\t0\t0\n' },
    { argv: ['sh', '-c', WRITE, 'sh', RUN_CONF], input: (t) => assert.match(t, /\n\tmount\.fstab = \/var\/run\/zonectl\/web\.fstab;\n\}\n$/) },
    { argv: ['jail', '-f', RUN_CONF, '-c', 'web'] },
  ]);
  await b.boot(withFs, NATIVE);
  ex.done();
  const link = backend([{ argv: ['sh', '-c', MOUNTPOINTS_SCRIPT, 'sh', '/usr/local/jails/web/root', '/srv/data'], code: 3, stderr: '/usr/local/jails/web/root/srv is a symbolic link\n' }]);
  const e = await rejectsZoneError(link.b.boot(withFs, NATIVE), 'refused');
  assertOneLine(e.message);
  assert.is(e.message, 'zone "web": cannot make its fs mount points on ssh://root@test-host: /usr/local/jails/web/root/srv is a symbolic link');
  link.ex.done();
});

test('the mount point script makes each component, and stops at a symbolic link without following it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-mp-'));
  try {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    spawnSync('mkdir', ['-p', root, outside]);
    const ok = spawnSync('/bin/sh', ['-c', MOUNTPOINTS_SCRIPT, 'sh', root, '/srv/data', '/opt']);
    assert.is(ok.status, 0);
    assert.ok(spawnSync('test', ['-d', join(root, 'srv/data')]).status === 0 && spawnSync('test', ['-d', join(root, 'opt')]).status === 0);
    spawnSync('ln', ['-s', outside, join(root, 'evil')]);
    const bad = spawnSync('/bin/sh', ['-c', MOUNTPOINTS_SCRIPT, 'sh', root, '/evil/x'], { encoding: 'utf8' });
    assert.is(bad.status, 3);
    assert.is(bad.stderr, `${root}/evil is a symbolic link\n`);
    assert.is(spawnSync('test', ['-e', join(outside, 'x')]).status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed jail -c of a vnet zone removes the rules it added and the epair jail(8) leaves', async () => {
  const vz = zone('web', { 'ip-type': 'exclusive', 'capped-memory': '512M' });
  const { b, ex } = backend([
    { argv: ['sysctl', '-n', 'kern.racct.enable'], stdout: '1\n' },
    { argv: ['rm', '-f', '/var/run/zonectl/web.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', RUN_CONF], input: (t) => assert.match(t, /\n\tvnet;\n/) },
    { argv: ['rctl', '-a', 'jail:web:memoryuse:deny=536870912'] },
    { argv: ['jail', '-f', RUN_CONF, '-c', 'web'], code: 1, stderr: 'jail: web: exec.start: /bin/sh: not found\n' },
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['sh', '-c', DESTROY_IF_SCRIPT, 'sh', 'zcwebbr81a'] },
  ]);
  const e = await rejectsZoneError(b.boot(vz, NATIVE), 'runtime');
  assert.match(e.message, /^jail -f \/var\/run\/zonectl\/web\.conf -c web failed/);
  ex.done();
});

test('a cap rctl refuses: the rules added go, the jail was never started', async () => {
  const { b, ex } = backend([
    { argv: ['sysctl', '-n', 'kern.racct.enable'], stdout: '1\n' },
    ...FREEZE_WEB,
    { argv: ['rctl', '-a', 'jail:web:memoryuse:deny=536870912'] },
    { argv: ['rctl', '-a', 'jail:web:maxproc:deny=200'], code: 1, stderr: "rctl: failed to add rule 'jail:web:maxproc:deny=200': Invalid argument\n" },
    { argv: ['rctl', '-r', 'jail:web'] },
  ]);
  const e = await rejectsZoneError(b.boot(capped, NATIVE), 'runtime');
  assert.is(e.message, "rctl -a jail:web:maxproc:deny=200 failed on ssh://root@test-host: rctl: failed to add rule 'jail:web:maxproc:deny=200': Invalid argument");
  ex.done();
});

test('halt: the rules go first, then jail -r with the frozen copy (the configured file without one); gone is fine', async () => {
  const { b, ex } = backend([
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['test', '-e', RUN_CONF] },
    { argv: ['jail', '-f', RUN_CONF, '-r', 'web'], stdout: 'web: removed\n' },
    { argv: ['rctl', '-r', 'jail:web'], code: 1, stderr: "rctl: failed to remove rule 'jail:web': No such process\n" },
    { argv: ['test', '-e', RUN_CONF], code: 1 },
    { argv: ['jail', '-f', '/etc/jail.conf.d/web.conf', '-r', 'web'], code: 1, stderr: 'jail: "web" not found\n' },
  ]);
  await b.halt(capped);
  await b.halt(capped);
  ex.done();
  const bad = backend([
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['test', '-e', RUN_CONF] },
    { argv: ['jail', '-f', RUN_CONF, '-r', 'web'], code: 1, stderr: 'jail: web: umount /usr/local/jails/web/root/dev: Device busy\n' },
  ]);
  const e = await rejectsZoneError(bad.b.halt(web), 'runtime');
  assert.is(e.message, 'jail -r web failed on ssh://root@test-host: jail: web: umount /usr/local/jails/web/root/dev: Device busy');
  bad.ex.done();
});

test('configure of a running zone rewrites only /etc/jail.conf.d: halt still removes it with the frozen copy', async () => {
  const { b, ex } = backend([
    ...FREEZE_WEB,
    { argv: ['jail', '-f', RUN_CONF, '-c', 'web'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/web.fstab'], input: '/tank/srv\t/usr/local/jails/web/root/srv/data\tnullfs\trw\t0\t0\n' },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/web.conf'], input: (t) => assert.match(t, /mount\.fstab = \/etc\/jail\.conf\.d\/web\.fstab;/) },
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['test', '-e', RUN_CONF] },
    { argv: ['jail', '-f', RUN_CONF, '-r', 'web'] },
  ]);
  await b.boot(web, NATIVE);
  await b.configure(withFs, NATIVE);
  await b.halt(withFs);
  ex.done();
});

test('shutdown: rules off, exec.stop inside under timeout(1), then jail -r untimed; a stop not done in time is false', async () => {
  const stop = timedStopArgv('web', 30, '/bin/sh /etc/rc.shutdown');
  assert.equal(stop, ['timeout', '30', 'jexec', '-l', 'web', '/bin/sh', '-c', '/bin/sh /etc/rc.shutdown']);
  const { b, ex } = backend([
    { argv: ['cat', '/etc/jail.conf.d/web.conf'], stdout: WEB_CONF },
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: stop },
    { argv: ['test', '-e', RUN_CONF] },
    { argv: ['jail', '-f', RUN_CONF, '-r', 'web'], stdout: 'web: removed\n' },
    { argv: ['cat', '/etc/jail.conf.d/web.conf'], stdout: WEB_CONF },
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: timedStopArgv('web', 1, '/bin/sh /etc/rc.shutdown'), code: 124 },
  ]);
  assert.is(await b.shutdown(web, 30_000), true);
  assert.is(await b.shutdown(web, 10), false);
  ex.done();
});

test('states: every jail jls knows, by name; a dying one is shutting down', async () => {
  const { b, ex } = backend([
    { argv: ['jls', '--libxo', 'json', '-d', '-v'], stdout: fixture('jls-v.json') },
    {
      argv: ['jls', '--libxo', 'json', '-d', '-v'],
      stdout:
        '{"__version": "2", "jail-information": {"jail": [{"jid":9,"hostname":"web","path":"/usr/local/jails/web/root","name":"web","state":"DYING","cpusetid":6, "ipv4_addrs": [], "ipv6_addrs": []}]}}\n',
    },
  ]);
  assert.equal(
    [...(await b.states()).entries()],
    [
      ['git7', 'running'],
      ['sto2', 'running'],
      ['git6', 'running'],
    ],
  );
  assert.equal([...(await b.states()).entries()], [['web', 'shutting_down']]);
  ex.done();
});

test('usage from rctl -u; none when jls has no such jail (rctl -u of an absent jail prints zeros, it does not fail)', async () => {
  const { b, ex } = backend([
    { argv: ['jls', '-j', 'web', 'jid'], stdout: '3\n' },
    { argv: ['rctl', '-u', 'jail:web'], stdout: 'cputime=21\ndatasize=69632\nmemoryuse=4136960\nmaxproc=1\n' },
    { argv: ['jls', '-j', 'web', 'jid'], code: 1, stderr: 'jls: jail "web" not found\n' },
  ]);
  assert.equal(await b.usage(web), { memoryBytes: 4136960, processes: 1, cpuSeconds: 21 });
  assert.is(await b.usage(web), undefined);
  ex.done();
});

test('exec and login enter with jexec -l; a jail has no console', async () => {
  const { b, ex } = backend([
    { argv: ['jexec', '-l', 'web', 'uname', '-a'], attach: true, tty: false, code: 0 },
    { argv: ['jexec', '-l', 'web', 'login', '-f', 'root'], attach: true, tty: true, code: 3 },
  ]);
  assert.is(await b.exec(web, ['uname', '-a'], false), 0);
  assert.is(await b.login(web), 3);
  const e = await rejectsZoneError(b.console(web), 'refused');
  assert.is(e.hint, 'zonectl login web enters it with a login shell');
  await rejectsZoneError(b.ready(web), 'refused');
  ex.done();
});

const REL = 'https://download.freebsd.org/releases/amd64/amd64/14.1-RELEASE';
const BASE_SHA = 'a3c5e1b2d4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
// fetch(1) off a terminal (stat_start/stat_end in usr.bin/fetch/fetch.c): the file
// name padded to 46 columns, then a statistics line at each SIGINFO and at the end.
const FETCH_STDERR = `${'/usr/local/jails/web/base.txz'.padEnd(46)}          51 MB 9857 kBps    13s\n` + '         102 MB 9901 kBps    08s\n' + '         185 MB 9854 kBps    19s\n';
const releaseStart: Step[] = [
  { argv: ['uname', '-p'], stdout: 'amd64\n' },
  { argv: ['fetch', '-q', '-o', '-', `${REL}/MANIFEST`], stdout: fixture('MANIFEST') },
  { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
  { argv: ['mkdir', '-p', '-m', '0700', '/usr/local/jails/web'] },
  { argv: ['mkdir', '-m', '0755', '/usr/local/jails/web/root'] },
  { argv: ['sh', '-c', FETCH_SCRIPT, 'sh', '/usr/local/jails/web/base.txz', `${REL}/base.txz`], stderr: FETCH_STDERR },
];

test("install of the host's release: MANIFEST, base.txz checked by sha256, unpacked into ZONEPATH/root", async () => {
  const { b, ex } = backend([
    ...releaseStart,
    { argv: ['sha256', '-q', '/usr/local/jails/web/base.txz'], stdout: `${BASE_SHA}\n` },
    { argv: ['tar', '-C', '/usr/local/jails/web/root', '-xpf', '/usr/local/jails/web/base.txz'] },
    { argv: ['rm', '-f', '/usr/local/jails/web/base.txz'] },
  ]);
  const lines: string[] = [];
  const u = await b.install(web, NATIVE, {}, (l) => lines.push(l));
  ex.done();
  assert.equal({ ...u, installedAt: '' }, { method: 'source', source: `${REL}/base.txz`, arch: 'x64', installedAt: '' });
  // fetch's statistics arrive as it prints them, between our own phase lines.
  assert.equal(lines, [
    `fetching ${REL}/MANIFEST`,
    `fetching ${REL}/base.txz`,
    'base.txz: 51 MB, 9857 kBps, 13s',
    'base.txz: 102 MB, 9901 kBps, 08s',
    'base.txz: 185 MB, 9854 kBps, 19s',
    'unpacking base.txz into /usr/local/jails/web/root',
  ]);
});

test('fetch lines: statistics under the file name (bytes, ?? Bps before any rate, longer times), anything else as it is', () => {
  assert.is(fetchProgressLine('base.txz', `${'/j/base.txz'.padEnd(46)}        1234  B   ?? Bps    00s`), 'base.txz: 1234 B, ?? Bps, 00s');
  assert.is(fetchProgressLine('base.txz', '        9999 kB  512 kBps 01m40s'), 'base.txz: 9999 kB, 512 kBps, 01m40s');
  assert.is(fetchProgressLine('x.tar', 'fetch: https://h/x.tar: size of remote file is not known'), 'fetch: https://h/x.tar: size of remote file is not known');
  assert.is(fetchProgressLine('x.tar', '   '), undefined);
  assert.is(fetchProgressLine('x.tar', 'odd \u001b[2Jname'), 'odd \\u001b[2Jname');
});

test('a source URL is fetched in the background with SIGINFO for statistics; tar complaints arrive as they come and fail in one line', async () => {
  const src = 'https://example.org/rootfs/alpine-minirootfs.tar.gz';
  const dl = '/usr/local/jails/web/source.download';
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mkdir', '-p', '-m', '0700', '/usr/local/jails/web'] },
    { argv: ['mkdir', '-m', '0755', '/usr/local/jails/web/root'] },
    { argv: ['sh', '-c', FETCH_SCRIPT, 'sh', dl, src], stderr: `${dl.padEnd(46)}        3280 kB 3280 kBps    01s\n` },
    {
      argv: ['tar', '-C', '/usr/local/jails/web/root', '-xpf', dl],
      code: 1,
      stderr: "./dev/null: Can't create 'dev/null'\n./dev/zero: Can't create 'dev/zero'\ntar: Error exit delayed from previous errors.\n",
    },
    { argv: ['rm', '-f', dl] },
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web/root'] },
    { argv: ['rmdir', '/usr/local/jails/web'] },
  ]);
  const lines: string[] = [];
  const e = await rejectsZoneError(
    b.install(web, NATIVE, { source: src }, (l) => lines.push(l)),
    'runtime',
  );
  assert.is(e.message, `tar -C /usr/local/jails/web/root -xpf ${dl} failed on ssh://root@test-host: ./dev/null: Can't create 'dev/null' (and 1 more)`);
  assert.equal(lines, [
    `fetching ${src}`,
    'alpine-minirootfs.tar.gz: 3280 kB, 3280 kBps, 01s',
    `unpacking ${src} into /usr/local/jails/web/root`,
    "./dev/null: Can't create 'dev/null'",
    "./dev/zero: Can't create 'dev/zero'",
    'tar: Error exit delayed from previous errors.',
  ]);
  ex.done();
});

// The fetch script as a shell runs it (here dash, with a stand-in fetch: Linux has no
// SIGINFO, so only the arguments and the exit status are checked, not the signals).
test('the fetch script passes file and URL to fetch and ends with its status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-fetch-'));
  try {
    writeFileSync(join(dir, 'fetch'), '#!/bin/sh\necho "args: $*" >&2\n[ "$3" = https://h/ok ]\n', { mode: 0o755 });
    const run = (url: string) => spawnSync('sh', ['-c', FETCH_SCRIPT, 'sh', '/z/base.txz', url], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    const ok = run('https://h/ok');
    assert.is(ok.status, 0);
    assert.is(ok.stderr, 'args: -o /z/base.txz https://h/ok\n');
    assert.is(run('https://h/missing').status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a base.txz whose sha256 is not the MANIFEST one is refused, and everything written is removed', async () => {
  const bad = 'ffff' + BASE_SHA.slice(4);
  const { b, ex } = backend([
    ...releaseStart,
    { argv: ['sha256', '-q', '/usr/local/jails/web/base.txz'], stdout: `${bad}\n` },
    { argv: ['rm', '-f', '/usr/local/jails/web/base.txz'] },
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web/root'] },
    { argv: ['rmdir', '/usr/local/jails/web'] },
  ]);
  const e = await rejectsZoneError(
    b.install(web, NATIVE, {}, () => undefined),
    'install-failed',
  );
  assert.is(e.message, `base.txz from ${REL}/base.txz: sha256 ${bad} does not match the MANIFEST's ${BASE_SHA}`);
  assertOneLine(e.message);
  ex.done();
});

test('a release that does not exist fails before anything is made; a bad release name before anything runs', async () => {
  const { b, ex } = backend([
    { argv: ['uname', '-p'], stdout: 'amd64\n' },
    {
      argv: ['fetch', '-q', '-o', '-', 'https://download.freebsd.org/releases/amd64/amd64/9.9-RELEASE/MANIFEST'],
      code: 1,
      stderr: 'fetch: https://download.freebsd.org/releases/amd64/amd64/9.9-RELEASE/MANIFEST: Not Found\n',
    },
  ]);
  const e = await rejectsZoneError(
    b.install(web, NATIVE, { release: '9.9-RELEASE' }, () => undefined),
    'install-failed',
  );
  assert.match(e.message, /^cannot fetch .*9\.9-RELEASE\/MANIFEST on ssh:\/\/root@test-host: fetch: .*Not Found$/);
  ex.done();
  const odd = backend([]);
  await rejectsZoneError(
    odd.b.install(web, NATIVE, { release: '14.1-RELEASE/../../x' }, () => undefined),
    'usage',
  );
  odd.ex.done();
});

test('an lx zone installs from a Linux archive on the host, on a ZFS dataset of its own; a failure destroys it', async () => {
  const deb = zone('deb', { 'ip-type': 'shared' }, { brand: 'lx' });
  const zfs = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/usr\t/usr\n' };
  const { b, ex } = backend([
    zfs,
    { argv: ['zfs', 'create', '-p', 'zroot/jails/deb'] },
    { argv: ['chmod', '0700', '/usr/local/jails/deb'] },
    { argv: ['mkdir', '-m', '0755', '/usr/local/jails/deb/root'] },
    { argv: ['tar', '-C', '/usr/local/jails/deb/root', '-xpf', '/var/tmp/debian-12-rootfs.tar.xz'] },
    zfs,
    { argv: ['zfs', 'create', '-p', 'zroot/jails/deb'] },
    { argv: ['chmod', '0700', '/usr/local/jails/deb'] },
    { argv: ['mkdir', '-m', '0755', '/usr/local/jails/deb/root'] },
    { argv: ['tar', '-C', '/usr/local/jails/deb/root', '-xpf', '/var/tmp/debian-12-rootfs.tar.xz'], code: 1, stderr: 'tar: Error opening archive: Unrecognized archive format\n' },
    { argv: ['zfs', 'destroy', '-r', 'zroot/jails/deb'] },
  ]);
  const u = await b.install(deb, LX, { source: '/var/tmp/debian-12-rootfs.tar.xz' }, () => undefined);
  assert.is(u.source, '/var/tmp/debian-12-rootfs.tar.xz');
  await rejectsZoneError(
    b.install(deb, LX, { source: '/var/tmp/debian-12-rootfs.tar.xz' }, () => undefined),
    'runtime',
  );
  ex.done();
  const none = backend([]);
  const e = await rejectsZoneError(
    none.b.install(deb, LX, {}, () => undefined),
    'usage',
  );
  assert.match(e.hint ?? '', /--source/);
  none.ex.done();
});

test('uninstall removes ZONEPATH/root (flags cleared, not crossing mounts), and refuses while something is mounted there', async () => {
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], code: 1, stderr: 'internal error: failed to initialize ZFS library\n' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\ndevfs\t\t\t/dev\t\tdevfs\trw\t\t0 0\n' },
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web/root'] },
    { argv: ['rmdir', '/usr/local/jails/web'] },
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n/tank/data\t\t/usr/local/jails/web/root/data\tnullfs\tro\t0 0\n' },
  ]);
  await b.uninstall(web);
  const e = await rejectsZoneError(b.uninstall(web), 'refused');
  assert.is(e.message, 'zone "web": /usr/local/jails/web/root/data still mounted in its root; nothing removed');
  ex.done();
});

test('uninstall of a ZFS clone destroys its dataset and the snapshot it came from', async () => {
  const web2 = zone('web2', { 'ip-type': 'shared' });
  const { b, ex } = backend([
    {
      argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'],
      stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\nzroot/jails/web2\t/usr/local/jails/web2\n',
    },
    { argv: ['zfs', 'get', '-H', '-o', 'value', 'origin', 'zroot/jails/web2'], stdout: 'zroot/jails/web@clone-web2\n' },
    { argv: ['zfs', 'destroy', '-r', 'zroot/jails/web2'] },
    { argv: ['zfs', 'destroy', 'zroot/jails/web@clone-web2'] },
  ]);
  await b.uninstall(web2);
  ex.done();
});

// An imported jail whose path does not end in /root: zonepath = that path, kept as a
// native path parameter (the FreeBSD example jail.xxx.conf has path = /vm/xxx).
const xxx = (path: string, zonepath = '/vm/xxx'): ZoneRecord => zone('xxx', { 'ip-type': 'exclusive' }, { zonepath, native: { jail: [{ name: 'path', value: [path] }] } });

test('uninstall of an imported jail whose root is its zonepath removes that whole tree, not ZONEPATH/root (its /root home)', async () => {
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/usr\t/usr\n' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n' },
    { argv: ['chflags', '-R', '0', '/vm/xxx'] },
    { argv: ['rm', '-rfx', '/vm/xxx'] },
  ]);
  await b.uninstall(xxx('/vm/xxx'));
  ex.done();
  // A root further down the zonepath goes, then the zonepath if nothing else is left.
  const deeper = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n' },
    { argv: ['chflags', '-R', '0', '/vm/xxx/fs'] },
    { argv: ['rm', '-rfx', '/vm/xxx/fs'] },
    { argv: ['rmdir', '/vm/xxx'], code: 1, stderr: 'rmdir: /vm/xxx: Directory not empty\n' },
  ]);
  await deeper.b.uninstall(xxx('/vm/xxx/fs'));
  deeper.ex.done();
});

test('uninstall never removes a jail root outside the zonepath: refused while it exists, done once it is gone', async () => {
  const { b, ex } = backend([
    { argv: ['test', '-e', '/srv/shared-base'] },
    { argv: ['test', '-e', '/srv/shared-base'], code: 1 },
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['rmdir', '/vm/xxx'] },
  ]);
  const e = await rejectsZoneError(b.uninstall(xxx('/srv/shared-base')), 'refused');
  assert.is(e.message, 'zone "xxx": its jail\'s root /srv/shared-base (a kept path parameter) is outside its zonepath /vm/xxx; nothing removed');
  assert.is(e.hint, 'remove /srv/shared-base on ssh://root@test-host yourself if nothing else uses it, then uninstall again');
  assertOneLine(e.message);
  await b.uninstall(xxx('/srv/shared-base'));
  ex.done();
});

test('uninstall refuses a jail root that is a top-level directory, and while something is mounted in it', async () => {
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n' },
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: 'devfs\t\t/vm/xxx/dev\tdevfs\trw\t0 0\n' },
  ]);
  const top = await rejectsZoneError(b.uninstall(xxx('/jails', '/jails')), 'refused');
  assert.is(top.message, 'zone "xxx": its jail\'s root is /jails, a top-level directory; nothing removed');
  const busy = await rejectsZoneError(b.uninstall(xxx('/vm/xxx')), 'refused');
  assert.is(busy.message, 'zone "xxx": /vm/xxx/dev still mounted in its root; nothing removed');
  ex.done();
});

test('uninstall of a zone others were cloned from is refused in one line, naming the clones, not forced with -R', async () => {
  const { b, ex } = backend([
    {
      argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'],
      stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\nzroot/jails/web2\t/usr/local/jails/web2\n',
    },
    { argv: ['zfs', 'get', '-H', '-o', 'value', 'origin', 'zroot/jails/web'], stdout: '-\n' },
    {
      argv: ['zfs', 'destroy', '-r', 'zroot/jails/web'],
      code: 1,
      stderr: "cannot destroy 'zroot/jails/web': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\nzroot/jails/web2\n",
    },
  ]);
  const e = await rejectsZoneError(b.uninstall(web), 'refused');
  assert.is(
    e.message,
    "zfs destroy -r zroot/jails/web failed on ssh://root@test-host: cannot destroy 'zroot/jails/web': filesystem has dependent clones; use '-R' to destroy the following datasets: zroot/jails/web2",
  );
  assert.is(e.hint, 'zones were cloned from this one: uninstall them first, or zfs promote their datasets');
  ex.done();
});

test('install and clone refuse a zone that runs from a jail path of its own, before touching the host', async () => {
  const { b, ex } = backend([]);
  const e = await rejectsZoneError(
    b.install(xxx('/vm/xxx'), NATIVE, { source: '/var/tmp/base.txz' }, () => undefined),
    'refused',
  );
  assert.is(e.message, 'zone "xxx" runs from its jail\'s own path /vm/xxx (a kept jail parameter), so install cannot fill /vm/xxx/root');
  assert.is(e.hint, 'export it (zonectl export xxx --format jail.conf), set its path to /vm/xxx/root, then delete the zone and import that file');
  // The clone's record carries the source's native path: it would run on the source's files.
  const target = { ...xxx('/vm/xxx'), name: 'xxx2', zonepath: '/vm/xxx2' };
  const c = await rejectsZoneError(b.clone(xxx('/vm/xxx'), target, NATIVE), 'refused');
  assert.match(c.message, /^zone "xxx" runs from its jail's own path \/vm\/xxx/);
  const t = await rejectsZoneError(b.clone(web, target, NATIVE), 'refused');
  assert.is(t.message, 'zone "xxx2" runs from its jail\'s own path /vm/xxx (a kept jail parameter), so clone cannot fill /vm/xxx2/root');
  ex.done();
});

// The identity steps of a FreeBSD clone's root: its ssh host keys and the hostid and
// machine-id files go (a jail's hostname is its host.hostname, the zone's already).
const FREEBSD_IDENTITY: Step = {
  argv: ['sh', '-c', IDENTITY_SCRIPT, 'sh', '/usr/local/jails/web2/root', 'dir', 'etc/ssh', 'keys', 'etc/ssh', 'remove', 'etc', 'hostid', 'remove', 'etc', 'machine-id'],
};

test('clone: a zfs snapshot and clone on one pool, else a tar copy into a new root; then the clone gets its own identity', async () => {
  const web2 = zone('web2', { 'ip-type': 'shared' });
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\n' },
    { argv: ['zfs', 'snapshot', 'zroot/jails/web@clone-web2'] },
    { argv: ['zfs', 'clone', 'zroot/jails/web@clone-web2', 'zroot/jails/web2'] },
    FREEBSD_IDENTITY,
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mkdir', '-p', '-m', '0700', '/usr/local/jails/web2'] },
    { argv: ['mkdir', '-m', '0755', '/usr/local/jails/web2/root'] },
    { argv: ['sh', '-c', 'tar -C "$1" -cf - . | tar -C "$2" -xpf -', 'sh', '/usr/local/jails/web/root', '/usr/local/jails/web2/root'] },
    FREEBSD_IDENTITY,
  ]);
  await b.clone(web, web2, NATIVE);
  await b.clone(web, web2, NATIVE);
  ex.done();
});

test('clone of a Linux jail: ssh host keys, machine-ids emptied, /etc/hostname only where it names the source', async () => {
  const deb = zone('deb', { 'ip-type': 'shared' }, { brand: 'lx' });
  const deb2 = zone('deb2', { 'ip-type': 'shared' }, { brand: 'lx' });
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/deb\t/usr/local/jails/deb\n' },
    { argv: ['zfs', 'snapshot', 'zroot/jails/deb@clone-deb2'] },
    { argv: ['zfs', 'clone', 'zroot/jails/deb@clone-deb2', 'zroot/jails/deb2'] },
    {
      argv: [
        'sh',
        '-c',
        IDENTITY_SCRIPT,
        'sh',
        '/usr/local/jails/deb2/root',
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
        'deb',
        'deb2',
      ],
    },
  ]);
  await b.clone(deb, deb2, LX);
  ex.done();
});

test('a clone that cannot be given its own identity is removed again (its dataset, the snapshot it came from, or its copy)', async () => {
  const web2 = zone('web2', { 'ip-type': 'shared' });
  const cloned = 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\nzroot/jails/web2\t/usr/local/jails/web2\n';
  const { b, ex } = backend([
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\n' },
    { argv: ['zfs', 'snapshot', 'zroot/jails/web@clone-web2'] },
    { argv: ['zfs', 'clone', 'zroot/jails/web@clone-web2', 'zroot/jails/web2'] },
    { ...FREEBSD_IDENTITY, code: 3, stderr: '/usr/local/jails/web2/root/etc/ssh is a symbolic link\n' },
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: cloned },
    { argv: ['zfs', 'get', '-H', '-o', 'value', 'origin', 'zroot/jails/web2'], stdout: 'zroot/jails/web@clone-web2\n' },
    { argv: ['zfs', 'destroy', '-r', 'zroot/jails/web2'] },
    { argv: ['zfs', 'destroy', 'zroot/jails/web@clone-web2'] },
    // A copy: its root and zonepath go.
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mkdir', '-p', '-m', '0700', '/usr/local/jails/web2'] },
    { argv: ['mkdir', '-m', '0755', '/usr/local/jails/web2/root'] },
    { argv: ['sh', '-c', 'tar -C "$1" -cf - . | tar -C "$2" -xpf -', 'sh', '/usr/local/jails/web/root', '/usr/local/jails/web2/root'] },
    { ...FREEBSD_IDENTITY, code: 1, stderr: 'rm: /usr/local/jails/web2/root/etc/hostid: Operation not permitted\n' },
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n' },
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web2/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web2/root'] },
    { argv: ['rmdir', '/usr/local/jails/web2'] },
  ]);
  const e = await rejectsZoneError(b.clone(web, web2, NATIVE), 'refused');
  assertOneLine(e.message);
  assert.is(
    e.message,
    'zone "web2": cannot give the clone its own identity on ssh://root@test-host: /usr/local/jails/web2/root/etc/ssh is a symbolic link, which could lead out of its root',
  );
  const r = await rejectsZoneError(b.clone(web, web2, NATIVE), 'runtime');
  assert.is(r.message, 'zone "web2": cannot give the clone its own identity on ssh://root@test-host: rm: /usr/local/jails/web2/root/etc/hostid: Operation not permitted');
  ex.done();
});

test('describe says what the zone becomes on the host', () => {
  const { b } = backend([]);
  assert.equal(b.describe(capped, NATIVE), [
    'jail: /etc/jail.conf.d/web.conf (jail -f /etc/jail.conf.d/web.conf -c web)',
    'userland: FreeBSD (exec.start /bin/sh /etc/rc)',
    "network: the host's stack, ip4.addr em0|192.0.2.5/24",
    'rctl: jail:web:memoryuse:deny=536870912',
    'rctl: jail:web:maxproc:deny=200',
    'rctl: jail:web:pcpu:deny=150',
  ]);
  const vnet = zone('web', {}, { fs: [{ dir: '/srv', special: '/tank/srv' }], native: { jail: [{ name: 'allow.raw_sockets', value: true }] } });
  assert.equal(b.describe(vnet, NATIVE), [
    'jail: /etc/jail.conf.d/web.conf (jail -f /etc/jail.conf.d/web.conf -c web)',
    'userland: FreeBSD (exec.start /bin/sh /etc/rc)',
    "network: own stack (vnet), epair zcwebbr81a on the host's bridge, zcwebbr81b in the jail",
    'mounts: /etc/jail.conf.d/web.fstab (1 lines)',
    'kept jail parameters: allow.raw_sockets',
  ]);
  assert.equal(b.describe(zone('web', { 'net-address': 'auto' }), NATIVE), ['jail: cannot be made: zone "web": net-address auto is not available on FreeBSD hosts']);
});

test.run();
