// The verbs on a managed host, through the real core and the real FreeBSD backend
// against a scripted host: each verb's exact commands in order, the states the store
// records, what the host's own jls says winning over the store, a failed boot or
// install put back, and delete removing the zone on the host and here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '../../src/verbs/context.js';
import { LocalStoreFs } from '../../src/core/store-fs.js';
import { createZone, deleteZone, listZones, zoneInfo } from '../../src/verbs/config.js';
import { bootZone, haltZone } from '../../src/verbs/lifecycle.js';
import { execInZone } from '../../src/verbs/enter.js';
import { installZone } from '../../src/verbs/install.js';
import { freeBsdHost } from '../../src/hosts/freebsd/host.js';
import { ZoneStore } from '../../src/core/store.js';
import type { HostOs } from '../../src/transport/host-os.js';
import type { ZoneState } from '../../src/core/zone.js';
import { reconcile as reconcileManaged } from '../../src/core/reconcile.js';
import { importJailConf } from '../../src/verbs/interchange.js';
import { ScriptedExecutor, type Step } from '../scripted-executor.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const HOST: HostOs = { kind: 'freebsd', release: '14.1-RELEASE', machine: 'amd64' };
const WRITE = 'umask 022; mkdir -p "${1%/*}" && cat > "$1.tmp" && mv -f "$1.tmp" "$1"';
const CONF = '/etc/jail.conf.d/web.conf';
const NONE = '{"__version": "2", "jail-information": {"jail": []}}\n';
const RUNNING =
  '{"__version": "2", "jail-information": {"jail": [{"jid": 3, "hostname": "web", "path": "/usr/local/jails/web/root", "name": "web", "state": "ACTIVE", "cpusetid": 4, "ipv4_addrs": ["192.0.2.5"], "ipv6_addrs": []}]}}\n';
const jls = (stdout: string): Step => ({ argv: ['jls', '--libxo', 'json', '-d', '-v'], stdout });

let dir = '';
test.before.each(() => {
  dir = makeTempDir();
});
test.after.each(() => removeTempDir(dir));

function context(steps: Step[]): { ctx: Context; ex: ScriptedExecutor } {
  const ex = new ScriptedExecutor(steps);
  const ctx = new Context({ root: dir, lockTimeoutMs: 1000 }, freeBsdHost(ex, HOST, new ZoneStore(dir, new LocalStoreFs())));
  return { ctx, ex };
}

async function install(ctx: Context, name: string, req: { source?: string; release?: string }): Promise<void> {
  const obs = await installZone(ctx, name, { ...req, mirrors: [] });
  await new Promise<void>((resolve, reject) => obs.subscribe({ error: reject, complete: resolve }));
}

const SETS = ['hostname=web', 'ip-type=shared', 'net-address=192.0.2.5', 'net-interface=em0', 'net-subnet=192.0.2.0/24'];
const configure: Step[] = [
  // Nothing of that name on the host yet: no jail file, no jail.
  { argv: ['test', '-e', CONF], code: 1 },
  jls(NONE),
  { argv: ['rm', '-f', '/etc/jail.conf.d/web.fstab'] },
  { argv: ['sh', '-c', WRITE, 'sh', CONF], input: (t) => assert.match(t, /^web \{\n\tpath = \/usr\/local\/jails\/web\/root;\n/m) },
];
// Boot freezes a copy of the jail file (no fstab: nothing to mount) and starts from it.
const RUN = '/var/run/zonectl/web.conf';
const freeze: Step[] = [
  { argv: ['rm', '-f', '/var/run/zonectl/web.fstab'] },
  { argv: ['sh', '-c', WRITE, 'sh', RUN], input: (t) => assert.match(t, /^web \{\n\tpath = \/usr\/local\/jails\/web\/root;\n/m) },
];
const sourceInstall: Step[] = [
  { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
  { argv: ['mkdir', '-p', '-m', '0700', '/usr/local/jails/web'] },
  { argv: ['mkdir', '-m', '0755', '/usr/local/jails/web/root'] },
];

test('a jail through its life: create, install, boot, list, exec, halt, delete -F', async () => {
  const { ctx, ex } = context([
    ...configure,
    jls(NONE),
    ...sourceInstall,
    { argv: ['tar', '-C', '/usr/local/jails/web/root', '-xpf', '/var/tmp/base.txz'] },
    jls(NONE),
    ...freeze,
    { argv: ['jail', '-f', RUN, '-c', 'web'], stdout: 'web: created\n' },
    jls(RUNNING),
    jls(RUNNING),
    { argv: ['jexec', '-l', 'web', 'hostname'], attach: true, code: 0 },
    jls(RUNNING),
    // Halt: the rules first, then the removal with the copy it was booted from.
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['test', '-e', RUN] },
    { argv: ['jail', '-f', RUN, '-r', 'web'], stdout: 'web: removed\n' },
    jls(NONE),
    { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: '' },
    { argv: ['mount', '-p'], stdout: '/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n' },
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web/root'] },
    { argv: ['rmdir', '/usr/local/jails/web'] },
    { argv: ['rm', '-f', CONF, '/etc/jail.conf.d/web.fstab'] },
  ]);
  const v = await createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS);
  assert.is(v.zonepath, '/usr/local/jails/web');
  assert.is(v.state, 'configured');
  await install(ctx, 'web', { source: '/var/tmp/base.txz' });
  assert.is((await ctx.store.read('web')).status.state, 'installed');
  await bootZone(ctx, 'web');
  assert.is((await ctx.store.read('web')).status.state, 'running');
  assert.equal(
    (await listZones(ctx)).map((z) => [z.name, z.state]),
    [['web', 'running']],
  );
  assert.is(await execInZone(ctx, 'web', ['hostname'], { env: [], tty: false }), 0);
  await haltZone(ctx, 'web');
  assert.is((await ctx.store.read('web')).status.state, 'installed');
  await deleteZone(ctx, 'web', true);
  assert.not.ok(existsSync(join(dir, 'zones', 'web')));
  ex.done();
});

test('a zone the host no longer runs (jail removed by hand) reads as installed', async () => {
  const { ctx, ex } = context([...configure, jls(NONE)]);
  await createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS);
  await ctx.store.writeStatus('web', { state: 'running', since: 'x', runtime: 'freebsd' });
  assert.is((await zoneInfo(ctx, 'web')).state, 'installed');
  ex.done();
});

