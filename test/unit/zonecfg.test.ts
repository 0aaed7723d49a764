// zonecfg command files: read as zonecfg(8) runs them (every command of the grammar,
// errors naming FILE:LINE), written so zonecfg replays them exactly, and mapped onto a
// zonectl zone and back without losing a setting. Real files in fixtures/illumos
// (see SOURCES.md there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readZonecfg, type ZonecfgModel } from '../../src/backends/illumos/zonecfg.js';
import { writeZonecfg } from '../../src/backends/illumos/zonecfg-writer.js';
import { zonecfgToZone, zoneToZonecfg, type ImportedZone } from '../../src/backends/illumos/zone-config.js';
import { vnicName } from '../../src/backends/illumos/zone-net.js';
import type { ZoneRecord } from '../../src/core/zone.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'illumos');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const read = (text: string): ZonecfgModel => readZonecfg(text, 'z.cmd');

function record(name: string, z: ImportedZone): ZoneRecord {
  return { name, createdAt: '2024-01-01T00:00:00.000Z', zonepath: z.zonepath ?? `/zones/${name}`, ...z };
}

/** What writing a zone adds to what a file said: a zonepath (zonecfg needs one) and,
 * for a native zone, the host's brand, which the file left to the distribution. */
function explicit(z: ImportedZone, name: string, hostBrand: string): ImportedZone {
  const zonecfg = z.brand === 'native' && z.native?.zonecfg?.brand === undefined ? { brand: hostBrand, ...z.native?.zonecfg } : z.native?.zonecfg;
  const native = { ...z.native, ...(zonecfg === undefined ? {} : { zonecfg }) };
  return { ...z, zonepath: z.zonepath ?? `/zones/${name}`, ...(Object.keys(native).length === 0 ? {} : { native }) };
}

/** file -> zone -> file -> zone: every setting the file had comes back, and the
 * written file is a fixpoint. */
function roundTrip(text: string, name: string, hostBrand: string): { zone: ImportedZone; written: string } {
  const zone = zonecfgToZone(read(text), name);
  const written = writeZonecfg(zoneToZonecfg(record(name, zone), hostBrand));
  const again = zonecfgToZone(readZonecfg(written, 'written.cmd'), name);
  assert.equal(again, explicit(zone, name, hostBrand), 'file -> zone -> file -> zone keeps every setting');
  assert.is(writeZonecfg(zoneToZonecfg(record(name, again), hostBrand)), written, 'the written file is a fixpoint');
  return { zone, written };
}

function fileError(text: string, line: number, reason: RegExp): void {
  const e = throwsZoneError(() => read(text), 'invalid-file');
  assertOneLine(e.message);
  assert.match(e.message, new RegExp(`^z\\.cmd:${line}: `), e.message);
  assert.match(e.message, reason);
}

// --- the grammar ---------------------------------------------------------------

test('globals: set, quoted values, clear, and create -b recorded', () => {
  const m = read('create -b\nset zonepath=/zones/a\nset bootargs="-m verbose"\nset pool=p1\nclear pool\nset autoboot = true\n');
  assert.equal(m.create, { kind: 'blank', force: false });
  assert.equal(m.globals, { zonepath: '/zones/a', bootargs: '-m verbose', autoboot: 'true' });
  assert.equal(m.resources, []);
});

test('create forms: -F -b, plain (default template), -t TEMPLATE, -a PATH, -X ignored; create starts over', () => {
  assert.equal(read('create -F -b').create, { kind: 'blank', force: true });
  assert.equal(read('create').create, { kind: 'default', force: false });
  const t = read('set zonepath=/x\ncreate -t SUNWlx');
  assert.equal(t.create, { kind: 'template', arg: 'SUNWlx', force: false });
  assert.is(t.template, 'SUNWlx');
  assert.equal(t.globals, {}, 'settings before create are dropped');
  assert.equal(read('create -a /zones/old').create, { kind: 'attach', arg: '/zones/old', force: false });
  assert.equal(read('create -X').create, { kind: 'default', force: false });
});

