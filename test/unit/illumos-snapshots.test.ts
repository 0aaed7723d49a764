// Zone snapshots on illumos and Solaris hosts: the zonepath's dataset found by its
// mountpoint, the whole tree under it snapshotted and destroyed at once (-r), only
// zonectl-NAME snapshots listed, each dataset rolled back on its own, and what is
// refused in one line (src/backends/zfs, shared with FreeBSD). The zfs output below is constructed in the formats of zfs(8)
// (-H: tab-separated, no header; -p: seconds and bytes), for an OmniOS lipkg zone whose
// root is rpool/zones/web/ROOT/zbe; it was not captured from a host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IllumosBackend } from '../../src/backends/illumos/backend.js';
import { datasetAt, parseDatasets } from '../../src/backends/zfs/datasets.js';
import { ILLUMOS_ZFS } from '../../src/backends/zfs/flavour.js';
import { listView, planRollback as plan } from '../../src/backends/zfs/snapshots.js';
import { addZfsGet, parseTree, type ZfsTree } from '../../src/backends/zfs/zfs.js';
import type { ZoneRecord } from '../../src/core/zone.js';
import type { HostOs } from '../../src/transport/host-os.js';
import { ScriptedExecutor, type Step } from '../scripted-executor.js';
import { assertOneLine, rejectsZoneError, throwsZoneError } from './fixtures/expect-error.js';

const OMNIOS: HostOs = { kind: 'illumos', release: '5.11', machine: 'i86pc', distro: 'omnios' };
const S10_SPARC: HostOs = { kind: 'solaris', release: '5.10', machine: 'sun4v', distro: 'solaris10' };

const WEB: ZoneRecord = { name: 'web', brand: 'native', zonepath: '/zones/web', config: {}, createdAt: '2024-05-01T00:00:00.000Z' };

const MOUNTS = [
  'rpool\t/rpool',
  'rpool/ROOT\tlegacy',
  'rpool/ROOT/omnios-r151046\t/',
  'rpool/export\t/export',
  'rpool/zones\t/zones',
  'rpool/zones/web\t/zones/web',
  'rpool/zones/web/ROOT\tlegacy',
  'rpool/zones/web/ROOT/zbe\tlegacy',
  'rpool/zones/web2\t/zones/web2',
  '',
].join('\n');

const DATASETS = ['rpool/zones/web\t1714550000\t1118208', 'rpool/zones/web/ROOT\t1714550000\t1073741824', 'rpool/zones/web/ROOT/zbe\t1714550001\t1073709056'];
// 2024-05-01T10:00:00Z and 11:00:00Z.
const BASE = ['rpool/zones/web@zonectl-base\t1714557600\t8192', 'rpool/zones/web/ROOT@zonectl-base\t1714557600\t0', 'rpool/zones/web/ROOT/zbe@zonectl-base\t1714557600\t52428800'];
const CLONED = ['rpool/zones/web@SUNWzone1\t1714559000\t0'];
const LATER = ['rpool/zones/web@zonectl-later\t1714561200\t0', 'rpool/zones/web/ROOT@zonectl-later\t1714561200\t0', 'rpool/zones/web/ROOT/zbe@zonectl-later\t1714561200\t4096'];
const tree = (...rows: string[][]): string => `${[DATASETS, ...rows].flat().join('\n')}\n`;

const FIND: Step = { argv: ['zfs', 'list', '-H', '-o', 'name,mountpoint'], stdout: MOUNTS };
const TREE = ['zfs', 'list', '-Hp', '-o', 'name,creation,used', '-t', 'filesystem,volume,snapshot', '-s', 'creation', '-r', 'rpool/zones/web'];

const zonectlSnapshots = (t: ZfsTree) => listView(ILLUMOS_ZFS, t);
const planRollback = (t: ZfsTree, zone: string, name: string) => plan(ILLUMOS_ZFS, t, zone, name);

function backend(host: HostOs, steps: Step[]): { b: IllumosBackend; ex: ScriptedExecutor } {
  const ex = new ScriptedExecutor(steps);
  return { b: new IllumosBackend(ex, host), ex };
}

