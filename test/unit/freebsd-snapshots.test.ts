// Snapshots of FreeBSD zones: ZFS snapshots of the zone's own dataset, against a
// scripted host. zfs list -Hp prints tab-separated name, creation (epoch seconds) and
// used (bytes), the dataset's own line first; zfs's refusals are several lines, which
// must reach the user as one. (src/backends/zfs, shared with illumos.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ZoneRecord } from '../../src/core/zone.js';
import type { HostOs } from '../../src/transport/host-os.js';
import { FreeBsdBackend } from '../../src/backends/freebsd/backend.js';
import { parseTree, zfsMessage } from '../../src/backends/zfs/zfs.js';
import { ScriptedExecutor, type Step } from '../scripted-executor.js';
import { assertOneLine, rejectsZoneError } from './fixtures/expect-error.js';

const HOST: HostOs = { kind: 'freebsd', release: '14.1-RELEASE-p5', machine: 'amd64' };
const DS = 'zroot/jails/web';

function zone(extra: Partial<ZoneRecord> = {}): ZoneRecord {
  return { name: 'web', brand: 'native', zonepath: '/usr/local/jails/web', config: { 'ip-type': 'shared' }, createdAt: '2026-05-11T00:00:00Z', ...extra };
}

function backend(steps: Step[]): { b: FreeBsdBackend; ex: ScriptedExecutor } {
  const ex = new ScriptedExecutor(steps);
  return { b: new FreeBsdBackend(ex, HOST), ex };
}

const DATASETS = 'zroot\t/zroot\nzroot/ROOT\tnone\nzroot/ROOT/default\t/\nzroot/jails\t/usr/local/jails\nzroot/jails/web\t/usr/local/jails/web\nzroot/jails/web2\t/usr/local/jails/web2\n';
const datasets: Step = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: DATASETS };
const listArgv = ['zfs', 'list', '-Hp', '-o', 'name,creation,used', '-t', 'filesystem,volume,snapshot', '-s', 'createtxg', '-r', DS];
// The dataset, then its snapshots: 2026-05-11T10:00:00Z and an hour later; clone-web2
// is zonectl clone's own.
const DS_LINE = `${DS}\t1778400000\t1073741824\n`;
const SNAPS = `${DS_LINE}${DS}@before-upgrade\t1778493600\t98304\n${DS}@clone-web2\t1778495400\t0\n${DS}@after\t1778497200\t4096\n`;

test("list: the dataset's own snapshots, oldest first, creation as ISO time, used as bytes; clone origins hidden", async () => {
  const { b, ex } = backend([datasets, { argv: listArgv, stdout: SNAPS }]);
  assert.equal(await b.snapshotList(zone()), [
    { name: 'before-upgrade', createdAt: '2026-05-11T10:00:00.000Z', bytes: 98304 },
    { name: 'after', createdAt: '2026-05-11T11:00:00.000Z', bytes: 4096 },
  ]);
  ex.done();
});

test('parseTree: datasets and snapshots apart, each snapshot under its own dataset, numbers only where zfs printed digits', () => {
  const text = `${DS}\t1\t9\n${DS}@a\t1\t2\n${DS}/child@b\t3\t4\n${DS}@d\t-\t0\n\n`;
  assert.equal(parseTree(text), {
    datasets: [DS],
    snapshots: [
      { dataset: DS, snap: 'a', creation: 1, used: 2 },
      { dataset: `${DS}/child`, snap: 'b', creation: 3, used: 4 },
      { dataset: DS, snap: 'd', used: 0 },
    ],
  });
});

test('create: zfs snapshot DATASET@NAME, then what zfs list says of it', async () => {
  const { b, ex } = backend([datasets, { argv: ['zfs', 'snapshot', `${DS}@nightly`] }, { argv: listArgv, stdout: `${SNAPS}${DS}@nightly\t1778500800\t0\n` }]);
  assert.equal(await b.snapshotCreate(zone(), 'nightly'), { name: 'nightly', createdAt: '2026-05-11T12:00:00.000Z', bytes: 0 });
  ex.done();
});

test('create refuses a name zfs already has (one line), and clone-* names before anything runs', async () => {
  const { b, ex } = backend([datasets, { argv: ['zfs', 'snapshot', `${DS}@after`], code: 1, stderr: `cannot create snapshot '${DS}@after': dataset already exists\n` }]);
  const e = await rejectsZoneError(b.snapshotCreate(zone(), 'after'), 'exists');
  assert.is(e.message, 'zone "web" already has a snapshot "after"');
  const r = await rejectsZoneError(b.snapshotCreate(zone(), 'clone-x'), 'usage');
  assert.is(r.message, 'snapshot name "clone-x": names starting with clone- are kept for the snapshots zonectl clone makes');
  await rejectsZoneError(b.snapshotDestroy(zone(), 'clone-web2'), 'usage');
  await rejectsZoneError(b.rollback(zone(), 'clone-web2'), 'usage');
  ex.done();
});

test('destroy: only a snapshot the zone has; zfs destroy DATASET@NAME', async () => {
  const { b, ex } = backend([datasets, { argv: listArgv, stdout: SNAPS }, { argv: ['zfs', 'destroy', `${DS}@after`] }, datasets, { argv: listArgv, stdout: SNAPS }]);
  await b.snapshotDestroy(zone(), 'after');
  const e = await rejectsZoneError(b.snapshotDestroy(zone(), 'nope'), 'not-found');
  assert.is(e.message, 'zone "web" has no snapshot "nope"');
  assert.is(e.hint, 'zonectl snapshot web list');
  ex.done();
});