test('resources: add ... end, list props appended with add, set replacing in place, clear inside', () => {
  const m = read(
    [
      'add fs',
      'set dir=/data',
      'set special=/tank/data',
      'set type=lofs',
      'add options ro',
      'add options [nodevices,"uid=100"]',
      'set type=zfs',
      'end',
      'add net',
      'set physical=a0',
      'set defrouter=10.0.0.1',
      'clear defrouter',
      'add property (name=mtu, value=9000)',
      'add property ( name=primary ,value="true" )',
      'end',
      'add rctl',
      'set name=zone.max-lwps',
      'add value (priv=privileged,limit=300,action=deny)',
      'end',
    ].join('\n'),
  );
  assert.equal(m.resources, [
    {
      type: 'fs',
      props: [
        { name: 'dir', value: '/data' },
        { name: 'special', value: '/tank/data' },
        { name: 'type', value: 'zfs' },
        { name: 'options', value: 'ro' },
        { name: 'options', value: '[nodevices,"uid=100"]' },
      ],
    },
    {
      type: 'net',
      props: [
        { name: 'physical', value: 'a0' },
        { name: 'property', value: '(name=mtu,value=9000)' },
        { name: 'property', value: '(name=primary,value=true)' },
      ],
    },
    {
      type: 'rctl',
      props: [
        { name: 'name', value: 'zone.max-lwps' },
        { name: 'value', value: '(priv=privileged,limit=300,action=deny)' },
      ],
    },
  ]);
});

