// zonectl snapshots of a FreeBSD zone: ZFS snapshots of the zone's own dataset (the
// one install or clone made at ZONEPATH, or an imported jail's dataset mounted
// there), named DATASET@NAME exactly as the user named them, so `zfs list -t snapshot`
// on the host shows the same names. Names starting with "clone-" stay zonectl's own:
// `zonectl clone` takes DATASET@clone-TARGET to make TARGET from, and list hides them.
// The core holds the zone's lock and has checked it is installed and not running.
import { ZoneError } from '../../core/errors.js';
import { printable, type ZoneRecord } from '../../core/zone.js';
import type { Executor } from '../../transport/executor.js';
import type { ManagedSnapshot } from '../tool-backend.js';
import { childDatasets, datasetAt, jailRoot, listDatasets, within } from './storage.js';
import { listSnapshots, mustZfs, parseSnapshots, SNAPSHOT_COLUMNS, zfsMessage, type ZfsSnapshot } from './zfs.js';

export const CLONE_PREFIX = 'clone-';

function notOwnDataset(record: ZoneRecord, why: string): ZoneError {
  return new ZoneError('refused', `zone "${record.name}" has no ZFS snapshots: ${why}`, {
    zone: record.name,
    hint: 'create the zone with its zonepath under a ZFS dataset\'s mountpoint (zfs create -o mountpoint=/usr/local/jails POOL/jails), then install or clone it there',
  });
}

/** The zone's own dataset: mounted at the zonepath, not a pool's root, with no
 * datasets below it (a snapshot of it alone would not hold theirs) and holding the
 * jail's root. Refused, in one line, otherwise. */
export async function zoneDatasetOf(ex: Executor, record: ZoneRecord): Promise<string> {
  const datasets = await listDatasets(ex);
  const ds = datasetAt(datasets, record.zonepath);
  if (ds === undefined || !ds.name.includes('/')) throw notOwnDataset(record, `its zonepath ${printable(record.zonepath)} is not a ZFS dataset of its own`);
  const children = childDatasets(datasets, ds.name);
  if (children.length > 0) throw notOwnDataset(record, `its dataset ${ds.name} has datasets below it (${children.join(', ')}) that a snapshot of it would not hold`);
  const root = jailRoot(record);
  if (!within(root, record.zonepath)) throw notOwnDataset(record, `its jail's root ${printable(root)} is outside its dataset ${ds.name}`);
  return ds.name;
}

/** clone-* names belong to zonectl clone; the user's never take that form. */
function assertUserName(record: ZoneRecord, name: string): void {
  if (!name.startsWith(CLONE_PREFIX)) return;
  throw new ZoneError('usage', `snapshot name "${name}": names starting with ${CLONE_PREFIX} are kept for the snapshots zonectl clone makes`, { zone: record.name });
}

function view(s: ZfsSnapshot): ManagedSnapshot {
  return { name: s.name, createdAt: new Date(s.creation * 1000).toISOString(), bytes: s.used };
}

function notFound(record: ZoneRecord, name: string): ZoneError {
  return new ZoneError('not-found', `zone "${record.name}" has no snapshot "${name}"`, { zone: record.name, hint: `zonectl snapshot ${record.name} list` });
}

export async function snapshotList(ex: Executor, record: ZoneRecord): Promise<ManagedSnapshot[]> {
  const dataset = await zoneDatasetOf(ex, record);
  const snaps = await listSnapshots(ex, dataset, record.name);
  return snaps.filter((s) => !s.name.startsWith(CLONE_PREFIX)).map(view);
}

export async function snapshotCreate(ex: Executor, record: ZoneRecord, name: string): Promise<ManagedSnapshot> {
  assertUserName(record, name);
  const dataset = await zoneDatasetOf(ex, record);
  const full = `${dataset}@${name}`;
  const r = await ex.run(['zfs', 'snapshot', full]);
  if (r.code !== 0 && /already exists/.test(r.stderr)) throw new ZoneError('exists', `zone "${record.name}" already has a snapshot "${name}"`, { zone: record.name });
  if (r.code !== 0) throw new ZoneError('runtime', `zfs snapshot ${full} failed on ${ex.target}: ${zfsMessage(r)}`, { zone: record.name });
  const listed = await mustZfs(ex, ['zfs', 'list', '-Hp', '-o', SNAPSHOT_COLUMNS, '-t', 'snapshot', full], record.name);
  const snap = parseSnapshots(listed.stdout, dataset)[0];
  if (snap === undefined) throw new ZoneError('runtime', `zfs list ${full} on ${ex.target} did not show the snapshot just taken`, { zone: record.name });
  return view(snap);
}

export async function snapshotDestroy(ex: Executor, record: ZoneRecord, name: string): Promise<void> {
  assertUserName(record, name);
  const dataset = await zoneDatasetOf(ex, record);
  if (!(await listSnapshots(ex, dataset, record.name)).some((s) => s.name === name)) throw notFound(record, name);
  await mustZfs(ex, ['zfs', 'destroy', `${dataset}@${name}`], record.name);
}

/** The newer snapshots rollback would have to destroy, as words for the message, and
 * what removes each: zonectl's delete for the user's, the clone zone for clone-*. */
function inTheWay(record: ZoneRecord, newer: ZfsSnapshot[]): { names: string; hint: string } {
  const own = newer.filter((s) => !s.name.startsWith(CLONE_PREFIX)).map((s) => s.name);
  const clones = newer.filter((s) => s.name.startsWith(CLONE_PREFIX)).map((s) => s.name.slice(CLONE_PREFIX.length));
  const names = [...own, ...clones.map((z) => `${CLONE_PREFIX}${z} (zone ${z} was cloned from it)`)].join(', ');
  const steps = [
    ...own.map((n) => `zonectl snapshot ${record.name} delete ${n}`),
    ...clones.map((z) => `zonectl uninstall -F ${z} (or zfs promote its dataset)`),
  ];
  return { names, hint: `delete them first: ${steps.join('; ')}` };
}

/** zfs rollback without -r: it refuses when newer snapshots exist, and so does this,
 * by name, before anything runs (never -r: that would destroy them unasked). */
export async function rollback(ex: Executor, record: ZoneRecord, name: string): Promise<void> {
  assertUserName(record, name);
  const dataset = await zoneDatasetOf(ex, record);
  const snaps = await listSnapshots(ex, dataset, record.name);
  const at = snaps.findIndex((s) => s.name === name);
  if (at < 0) throw notFound(record, name);
  const newer = snaps.slice(at + 1);
  if (newer.length > 0) {
    const w = inTheWay(record, newer);
    throw new ZoneError('refused', `zone "${record.name}": rollback to "${name}" would destroy the newer snapshots ${w.names}; nothing rolled back`, { zone: record.name, hint: w.hint });
  }
  // zfs also refuses over newer bookmarks, which the list does not show: its words then.
  await mustZfs(ex, ['zfs', 'rollback', `${dataset}@${name}`], record.name);
}