test('a failed boot is taken down again and the zone is installed, the error one line from the host', async () => {
  const { ctx, ex } = context([
    ...configure,
    jls(NONE),
    ...freeze,
    { argv: ['jail', '-f', RUN, '-c', 'web'], code: 1, stderr: 'jail: web: mount.devfs: /usr/local/jails/web/root/dev: No such file or directory\n' },
    { argv: ['rctl', '-r', 'jail:web'] },
    { argv: ['test', '-e', RUN] },
    { argv: ['jail', '-f', RUN, '-r', 'web'], code: 1, stderr: 'jail: "web" not found\n' },
  ]);
  await createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS);
  await ctx.store.writeStatus('web', { state: 'installed', since: 'x' });
  const e = await rejectsZoneError(bootZone(ctx, 'web'), 'runtime');
  assert.match(e.message, /jail -f \/var\/run\/zonectl\/web\.conf -c web failed on ssh:\/\/root@test-host: jail: web: mount\.devfs/);
  assert.is((await ctx.store.read('web')).status.state, 'installed');
  ex.done();
});

test('a failed install is cleaned up on the host and the zone is configured again', async () => {
  const { ctx, ex } = context([
    ...configure,
    jls(NONE),
    ...sourceInstall,
    { argv: ['tar', '-C', '/usr/local/jails/web/root', '-xpf', '/var/tmp/nope.txz'], code: 1, stderr: "tar: Error opening archive: Failed to open '/var/tmp/nope.txz'\n" },
    // The backend undoes what it made, and only that; the engine adds nothing.
    { argv: ['chflags', '-R', '0', '/usr/local/jails/web/root'] },
    { argv: ['rm', '-rfx', '/usr/local/jails/web/root'] },
    { argv: ['rmdir', '/usr/local/jails/web'] },
  ]);
  await createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS);
  const e = await install(ctx, 'web', { source: '/var/tmp/nope.txz' }).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof Error, 'the install failed');
  assert.match((e as Error).message, /Failed to open/, (e as Error).message);
  assert.is((await ctx.store.read('web')).status.state, 'configured');
  ex.done();
});

test('refused before the host is touched: a brand without a FreeBSD mapping', async () => {
  const { ctx, ex } = context([]);
  const e = await rejectsZoneError(createZone(ctx, { name: 'old', brand: 'solaris8', config: {} }, []), 'refused');
  assert.match(e.message, /brand "solaris8" does not run on FreeBSD hosts \(ssh:\/\/root@test-host\)/);
  assert.equal(await ctx.store.names(), []);
  ex.done();
});