test('; separates commands on one line, # starts a comment only where a command would', () => {
  const m = read('# a comment\ncreate -b; set zonepath=/z ; # after a ;\nadd device; set match=/dev/a#1; end\n  ;;\nset bootargs="a;b#c"');
  assert.equal(m.globals, { zonepath: '/z', bootargs: 'a;b#c' });
  assert.equal(m.resources, [{ type: 'device', props: [{ name: 'match', value: '"/dev/a#1"' }] }]);
  // After a value, # is no comment (zonecfg_lex.l reads it as a token): an error, as there.
  fileError('set zonepath=/z # trailing', 1, /unexpected # after set zonepath=/);
});

test('`set p=[]` sets an empty list; remove PROP VALUE inside a resource drops one element', () => {
  const m = read(
    'add fs\nset dir=/a\nset special=/b\nset type=lofs\nset options=[ro,nodevices,nosuid]\nremove options nodevices\nend\nadd fs\nset dir=/c\nset special=/d\nset type=lofs\nset options=[]\nend',
  );
  assert.equal(m.resources[0]?.props.at(-1), { name: 'options', value: '[ro,nosuid]' });
  assert.equal(m.resources[1]?.props.at(-1), { name: 'options', value: '[]' });
});

test('cancel drops the resource being added, and undoes edits made after select', () => {
  const m = read('add dataset\nset name=t/a\nend\nadd dataset\nset name=t/b\ncancel\nselect dataset name=t/a\nset name=t/changed\ncancel');
  assert.equal(m.resources, [{ type: 'dataset', props: [{ name: 'name', value: 't/a' }] }]);
});

test('select edits the one matching resource in place', () => {
  const m = read('add net\nset physical=a0\nend\nadd net\nset physical=b0\nend\nselect net physical=b0\nset global-nic=igb0\nend');
  assert.equal(m.resources, [
    { type: 'net', props: [{ name: 'physical', value: 'a0' }] },
    {
      type: 'net',
      props: [
        { name: 'physical', value: 'b0' },
        { name: 'global-nic', value: 'igb0' },
      ],
    },
  ]);
});

test('select must match exactly one resource', () => {
  const two = 'add dataset\nset name=t/a\nend\nadd dataset\nset name=t/a\nend\n';
  fileError(`${two}select dataset name=t/a`, 7, /matches 2 resources; it must match exactly one/);
  fileError('select dataset name=t/none', 1, /matches 0 resources/);
  fileError('select dataset', 1, /needs PROP=VALUE/);
});

test('remove: by PROP=VALUE, every one of a type, -F ignoring a missing one; without -F a missing one is an error', () => {
  const base = 'add dataset\nset name=t/a\nend\nadd dataset\nset name=t/b\nend\nadd device\nset match=/dev/x\nend\n';
  assert.equal(
    read(`${base}remove dataset name=t/a`).resources.map((r) => r.props[0]?.value),
    ['t/b', '/dev/x'],
  );
  assert.equal(
    read(`${base}remove dataset`).resources.map((r) => r.type),
    ['device'],
  );
  assert.equal(read(`${base}remove -F dataset name=t/zzz`).resources.length, 3);
  fileError(`${base}remove dataset name=t/zzz`, 10, /remove dataset: no such resource/);
});

test('verify, commit, info, export and help change nothing; exit stops reading', () => {
  const m = read('create -b\nset zonepath=/z\nverify\ninfo net\nexport -f /tmp/x\nhelp\ncommit\nexit\nset zonepath=/ignored\nbogus command');
  assert.equal(m.globals, { zonepath: '/z' });
  assert.equal(read('add dataset\nset name=t/a\nexit -F').resources, [], 'exit -F drops an open resource');
});

test('errors name the file and line, one line each', () => {
  fileError('create -b\nfrobnicate now', 2, /unknown command "frobnicate"/);
  fileError('set zonepath=/z\nend', 2, /end outside a resource/);
  fileError('cancel', 1, /cancel outside a resource/);
  fileError('create -b\n\nadd net\nset physical=a0\n', 3, /"add net" is never ended \(missing end\)/);
  fileError('set bootargs="unterminated', 1, /unterminated quoted string/);
  fileError('set zonepath /z', 1, /set needs NAME=VALUE/);
  fileError('set zonepath=', 1, /zonepath= has no value/);
  fileError('add net\nadd fs\nend', 2, /inside net, add takes a property and a value \(missing end\?\)/);
  fileError('add fs\nset dir=/a\nset special=/b\nend', 4, /fs is missing type/);
  fileError('add capped-memory\nend', 2, /capped-memory needs physical, swap or locked/);
  fileError('set limitpriv=[a,b]', 1, /global property limitpriv takes a simple value/);
  fileError('create -t', 1, /create -t needs a template/);
  fileError('create -q', 1, /unknown option "-q"/);
  fileError('add dataset\nexit', 2, /exit inside dataset \(missing end; exit -F drops it\)/);
  fileError('add fs\nset options=[ro,', 2, /expected a list element|expected "\]"/);
  fileError('add rctl\nadd value (priv=privileged limit=1)', 2, /expected "\)" to close a complex value/);
  fileError('revert -F', 1, /"revert" is not supported/);
  fileError('add net\ncreate -b', 2, /create inside a resource/);
});

// --- real files ----------------------------------------------------------------

test("zonecfg(1M) Example 1 reads and maps: shared IP from zonecfg's default, first net, lofs fs, capped-memory split", () => {
  const z = zonecfgToZone(readZonecfg(fixture('zonecfg-1m-example1.cmd'), 'example1.cmd'), 'myzone3');
  assert.equal(z, {
    brand: 'native',
    zonepath: '/export/home/my-zone3',
    config: {
      'ip-type': 'shared',
      autoboot: 'true',
      'cpu-shares': '5',
      'net-interface': 'eri0',
      'net-address': '192.168.0.1',
      'net-subnet': '192.168.0.0/24',
      'capped-memory': '50M',
    },
    fs: [{ dir: '/usr/local', special: '/opt/local', type: 'lofs', options: ['ro', 'nodevices'] }],
    native: {
      resources: [
        // raw= has no place in ZoneFs: the whole fs stays native.
        {
          type: 'fs',
          props: [
            { name: 'dir', value: '/mnt' },
            { name: 'special', value: '/dev/dsk/c0t0d0s7' },
            { name: 'raw', value: '/dev/rdsk/c0t0d0s7' },
            { name: 'type', value: 'ufs' },
          ],
        },
        {
          type: 'net',
          props: [
            { name: 'address', value: '192.168.1.2/24' },
            { name: 'physical', value: 'eri0' },
          ],
        },
        {
          type: 'net',
          props: [
            { name: 'address', value: '192.168.2.3/24' },
            { name: 'physical', value: 'eri0' },
          ],
        },
        { type: 'capped-memory', props: [{ name: 'swap', value: '100m' }] },
      ],
    },
  });
  roundTrip(fixture('zonecfg-1m-example1.cmd'), 'myzone3', 'ipkg');
});

test('zonecfg(1M) Example 3: exclusive-IP nets on pre-made links stay native, untouched', () => {
  const z = zonecfgToZone(readZonecfg(fixture('zonecfg-1m-example3-excl.cmd'), 'x'), 'excl');
  assert.equal(z.config, { 'ip-type': 'exclusive' });
  assert.equal(
    z.native?.resources?.map((r) => r.props),
    [[{ name: 'physical', value: 'bge1' }], [{ name: 'physical', value: 'bge33000' }]],
  );
});

test('zonecfg(1M) Example 9: the zone.cpu-cap rctl with action=none is not the capped-cpu alias, so it stays an rctl', () => {
  const m = readZonecfg(fixture('zonecfg-1m-example9-rctl.cmd'), 'x');
  assert.is(m.create, undefined, 'an editing file, no create');
  const z = zonecfgToZone(m, 'myzone');
  assert.equal(z.config, {}, 'no create: nothing defaulted');
  assert.equal(z.native?.resources, [
    {
      type: 'rctl',
      props: [
        { name: 'name', value: 'zone.cpu-cap' },
        { name: 'value', value: '(priv=privileged,limit=300,action=none)' },
      ],
    },
  ]);
});

test('OmniOS bhyve example: brand kept as the native zonecfg brand, options from two add lines joined', () => {
  const { zone, written } = roundTrip(fixture('omnios-bhyve-zone.cmd'), 'freebsd', 'bhyve');
  assert.is(zone.brand, 'native');
  assert.equal(zone.native?.zonecfg, { brand: 'bhyve' });
  assert.equal(zone.fs, [{ dir: '/rpool/iso/debian-9.4.0-amd64-netinst.iso', special: '/rpool/iso/debian-9.4.0-amd64-netinst.iso', type: 'lofs', options: ['ro', 'nodevices'] }]);
  assert.equal(
    zone.native?.resources?.map((r) => r.type),
    ['net', 'device', 'attr', 'attr'],
  );
  assert.match(written, /^create -b\nset zonepath=\/data\/zone\/bhyve\nset brand=bhyve\nset ip-type=exclusive\n/);
});

test('SmartOS export: the zone.cpu-shares rctl export writes is taken as cpu-shares; Joyent globals and net/device properties kept', () => {
  const { zone, written } = roundTrip(fixture('smartos-bhyve-export.cmd'), '1d5b8e7c-c004-4f69-bf0c-c98918e35bd5', 'bhyve');
  assert.equal(zone.config, { autoboot: 'true', 'ip-type': 'exclusive', 'cpu-shares': '100' });
  assert.equal(zone.native?.zonecfg, {
    brand: 'bhyve',
    limitpriv: 'default,-file_link_any,-net_access,-proc_fork,-proc_info,-proc_session',
    uuid: '1d5b8e7c-c004-4f69-bf0c-c98918e35bd5',
  });
  assert.equal(
    zone.native?.resources?.map((r) => r.type),
    ['net', 'device', 'attr', 'attr', 'attr', 'attr', 'attr'],
  );
  assert.ok(
    written.includes('add net\nset physical=net0\nset mac-addr=c2:ba:60:58:bf:78\nset vlan-id=3317\nset global-nic=external\nadd property (name=gateway,value=172.26.17.1)\n'),
    written,
  );
  assert.ok(written.includes('add device\nset match=/dev/zvol/rdsk/zones/1d5b8e7c-c004-4f69-bf0c-c98918e35bd5/disk0\nadd property (name=boot,value=true)\n'), written);
});

test('the reference lx file maps wholly into config: VNIC web0 on igb0, ips/gateway/primary, kernel-version', () => {
  const { zone, written } = roundTrip(fixture('lx-reference.cmd'), 'web', 'lx');
  assert.equal(zone, {
    brand: 'lx',
    zonepath: '/zones/web',
    config: {
      'ip-type': 'exclusive',
      'net-interface': 'igb0',
      'net-address': '10.0.0.5',
      'net-subnet': '10.0.0.0/24',
      'net-gateway': '10.0.0.1',
      'kernel-version': '3.13.0',
    },
  });
  assert.is(
    written,
    [
      'create -b',
      'set zonepath=/zones/web',
      'set brand=lx',
      'set ip-type=exclusive',
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
      'commit',
      '',
    ].join('\n'),
  );
});

// --- the rich round trip -----------------------------------------------------------

const RICH = `# every kind of setting, mapped or kept
create -b
set zonepath=/zones/rich
set brand=lipkg
set autoboot=true
set ip-type=exclusive
set bootargs="-m verbose"
set limitpriv=default,dtrace_proc,dtrace_user
set scheduling-class=FSS
set hostid=0x1234abcd
set max-lwps=3000
set max-processes=2000
set fs-allowed=ufs,pcfs
add fs
set dir=/data
set special=/tank/data
set type=lofs
add options [ro,nodevices]
end
add fs
set dir=/scratch
set special=swap
set type=tmpfs
add options "size=512m"
end
add fs
set dir=/export/raw
set special=/dev/dsk/c1t0d0s0
set raw=/dev/rdsk/c1t0d0s0
set type=ufs
add options [logging,"onerror=panic"]
end
add net
set physical=rich0
set global-nic=igb0
set allowed-address=10.1.2.3/24
set defrouter=10.1.2.1
end
add net
set physical=rich1
set global-nic=igb1
set allowed-address=192.168.9.9/16
set mac-addr=2:8:20:aa:bb:cc
set vlan-id=42
end
add net
set physical=backup0
set global-nic=aggr0
add property (name=mtu,value=9000)
end
add rctl
set name=zone.max-locked-memory
add value (priv=privileged,limit=300,action=deny)
end
add attr
set name=hostname
set type=string
set value=rich.example.com
end
add attr
set name=owner
set type=string
set value="Ops; call $ONCALL"
end
add dataset
set name=tank/rich/delegated
end
add device
set match=/dev/zvol/rdsk/tank/rich/vol*
end
add capped-memory
set physical=2G
set swap=4G
set locked=512M
end
add dedicated-cpu
set ncpus=1-4
set importance=10
end
add security-flags
set lower=none
set default=aslr
set upper=all
end
add admin
set user=alice
set auths=login,manage
end
commit
`;

test('a rich file round-trips: every setting lands in config, fs or native, and comes back the same', () => {
  const { zone, written } = roundTrip(RICH, 'rich', 'lipkg');
  assert.equal(zone.config, {
    autoboot: 'true',
    'ip-type': 'exclusive',
    'max-processes': '2000',
    'net-interface': 'igb0',
    'net-address': '10.1.2.3',
    'net-subnet': '10.1.2.0/24',
    'net-gateway': '10.1.2.1',
    hostname: 'rich.example.com',
    'capped-memory': '2G',
  });
  assert.equal(zone.fs, [
    { dir: '/data', special: '/tank/data', type: 'lofs', options: ['ro', 'nodevices'] },
    { dir: '/scratch', special: 'swap', type: 'tmpfs', options: ['size=512m'] },
  ]);
  assert.equal(zone.native?.zonecfg, {
    brand: 'lipkg',
    bootargs: '-m verbose',
    limitpriv: 'default,dtrace_proc,dtrace_user',
    'scheduling-class': 'FSS',
    hostid: '0x1234abcd',
    'max-lwps': '3000',
    'fs-allowed': 'ufs,pcfs',
  });
  const types = zone.native?.resources?.map((r) => r.type);
  assert.equal(types, ['fs', 'net', 'net', 'rctl', 'attr', 'dataset', 'device', 'capped-memory', 'dedicated-cpu', 'security-flags', 'admin']);
  assert.equal(zone.native?.resources?.[7], {
    type: 'capped-memory',
    props: [
      { name: 'swap', value: '4G' },
      { name: 'locked', value: '512M' },
    ],
  });
  // The pieces as written back: quoting where the lexer needs it, capped-memory whole again.
  assert.ok(written.includes('set bootargs="-m verbose"\n'), written);
  assert.ok(written.includes('add options ["size=512m"]\n'), written);
  assert.ok(written.includes('add options [logging,"onerror=panic"]\n'), written);
  assert.ok(written.includes('add net\nset physical=rich0\nset global-nic=igb0\nset allowed-address=10.1.2.3/24\nset defrouter=10.1.2.1\nend\n'), written);
  assert.ok(written.includes('add capped-memory\nset physical=2G\nset swap=4G\nset locked=512M\nend\n'), written);
  assert.ok(written.includes('set value="Ops; call $ONCALL"\n'), written);
  assert.ok(written.includes('set match="/dev/zvol/rdsk/tank/rich/vol*"\n'), written);
  assert.ok(written.includes('add value (priv=privileged,limit=300,action=deny)\n'), written);
  assert.ok(written.includes('add dedicated-cpu\nset ncpus=1-4\nset importance=10\nend\n'), written);
  assert.ok(written.includes('add admin\nset user=alice\nset auths=login,manage\nend\n'), written);
});

// --- the writer ------------------------------------------------------------------

test('the writer: create -b, globals, resources, commit; overwrite and update modes', () => {
  const model = {
    globals: { zonepath: '/zones/a', brand: 'lipkg', autoboot: 'false' },
    resources: [{ type: 'dataset', props: [{ name: 'name', value: 'tank/a' }] }],
  };
  assert.is(writeZonecfg(model), 'create -b\nset zonepath=/zones/a\nset brand=lipkg\nset autoboot=false\nadd dataset\nset name=tank/a\nend\ncommit\n');
  assert.ok(writeZonecfg(model, { mode: 'overwrite' }).startsWith('create -F -b\nset zonepath=/zones/a\n'));
  assert.is(
    writeZonecfg(model, { mode: 'update', removeTypes: ['fs', 'dataset'], clearGlobals: ['autoboot', 'bootargs'] }),
    // zonepath and brand are fixed once installed; autoboot is set again, so not cleared.
    'remove -F fs\nremove -F dataset\nclear bootargs\nset autoboot=false\nadd dataset\nset name=tank/a\nend\ncommit\n',
  );
});

test('hostile values are quoted and read back exactly', () => {
  const hostile = ["-m verbose; echo $HOME 'x' #y", 'a b\tc', '$(reboot)', '`id`', 'semi;colon', 'eq=ual', 'brackets[1](2)', '', 'back\\slash'];
  for (const v of hostile) {
    const text = writeZonecfg({
      globals: { bootargs: v },
      resources: [
        {
          type: 'fs',
          props: [
            { name: 'dir', value: '/a' },
            { name: 'special', value: `"${v}"` },
            { name: 'type', value: 'lofs' },
          ],
        },
      ],
    });
    const m = readZonecfg(text, 'w.cmd');
    assert.is(m.globals.bootargs, v, `global ${JSON.stringify(v)} in ${text}`);
    const special = m.resources[0]?.props[1]?.value ?? '';
    assert.equal(readZonecfg(`add fs\nset special=${special}\nset dir=/a\nset type=lofs\nend`, 'x').resources[0]?.props[0]?.value, special);
    assert.is(text.split('\n').length, 9, `one line per command: ${JSON.stringify(text)}`);
  }
  // As a zone: fs paths and attr values with spaces and quotes survive the round trip.
  const rec: ZoneRecord = {
    name: 'h',
    brand: 'native',
    createdAt: '',
    zonepath: '/zones/my zone',
    config: { hostname: 'h' },
    fs: [{ dir: '/mnt/with space', special: "/tank/it's", type: 'lofs', options: ['ro', 'x=y,z'] }],
    native: {
      zonecfg: { bootargs: "-s; rm -rf / 'now'" },
      resources: [
        {
          type: 'attr',
          props: [
            { name: 'name', value: 'note' },
            { name: 'type', value: 'string' },
            { name: 'value', value: '"$PATH; `id`"' },
          ],
        },
      ],
    },
  };
  const text = writeZonecfg(zoneToZonecfg(rec, 'lipkg'));
  assert.ok(text.includes('set zonepath="/zones/my zone"\n'), text);
  assert.ok(text.includes('add options [ro,"x=y,z"]\n'), text);
  const back = zonecfgToZone(readZonecfg(text, 'w.cmd'), 'h');
  assert.equal(back.fs, rec.fs);
  assert.is(back.zonepath, '/zones/my zone');
  assert.is(back.native?.zonecfg?.bootargs, "-s; rm -rf / 'now'");
  assert.equal(back.native?.resources?.[0], rec.native?.resources?.[0]);
});

test('values zonecfg cannot express are refused, never written: a double quote, a newline, a name that is not a word', () => {
  for (const v of ['say "hi"', 'two\nlines']) {
    const e = throwsZoneError(() => writeZonecfg({ globals: { bootargs: v }, resources: [] }), 'invalid-config');
    assertOneLine(e.message);
    assert.match(e.message, /double quote or a newline/);
  }
  throwsZoneError(() => writeZonecfg({ globals: { 'bootargs\nset brand': 'x' }, resources: [] }), 'invalid-config');
  throwsZoneError(() => writeZonecfg({ globals: {}, resources: [{ type: 'fs; delete -F', props: [] }] }), 'invalid-config');
  throwsZoneError(() => writeZonecfg({ globals: {}, resources: [{ type: 'attr', props: [{ name: 'value', value: 'two words' }] }] }), 'invalid-config');
  throwsZoneError(() => writeZonecfg({ globals: {}, resources: [{ type: 'attr', props: [{ name: 'value', value: '"a\nb"' }] }] }), 'invalid-config');
});

// --- the mapping ------------------------------------------------------------------

test('rctl aliases as zonecfg export writes them: cpu-shares, max-processes, cpu-cap (a percentage) into config', () => {
  const z = zonecfgToZone(
    read(
      [
        'create -b',
        'add rctl; set name=zone.cpu-shares; add value (priv=privileged,limit=20,action=none); end',
        'add rctl; set name=zone.max-processes; add value (priv=privileged,limit=500,action=deny); end',
        'add rctl; set name=zone.cpu-cap; add value (priv=privileged,limit=150,action=deny); end',
        'add rctl; set name=zone.max-swap; add value (priv=privileged,limit=1073741824,action=deny); end',
      ].join('\n'),
    ),
    'r',
  );
  assert.equal(z.config, { 'ip-type': 'shared', 'cpu-shares': '20', 'max-processes': '500', 'capped-cpu': '1.5' });
  assert.equal(
    z.native?.resources?.map((r) => r.props[0]?.value),
    ['zone.max-swap'],
  );
  const text = writeZonecfg(zoneToZonecfg(record('r', z), 'lipkg'));
  assert.ok(text.includes('set cpu-shares=20\nset max-processes=500\n'), text);
  assert.ok(text.includes('add capped-cpu\nset ncpus=1.5\nend\n'), text);
});

test('values config refuses stay native and come back as they were', () => {
  const z = zonecfgToZone(
    read(
      'create -b\nset cpu-shares=1\nadd attr\nset name=hostname\nset type=string\nset value=bad_host!\nend\nadd capped-memory\nset physical=1M\nend\nadd attr\nset name=kernel-version\nset type=string\nset value=5\nend',
    ),
    'n',
  );
  assert.equal(z.config, { 'ip-type': 'shared' });
  assert.equal(z.native?.zonecfg, { 'cpu-shares': '1' });
  assert.equal(
    z.native?.resources?.map((r) => r.type),
    ['attr', 'capped-memory', 'attr'],
  );
  roundTrip('create -b\nset cpu-shares=1\nadd capped-memory\nset physical=1M\nset swap=2G\nend', 'n', 'lipkg');
});

test('a net maps only in exactly our shape: derived VNIC name, IPv4 with a prefix; else it stays native', () => {
  const base = 'create -b\nset ip-type=exclusive\nadd net\n';
  const mapped = (body: string, brand = 'lipkg'): Record<string, string> => zonecfgToZone(read(`${base.replace('create -b', `create -b\nset brand=${brand}`)}${body}\nend`), 'web').config;
  assert.equal(mapped('set physical=web0\nset global-nic=igb0'), { 'ip-type': 'exclusive', 'net-interface': 'igb0' });
  assert.equal(mapped('set physical=other0\nset global-nic=igb0'), { 'ip-type': 'exclusive' }, 'not our VNIC name');
  assert.equal(mapped('set physical=web0\nset global-nic=igb0\nset allowed-address=fd00::5/64'), { 'ip-type': 'exclusive' }, 'IPv6');
  assert.equal(mapped('set physical=web0\nset global-nic=igb0\nset allowed-address=10.0.0.5'), { 'ip-type': 'exclusive' }, 'no prefix');
  assert.equal(mapped('set physical=web0\nset global-nic=igb0\nset defrouter=10.0.0.1'), { 'ip-type': 'exclusive' }, 'a router without an address');
  assert.equal(mapped('set physical=web0\nset global-nic=igb0\nset mac-addr=2:8:20:1:2:3'), { 'ip-type': 'exclusive' }, 'an extra property');
  assert.equal(
    mapped('set physical=web0\nset global-nic=igb0\nadd property (name=primary,value=true)\nadd property (name=mtu,value=1500)', 'lx'),
    { 'ip-type': 'exclusive' },
    'an lx property we do not write',
  );
  assert.equal(mapped('set physical=web0\nset global-nic=igb0\nadd property (name=ips,value=10.0.0.5/24)', 'lx'), { 'ip-type': 'exclusive' }, 'lx without primary');
});

test('mapping refusals: shared-IP lx, max-processes below 100, net-address auto, an address without an interface', () => {
  const rec = (config: Record<string, string>): ZoneRecord => ({ name: 'z', brand: 'native', createdAt: '', zonepath: '/zones/z', config });
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ 'ip-type': 'shared' }, 'lx', /lx zones cannot share the host's IP stack/],
    [{ 'max-processes': '50' }, 'lipkg', /max-processes 50 is below 100/],
    [{ 'net-interface': 'igb0', 'net-address': 'auto' }, 'lipkg', /net-address auto is not available on illumos/],
    [{ 'net-address': '10.0.0.5' }, 'lipkg', /need net-interface/],
    [{ 'net-interface': 'igb0', 'net-gateway': '10.0.0.1' }, 'lipkg', /net-gateway needs net-address/],
    [{ 'ip-type': 'shared', 'net-interface': 'e1000g0' }, 'lipkg', /a shared-IP zone needs net-address/],
  ];
  for (const [config, brand, why] of cases) {
    const e = throwsZoneError(() => zoneToZonecfg(rec(config), brand), 'invalid-config');
    assertOneLine(e.message);
    assert.match(e.message, why);
    assert.is(e.zone, 'z');
  }
});

