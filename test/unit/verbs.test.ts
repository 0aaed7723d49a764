// Every verb through the one ZoneHost interface, for each kind of host (its real
// differences, a scripted host): the same calls in the same order, each state written
// before the work it announces, failures put back, and a host's difference the only
// thing that changes what a user sees (one-line refusals naming the reason).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Context } from '../../src/verbs/context.js';
import { ZoneStore } from '../../src/core/store.js';
import { createZone, configureZone, deleteZone, listZones, zoneInfo } from '../../src/verbs/config.js';
import { bootZone, haltZone, readyZone, rebootZone, shutdownZone } from '../../src/verbs/lifecycle.js';
import { consoleZone, execInZone } from '../../src/verbs/enter.js';
import { installZone, uninstallZone } from '../../src/verbs/install.js';
import { cloneZone, rollbackZone, snapshotCreate, snapshotDelete, snapshotList } from '../../src/verbs/storage.js';
import { FREEBSD_DIFFERENCES } from '../../src/hosts/freebsd/host.js';
import { ILLUMOS_DIFFERENCES } from '../../src/hosts/illumos/host.js';
import { LINUX_DIFFERENCES } from '../../src/hosts/linux/host.js';
import type { HostDifferences, HostKind } from '../../src/hosts/zone-host.js';
import { ScriptedHost } from '../scripted-host.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const KINDS: Array<[HostKind, HostDifferences]> = [
  ['linux', LINUX_DIFFERENCES],
  ['freebsd', FREEBSD_DIFFERENCES],
  ['illumos', ILLUMOS_DIFFERENCES],
];

async function install(ctx: Context, name: string): Promise<void> {
  const obs = await installZone(ctx, name, { source: '/images/base.tar' });
  await new Promise<void>((resolve, reject) => obs.subscribe({ error: reject, complete: resolve }));
}