// --- reading zfs output ----------------------------------------------------------------

test('the zonepath dataset is the filesystem mounted exactly there (not /zones/web2, not a legacy child)', () => {
  const all = parseDatasets(MOUNTS);
  assert.is(datasetAt(all, '/zones/web')?.name, 'rpool/zones/web');
  assert.is(datasetAt(all, '/zones/web/')?.name, 'rpool/zones/web');
  assert.is(datasetAt(all, '/zones/we'), undefined);
  assert.is(datasetAt(all, '/zones/web/root'), undefined);
  // An old zfs lists snapshots by default: they are not datasets.
  assert.equal(
    parseDatasets('rpool/zones/web\t/zones/web\nrpool/zones/web@SUNWzone1\t-\n').map((d) => d.name),
    ['rpool/zones/web'],
  );
});

test('only zonectl-NAME snapshots are listed, oldest first, their bytes summed over the tree', () => {
  const t = parseTree(tree(BASE, CLONED, LATER));
  assert.equal(t.datasets, ['rpool/zones/web', 'rpool/zones/web/ROOT', 'rpool/zones/web/ROOT/zbe']);
  assert.is(t.snapshots.length, 7);
  assert.equal(zonectlSnapshots(t), [
    { name: 'base', createdAt: '2024-05-01T10:00:00.000Z', bytes: 8192 + 52428800 },
    { name: 'later', createdAt: '2024-05-01T11:00:00.000Z', bytes: 4096 },
  ]);
});

test('Solaris: names from zfs list -H, numbers from zfs get -Hp', () => {
  const names = parseTree('rpool/zones/web\nrpool/zones/web@zonectl-base\nrpool/zones/web@SUNWzone1\n');
  const got = addZfsGet(names, 'rpool/zones/web@zonectl-base\tcreation\t1714557600\nrpool/zones/web@zonectl-base\tused\t1536\n');
  assert.equal(zonectlSnapshots(got), [{ name: 'base', createdAt: '2024-05-01T10:00:00.000Z', bytes: 1536 }]);
});

test('rollback plan: every dataset of the tree; newer snapshots (ours by name, others whole) and datasets without it refused in one line', () => {
  assert.equal(planRollback(parseTree(tree(BASE)), 'web', 'base'), ['rpool/zones/web', 'rpool/zones/web/ROOT', 'rpool/zones/web/ROOT/zbe']);
  const newer = throwsZoneError(() => planRollback(parseTree(tree(BASE, CLONED, LATER)), 'web', 'base'), 'refused');
  assertOneLine(newer.message);
  assert.is(newer.message, 'zone "web": rollback to "base" would destroy the newer snapshots later, rpool/zones/web@SUNWzone1; nothing rolled back');
  assert.is(newer.hint, 'delete them first: zonectl snapshot web delete later; zfs destroy rpool/zones/web@SUNWzone1 if nothing needs it (zfs get clones shows a zone cloned from one)');
  const foreign = throwsZoneError(() => planRollback(parseTree(tree(BASE, CLONED)), 'web', 'base'), 'refused');
  assert.is(foreign.hint, 'delete them first: zfs destroy rpool/zones/web@SUNWzone1 if nothing needs it (zfs get clones shows a zone cloned from one)');

  // A boot environment made after the snapshot (pkg update in the zone) has none.
  const zbe1 = parseTree(`${tree(BASE)}rpool/zones/web/ROOT/zbe-1\t1714558000\t65536\n`);
  const missing = throwsZoneError(() => planRollback(zbe1, 'web', 'base'), 'refused');
  assert.is(
    missing.message,
    'zone "web": rollback to "base" would leave rpool/zones/web/ROOT/zbe-1 as it is (no such snapshot there: made after it, or destroyed there); nothing rolled back',
  );
  throwsZoneError(() => planRollback(parseTree(tree(BASE)), 'web', 'nope'), 'not-found');
});

// --- through the backend, against a scripted OmniOS host --------------------------------------