test("the host's own state wins: what zoneadm or jls says about each stored state", () => {
  const cases: Array<[ZoneState, ZoneState | undefined, ZoneState]> = [
    // FreeBSD: a jail not in jls is not running; the store's state stands otherwise.
    ['installed', undefined, 'installed'],
    ['configured', undefined, 'configured'],
    ['running', undefined, 'installed'],
    ['ready', undefined, 'installed'],
    ['down', undefined, 'installed'],
    ['installed', 'running', 'running'],
    ['running', 'shutting_down', 'installed'],
    ['shutting_down', 'shutting_down', 'shutting_down'],
    // illumos: an interrupted install the host shows configured again, and the reverse.
    ['incomplete', 'configured', 'configured'],
    ['configured', 'incomplete', 'incomplete'],
    ['installed', 'ready', 'ready'],
    ['installed', 'configured', 'configured'],
    ['running', 'installed', 'installed'],
    ['running', 'incomplete', 'incomplete'],
    ['down', 'running', 'down'],
  ];
  for (const [stored, host, want] of cases) assert.is(reconcileManaged(stored, host), want, `${stored} + host ${String(host)}`);
});

test('create refuses a name the host already has (a jail made by hand), touching nothing', async () => {
  const { ctx, ex } = context([{ argv: ['test', '-e', CONF] }]);
  const e = await rejectsZoneError(createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS), 'exists');
  assert.is(e.message, 'ssh://root@test-host already has a jail named "web" that zonectl did not make');
  assert.match(e.hint ?? '', /zonectl import --jail-conf/);
  assert.equal(await ctx.store.names(), []);
  ex.done();
});

test('a create the host refuses leaves nothing: its files removed, no zone in the store', async () => {
  const { ctx, ex } = context([
    { argv: ['test', '-e', CONF], code: 1 },
    jls(NONE),
    { argv: ['rm', '-f', '/etc/jail.conf.d/web.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', CONF], code: 1, stderr: 'sh: cannot create /etc/jail.conf.d/web.conf.tmp: Read-only file system\n' },
    { argv: ['rm', '-f', CONF, '/etc/jail.conf.d/web.fstab'] },
  ]);
  const e = await rejectsZoneError(createZone(ctx, { name: 'web', brand: 'native', config: {} }, SETS), 'runtime');
  assert.match(e.message, /Read-only file system$/);
  assert.equal(await ctx.store.names(), []);
  ex.done();
});

const TWO_JAILS = `exec.start = "/bin/sh /etc/rc";
path = "/jails/$name/root";
a { host.hostname = a.example; ip4.addr = "em0|192.0.2.10/24"; }
b { host.hostname = b.example; ip4.addr = "em0|192.0.2.11/24"; }
`;
const anyText = (): void => undefined;

test('import adopts the jails of a file; one failing removes what the import made, and only that', async () => {
  const { ctx, ex } = context([
    { argv: ['rm', '-f', '/etc/jail.conf.d/a.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/a.conf'], input: anyText },
    { argv: ['test', '-d', '/jails/a/root/etc'] },
    { argv: ['rm', '-f', '/etc/jail.conf.d/b.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/b.conf'], input: anyText, code: 1, stderr: 'sh: /etc/jail.conf.d/b.conf.tmp: No space left on device\n' },
    { argv: ['rm', '-f', '/etc/jail.conf.d/b.conf', '/etc/jail.conf.d/b.fstab'] },
    { argv: ['rm', '-f', '/etc/jail.conf.d/a.conf', '/etc/jail.conf.d/a.fstab'] },
  ]);
  const e = await rejectsZoneError(importJailConf(ctx, TWO_JAILS, 'jail.conf', undefined, false), 'runtime');
  assert.match(e.message, /No space left on device$/);
  assert.equal(await ctx.store.names(), []);
  ex.done();
});

test('an imported jail whose root holds a system is installed; one without is configured', async () => {
  const { ctx, ex } = context([
    { argv: ['rm', '-f', '/etc/jail.conf.d/a.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/a.conf'], input: (t) => assert.match(t, /\tpath = \/jails\/a\/root;\n/) },
    { argv: ['test', '-d', '/jails/a/root/etc'] },
    { argv: ['rm', '-f', '/etc/jail.conf.d/b.fstab'] },
    { argv: ['sh', '-c', WRITE, 'sh', '/etc/jail.conf.d/b.conf'], input: anyText },
    { argv: ['test', '-d', '/jails/b/root/etc'], code: 1 },
  ]);
  const views = await importJailConf(ctx, TWO_JAILS, 'jail.conf', undefined, false);
  assert.equal(
    views.map((v) => [v.name, v.state, v.zonepath, v.config['net-address']]),
    [
      ['a', 'installed', '/jails/a', '192.0.2.10'],
      ['b', 'configured', '/jails/b', '192.0.2.11'],
    ],
  );
  assert.is((await ctx.store.read('a')).status.userland?.method, 'import');
  ex.done();
});

test.run();