for (const [kind, differences] of KINDS) {
  const t = suite(`verbs on a ${kind} host`);
  let dir = '';
  let host: ScriptedHost;
  let ctx: Context;
  t.before.each(() => {
    dir = makeTempDir();
    host = new ScriptedHost(kind, differences, new ZoneStore(dir));
    ctx = new Context({ root: dir, lockTimeoutMs: 1000 }, host);
  });
  t.after.each(() => removeTempDir(dir));

  const state = async (name: string): Promise<string> => (await ctx.store.read(name)).status.state;

  t('create asks the host to check the name, then configures it; configure changes it there first', async () => {
    const v = await createZone(ctx, { name: 'web', brand: 'native', config: {} }, ['hostname=web.example']);
    assert.is(v.state, 'configured');
    assert.is(v.zonepath, '/zones/web');
    assert.equal(host.methods(), ['assertNew', 'configure']);
    assert.equal(host.calls[1]?.detail, { config: { hostname: 'web.example' } });
    await configureZone(ctx, 'web', ['autoboot=true'], []);
    assert.equal(host.calls.at(-1)?.detail, { config: { hostname: 'web.example', autoboot: 'true' } });
    assert.is((await ctx.store.read('web')).record.config.autoboot, 'true');
  });

  t('a create the host refuses leaves no zone, here or there', async () => {
    host.failing.add('configure');
    await rejectsZoneError(createZone(ctx, { name: 'web', brand: 'native', config: {} }), 'runtime');
    assert.is(await ctx.store.exists('web'), false);
    assert.equal(host.methods(), ['assertNew', 'configure', 'unconfigure']);
  });

  t('a configure the host refuses changes nothing here', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    host.failing.add('configure');
    await rejectsZoneError(configureZone(ctx, 'web', ['autoboot=true'], []), 'runtime');
    assert.is((await ctx.store.read('web')).record.config.autoboot, undefined);
  });

  t('install: checked first, then incomplete while the host works, installed after', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    const work = host.calls.filter((c) => c.method === 'prepareInstall' || c.method === 'install');
    assert.equal(
      work.map((c) => [c.method, c.stored]),
      [
        ['prepareInstall', 'configured'],
        ['install', 'incomplete'],
      ],
    );
    assert.is(await state('web'), 'installed');
    assert.is((await ctx.store.read('web')).status.userland?.source, '/images/base.tar');
  });

  t(`a failed install leaves the zone ${differences.failedInstallLeaves}`, async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    host.failing.add('install');
    await rejectsZoneError(install(ctx, 'web'), 'runtime');
    assert.is(await state('web'), differences.failedInstallLeaves);
  });

  t('boot records ready (with what runs it) before the host starts it, running after', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await bootZone(ctx, 'web');
    const boot = host.calls.find((c) => c.method === 'boot');
    assert.is(boot?.stored, 'ready');
    const z = await ctx.store.read('web');
    assert.is(z.status.state, 'running');
    assert.is(z.status.runtime, `${kind}-runtime`);
    assert.is(z.status.operation, undefined);
  });

  t('a failed boot is halted and the zone is installed again', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    host.failing.add('boot');
    await rejectsZoneError(bootZone(ctx, 'web'), 'runtime');
    assert.equal(host.methods().slice(-2), ['boot', 'halt']);
    const z = await ctx.store.read('web');
    assert.is(z.status.state, 'installed');
    assert.is(z.status.runtime, undefined);
  });

  t(differences.hasReadyState ? 'ready sets the zone up without its first process' : 'ready is refused in one line saying why, and nothing is written', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    if (differences.hasReadyState) {
      await readyZone(ctx, 'web');
      assert.is(await state('web'), 'ready');
      await bootZone(ctx, 'web');
      assert.is(await state('web'), 'running');
      return;
    }
    const e = await rejectsZoneError(readyZone(ctx, 'web'), 'refused');
    assert.ok(e.message.includes(differences.readyState), e.message);
    assert.not.match(e.message, /\n/);
    assert.is(await state('web'), 'installed');
  });

  t('exec and console reach the host with everything the user gave; exec of a zone not running is refused', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await rejectsZoneError(execInZone(ctx, 'web', ['id'], { env: [], tty: false }), 'wrong-state');
    await bootZone(ctx, 'web');
    assert.is(await execInZone(ctx, 'web', ['id', '-u'], { user: 'nobody', cwd: '/tmp', env: ['LANG=C'], tty: false }), 7);
    assert.equal(host.calls.at(-1)?.detail, { argv: ['id', '-u'], user: 'nobody', cwd: '/tmp', env: ['LANG=C'], tty: false });
    assert.is(await consoleZone(ctx, 'web'), 0);
  });

  t("info and list take the host's word: a zone it no longer runs is installed, and what it held is released", async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await bootZone(ctx, 'web');
    assert.is((await zoneInfo(ctx, 'web')).state, 'running');
    assert.equal((await zoneInfo(ctx, 'web')).usage, { processes: 1 });
    host.observed.delete('web'); // its init died, or it was stopped with the host's own tools
    assert.is((await zoneInfo(ctx, 'web')).state, 'installed');
    assert.equal(
      (await listZones(ctx)).map((z) => [z.name, z.state]),
      [['web', 'installed']],
    );
    await bootZone(ctx, 'web'); // the next verb under the lock reconciles and releases first
    const i = host.methods().lastIndexOf('release');
    assert.ok(i !== -1 && i < host.methods().lastIndexOf('boot'), host.methods().join(' '));
  });

  t('shutdown asks the userland, then halts; halt and reboot go through the same host calls', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await bootZone(ctx, 'web');
    const r = await shutdownZone(ctx, 'web', 5);
    assert.is(r.signal, differences.shutdownBy);
    assert.equal(host.methods().slice(-2), ['shutdown', 'halt']);
    assert.equal(host.calls.at(-2)?.detail, { timeoutMs: 5000 });
    assert.is(await state('web'), 'installed');
    await bootZone(ctx, 'web');
    await rebootZone(ctx, 'web');
    assert.equal(host.methods().slice(-3), ['halt', 'prepareStart', 'boot']);
    await haltZone(ctx, 'web');
    assert.is(await state('web'), 'installed');
  });

  t("clone readies the source before the target exists, and the target's fixed address is " + differences.cloneAddress, async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} }, ['hostname=web.example', 'net-address=10.0.0.5']);
    await install(ctx, 'web');
    await cloneZone(ctx, 'web', 'web2');
    assert.equal(host.calls.find((c) => c.method === 'prepareClone')?.detail, { target: 'web2', targetExists: false });
    assert.is(host.calls.find((c) => c.method === 'clone')?.stored, 'incomplete');
    const target = await ctx.store.read('web2');
    assert.is(target.status.state, 'installed');
    assert.is(target.record.config.hostname, undefined, "the clone kept the source's host name");
    assert.is(target.record.config['net-address'], differences.cloneAddress === 'auto' ? 'auto' : undefined);
  });

  t('a failed clone leaves no target', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    host.failing.add('clone');
    await rejectsZoneError(cloneZone(ctx, 'web', 'web2'), 'runtime');
    assert.is(await ctx.store.exists('web2'), false);
    assert.equal(host.methods().slice(-3), ['clone', 'uninstall', 'unconfigure']);
  });

  t("snapshots and rollback go to the host under the zone's lock; bad names are refused before", async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await snapshotCreate(ctx, 'web', 'before');
    assert.equal(
      (await snapshotList(ctx, 'web')).map((s) => s.name),
      ['before'],
    );
    await rollbackZone(ctx, 'web', 'before');
    await snapshotDelete(ctx, 'web', 'before');
    assert.equal(
      (await snapshotList(ctx, 'web')).map((s) => s.name),
      [],
    );
    const n = host.calls.length;
    await rejectsZoneError(snapshotCreate(ctx, 'web', '../x'), 'usage');
    assert.is(host.calls.length, n);
  });

  t(differences.promotesClones ? 'delete --promote-clones makes the clones independent first' : '--promote-clones is refused in one line naming what to do instead', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    host.clones = ['web2'];
    await createZone(ctx, { name: 'web2', brand: 'native', config: {} });
    await rejectsZoneError(deleteZone(ctx, 'web', true), 'refused');
    if (differences.promotesClones) {
      await deleteZone(ctx, 'web', true, true);
      assert.ok(host.methods().includes('promoteClone'));
      assert.is(await ctx.store.exists('web'), false);
      return;
    }
    const e = await rejectsZoneError(deleteZone(ctx, 'web', true, true), 'refused');
    assert.ok(e.message.includes(differences.promoteClones), e.message);
    assert.is(await ctx.store.exists('web'), true);
  });

  t('uninstall and delete -F of a running zone: halted, uninstalled, unconfigured, gone', async () => {
    await createZone(ctx, { name: 'web', brand: 'native', config: {} });
    await install(ctx, 'web');
    await uninstallZone(ctx, 'web');
    assert.is(await state('web'), 'configured');
    assert.is(host.calls.at(-1)?.stored, 'incomplete');
    await install(ctx, 'web');
    await bootZone(ctx, 'web');
    await rejectsZoneError(deleteZone(ctx, 'web', false), 'wrong-state');
    await deleteZone(ctx, 'web', true);
    assert.equal(host.methods().slice(-3), ['halt', 'uninstall', 'unconfigure']);
    assert.is(await ctx.store.exists('web'), false);
  });

  t.run();
}