test('snapshot create: zfs snapshot -r of the zonepath dataset, named zonectl-NAME, read back for its time and size', async () => {
  const { b, ex } = backend(OMNIOS, [FIND, { argv: ['zfs', 'snapshot', '-r', 'rpool/zones/web@zonectl-base'] }, { argv: TREE, stdout: tree(BASE, CLONED) }]);
  assert.equal(await b.snapshotCreate(WEB, 'base'), { name: 'base', createdAt: '2024-05-01T10:00:00.000Z', bytes: 52436992 });
  ex.done();
});

test('snapshot create of a name the zone has: zfs takes none (-r is all or nothing) and says so, as one line', async () => {
  const { b, ex } = backend(OMNIOS, [
    FIND,
    {
      argv: ['zfs', 'snapshot', '-r', 'rpool/zones/web@zonectl-base'],
      code: 1,
      stderr: "cannot create snapshot 'rpool/zones/web/ROOT/zbe@zonectl-base': dataset already exists\nno snapshots were created\n",
    },
  ]);
  const e = await rejectsZoneError(b.snapshotCreate(WEB, 'base'), 'exists');
  assert.is(e.message, 'zone "web" already has a snapshot "base"');
  assert.is(e.hint, 'zonectl snapshot web delete base first, or choose another name');
  ex.done();
});

test('snapshot list shows ours only; delete is zfs destroy -r; deleting an unknown one is not-found', async () => {
  const { b, ex } = backend(OMNIOS, [
    FIND,
    { argv: TREE, stdout: tree(BASE, CLONED, LATER) },
    FIND,
    { argv: TREE, stdout: tree(BASE, CLONED, LATER) },
    { argv: ['zfs', 'destroy', '-r', 'rpool/zones/web@zonectl-later'] },
    FIND,
    { argv: TREE, stdout: tree(BASE, CLONED) },
  ]);
  assert.equal(
    (await b.snapshotList(WEB)).map((s) => s.name),
    ['base', 'later'],
  );
  await b.snapshotDestroy(WEB, 'later');
  const e = await rejectsZoneError(b.snapshotDestroy(WEB, 'later'), 'not-found');
  assert.is(e.message, 'zone "web" has no snapshot "later"');
  ex.done();
});

test('a zfs failure is one line: its lines joined, the names it lists after the colon', async () => {
  const { b, ex } = backend(OMNIOS, [
    FIND,
    { argv: TREE, stdout: tree(BASE) },
    {
      argv: ['zfs', 'destroy', '-r', 'rpool/zones/web@zonectl-base'],
      code: 1,
      stderr: "cannot destroy 'rpool/zones/web/ROOT/zbe@zonectl-base': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nrpool/zones/copy/ROOT/zbe\n",
    },
  ]);
  const e = await rejectsZoneError(b.snapshotDestroy(WEB, 'base'), 'runtime');
  assertOneLine(e.message);
  assert.is(
    e.message,
    "zfs destroy -r rpool/zones/web@zonectl-base failed on ssh://root@test-host: cannot destroy 'rpool/zones/web/ROOT/zbe@zonectl-base': snapshot has dependent clones; use '-R' to destroy the following datasets: rpool/zones/copy/ROOT/zbe",
  );
  ex.done();
});

test('rollback: each dataset of the tree on its own, parent first', async () => {
  const { b, ex } = backend(OMNIOS, [
    FIND,
    { argv: TREE, stdout: tree(BASE) },
    { argv: ['zfs', 'rollback', 'rpool/zones/web@zonectl-base'] },
    { argv: ['zfs', 'rollback', 'rpool/zones/web/ROOT@zonectl-base'] },
    { argv: ['zfs', 'rollback', 'rpool/zones/web/ROOT/zbe@zonectl-base'] },
  ]);
  await b.rollback(WEB, 'base');
  ex.done();
});