test('zone files that create from a template or a detached zone are refused: their settings are not in the file', () => {
  const e = throwsZoneError(() => zonecfgToZone(read('create -t SUNWlx\nset zonepath=/z'), 'z'), 'invalid-config');
  assert.match(e.message, /from template "SUNWlx", whose settings zonectl cannot see/);
  assert.match(e.hint ?? '', /zonecfg -z ZONE export/);
  throwsZoneError(() => zonecfgToZone(read('create -a /zones/old'), 'z'), 'invalid-config');
});

test('without a host brand, a native zone is written with no brand (or the one it was imported with) and reads back the same', () => {
  const plain: ZoneRecord = { name: 'p', brand: 'native', createdAt: '', zonepath: '/zones/p', config: { 'ip-type': 'exclusive', autoboot: 'true' } };
  const text = writeZonecfg(zoneToZonecfg(plain));
  assert.is(text, 'create -b\nset zonepath=/zones/p\nset autoboot=true\nset ip-type=exclusive\ncommit\n');
  assert.equal(zonecfgToZone(readZonecfg(text, 'p.cmd'), 'p'), { brand: 'native', zonepath: '/zones/p', config: { autoboot: 'true', 'ip-type': 'exclusive' } });
  const bhyve: ZoneRecord = { ...plain, native: { zonecfg: { brand: 'bhyve' } } };
  assert.match(writeZonecfg(zoneToZonecfg(bhyve)), /^create -b\nset zonepath=\/zones\/p\nset brand=bhyve\n/);
});

test('names that are Object.prototype keys are ordinary names: no table lookup is fooled', () => {
  const z = zonecfgToZone(
    read('create -b\nset brand=constructor\nadd constructor\nset toString=x\nend\nadd rctl\nset name=constructor\nadd value (priv=privileged,limit=1,action=deny)\nend'),
    'p',
  );
  assert.is(z.brand, 'native');
  assert.equal(z.native?.zonecfg, { brand: 'constructor' });
  assert.equal(
    z.native?.resources?.map((r) => r.type),
    ['constructor', 'rctl'],
  );
  assert.ok(writeZonecfg(zoneToZonecfg(record('p', z))).includes('add constructor\nset toString=x\nend\n'));
});

test('VNIC names: letters, digits and _, starting with a letter, ending in 0, at most 31 characters', () => {
  assert.is(vnicName('web'), 'web0');
  assert.is(vnicName('my-zone.1'), 'my_zone_10');
  assert.is(vnicName('9lives'), 'z9lives0');
  const long = vnicName('a'.repeat(64));
  assert.is(long.length, 31);
  assert.match(long, /^a{30}0$/);
});

test.run();