test('rollback to the newest snapshot: zfs rollback without -r', async () => {
  const { b, ex } = backend([datasets, { argv: listArgv, stdout: SNAPS }, { argv: ['zfs', 'rollback', `${DS}@after`] }]);
  await b.rollback(zone(), 'after');
  ex.done();
});

test('rollback past newer snapshots is refused by name, clone origins saying which zone came from them; nothing runs', async () => {
  const { b, ex } = backend([datasets, { argv: listArgv, stdout: SNAPS }]);
  const e = await rejectsZoneError(b.rollback(zone(), 'before-upgrade'), 'refused');
  assert.is(e.message, 'zone "web": rollback to "before-upgrade" would destroy the newer snapshots after, clone-web2 (zone web2 was cloned from it); nothing rolled back');
  assert.is(e.hint, 'delete them first: zonectl snapshot web delete after; zonectl uninstall -F web2 (or zfs promote its dataset)');
  assertOneLine(e.message);
  ex.done();
  const missing = backend([datasets, { argv: listArgv, stdout: SNAPS }]);
  await rejectsZoneError(missing.b.rollback(zone(), 'gone'), 'not-found');
  missing.ex.done();
});

test('a refusal of zfs rollback the list could not foresee (a newer bookmark) is one line', async () => {
  const { b, ex } = backend([
    datasets,
    { argv: listArgv, stdout: SNAPS },
    {
      argv: ['zfs', 'rollback', `${DS}@after`],
      code: 1,
      stderr: `cannot rollback to '${DS}@after': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${DS}#repl-1\n${DS}#repl-2\n`,
    },
  ]);
  const e = await rejectsZoneError(b.rollback(zone(), 'after'), 'runtime');
  assert.is(
    e.message,
    `zfs rollback ${DS}@after failed on ssh://root@test-host: cannot rollback to '${DS}@after': more recent snapshots or bookmarks exist; use '-r' to force deletion of the following snapshots and bookmarks: ${DS}#repl-1, ${DS}#repl-2`,
  );
  ex.done();
});

test('zfsMessage: one line of one, lines joined with ;, a listing after its colon; empty stderr falls back', () => {
  assert.is(zfsMessage({ code: 1, stdout: '', stderr: "cannot open 'x': dataset does not exist\n" }), "cannot open 'x': dataset does not exist");
  assert.is(zfsMessage({ code: 1, stdout: '', stderr: 'a\nb\n' }), 'a; b');
  assert.is(zfsMessage({ code: 1, stdout: '', stderr: 'a:\nx\ny\n' }), 'a: x, y');
  assert.is(zfsMessage({ code: 2, stdout: '', stderr: '' }), 'exit status 2');
  // A long listing (a tree's dependent clones) is cut after five names.
  assert.is(zfsMessage({ code: 1, stdout: '', stderr: 'a:\n1\n2\n3\n4\n5\n6\n7\n' }), 'a: 1, 2, 3, 4, 5 and 2 more');
});

const NOT_OWN_HINT = "create the zone with its zonepath under a ZFS dataset's mountpoint (zfs create -o mountpoint=/usr/local/jails POOL/jails), then install or clone it there";

test('a zone that is not a dataset of its own has no snapshots: refused in one line for every verb', async () => {
  const noZfs: Step = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], code: 1, stderr: 'internal error: failed to initialize ZFS library\n' };
  const { b, ex } = backend([noZfs, noZfs, noZfs, noZfs]);
  const verbs: Array<() => Promise<unknown>> = [() => b.snapshotList(zone()), () => b.snapshotCreate(zone(), 'a'), () => b.snapshotDestroy(zone(), 'a'), () => b.rollback(zone(), 'a')];
  for (const verb of verbs) {
    const e = await rejectsZoneError(verb(), 'refused');
    assert.is(e.message, 'zone "web" has no ZFS snapshots: its zonepath /usr/local/jails/web is not a ZFS dataset of its own');
    assert.is(e.hint, NOT_OWN_HINT);
  }
  ex.done();
});

test('refused too: a plain directory on a dataset, a pool root, a dataset with datasets below it, a jail root outside it', async () => {
  const parentOnly: Step = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'zroot\t/zroot\nzroot/jails\t/usr/local/jails\n' };
  const poolRoot: Step = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: 'tank\t/usr/local/jails/web\n' };
  const iocage: Step = {
    argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'],
    stdout: `zroot\t/zroot\n${DS}\t/usr/local/jails/web\n${DS}/root\t/usr/local/jails/web/root\n${DS}/data\tlegacy\n`,
  };
  const { b, ex } = backend([parentOnly, poolRoot, iocage, datasets]);
  const own = /is not a ZFS dataset of its own$/;
  assert.match((await rejectsZoneError(b.snapshotList(zone()), 'refused')).message, own);
  assert.match((await rejectsZoneError(b.snapshotList(zone()), 'refused')).message, own);
  const kids = await rejectsZoneError(b.snapshotCreate(zone(), 'a'), 'refused');
  assert.is(kids.message, `zone "web" has no ZFS snapshots: its dataset ${DS} has datasets below it (${DS}/root, ${DS}/data) that a snapshot of it would not hold`);
  const outside = zone({ native: { jail: [{ name: 'path', value: ['/srv/base'] }] } });
  const o = await rejectsZoneError(b.rollback(outside, 'a'), 'refused');
  assert.is(o.message, `zone "web" has no ZFS snapshots: its jail's root /srv/base is outside its dataset ${DS}`);
  ex.done();
});

test.run();