test('rollback refuses newer snapshots without touching a dataset (no silent -r); one stopped half way says how far it got', async () => {
  const refused = backend(OMNIOS, [FIND, { argv: TREE, stdout: tree(BASE, LATER) }]);
  const e = await rejectsZoneError(refused.b.rollback(WEB, 'base'), 'refused');
  assert.is(e.message, 'zone "web": rollback to "base" would destroy the newer snapshots later; nothing rolled back');
  refused.ex.done();

  const half = backend(OMNIOS, [
    FIND,
    { argv: TREE, stdout: tree(BASE) },
    { argv: ['zfs', 'rollback', 'rpool/zones/web@zonectl-base'] },
    { argv: ['zfs', 'rollback', 'rpool/zones/web/ROOT@zonectl-base'], code: 1, stderr: "cannot unmount '/zones/web/root': Device busy\n" },
  ]);
  const h = await rejectsZoneError(half.b.rollback(WEB, 'base'), 'runtime');
  assertOneLine(h.message);
  assert.is(h.message, "zfs rollback rpool/zones/web/ROOT@zonectl-base failed on ssh://root@test-host: cannot unmount '/zones/web/root': Device busy (already rolled back: rpool/zones/web)");
  assert.is(h.hint, 'fix the cause and run zonectl rollback web base again');
  half.ex.done();
});

test('a zonepath that is not a dataset, or a host without zfs, is refused in one line with the reason', async () => {
  const plain = backend(OMNIOS, [FIND]);
  const e = await rejectsZoneError(plain.b.snapshotList({ ...WEB, name: 'old', zonepath: '/export/zones/old' }), 'refused');
  assertOneLine(e.message);
  assert.is(e.message, 'zone "old" has no ZFS snapshots: its zonepath /export/zones/old is not a ZFS dataset of its own');
  assert.is(
    e.hint,
    "zoneadm install makes one when the zonepath's parent (/export/zones) is a ZFS dataset: e.g. zfs create -o mountpoint=/export/zones rpool/zones before installing the zone",
  );
  plain.ex.done();

  const nozfs = backend(S10_SPARC, [{ ...FIND, stdout: '', code: 127, stderr: 'sh: zfs: not found\n' }]);
  const n = await rejectsZoneError(nozfs.b.snapshotCreate(WEB, 'base'), 'refused');
  assert.is(n.message, 'zone "web" has no ZFS snapshots: ssh://root@test-host has no zfs command');
  nozfs.ex.done();

  // A zonepath that is a pool's top dataset: a snapshot -r would take the whole pool.
  const pool = backend(OMNIOS, [{ ...FIND, stdout: 'tank\t/tank\n' }]);
  const p = await rejectsZoneError(pool.b.snapshotCreate({ ...WEB, zonepath: '/tank' }, 'base'), 'refused');
  assert.is(p.message, 'zone "web" has no ZFS snapshots: its zonepath /tank is not a ZFS dataset of its own');
  pool.ex.done();
});

test('Solaris 10 (zfs list has no -p there): the tree by name, then zfs get -Hp for our snapshots', async () => {
  const treeArgv = ['zfs', 'list', '-H', '-o', 'name', '-t', 'filesystem,volume,snapshot', '-s', 'creation', '-r', 'rpool/zones/web'];
  const { b, ex } = backend(S10_SPARC, [
    FIND,
    { argv: treeArgv, stdout: 'rpool/zones/web\nrpool/zones/web@SUNWzone1\nrpool/zones/web@zonectl-base\n' },
    {
      argv: ['zfs', 'get', '-Hp', '-o', 'name,property,value', 'creation,used', 'rpool/zones/web@zonectl-base'],
      stdout: 'rpool/zones/web@zonectl-base\tcreation\t1714557600\nrpool/zones/web@zonectl-base\tused\t1536\n',
    },
    FIND,
    { argv: treeArgv, stdout: 'rpool/zones/web\nrpool/zones/web@SUNWzone1\n' },
  ]);
  assert.equal(await b.snapshotList(WEB), [{ name: 'base', createdAt: '2024-05-01T10:00:00.000Z', bytes: 1536 }]);
  assert.equal(await b.snapshotList(WEB), []);
  ex.done();
});

test.run();
