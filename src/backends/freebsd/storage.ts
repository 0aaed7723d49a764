// Where a jail's files live on the host: a ZFS dataset per zone when the zonepath's
// parent directory is a dataset's mountpoint (clones are then zfs clones), a plain
// 0700 directory otherwise. Removal is guarded: only the jail's root inside the
// zonepath, never across a mount point, never while something is mounted inside it.
import { posix } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import { printable, zoneRoot, type ZoneRecord } from '../../core/zone.js';
import { mustRun, type Executor } from '../../transport/executor.js';
import { cloneDataset, datasetAt, datasetFor, destroyDataset, isPoolRoot, listDatasets as listZfsDatasets, type Dataset } from '../zfs/datasets.js';
import { FREEBSD_ZFS } from '../zfs/flavour.js';
import { mustZfs, runZfs } from '../zfs/zfs.js';
import { jailRoot } from './jail-zone.js';

/** What a step created, so a failure removes exactly that. */
export interface Made {
  dataset?: string;
  zonepath?: boolean;
  root?: boolean;
  download?: string;
}

/** The host's datasets; none without ZFS (a plain directory per zone then). */
export async function listDatasets(ex: Executor): Promise<Dataset[]> {
  return (await listZfsDatasets(ex)) ?? [];
}

/** `path` is `dir` or lies below it (both normalized). */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Install and clone fill ZONEPATH/root; a zone that runs from a path of its own
 * (kept from an imported jail) would get its files where the jail never looks. */
export function assertStandardRoot(record: ZoneRecord, verb: string): void {
  const root = jailRoot(record);
  const own = zoneRoot(record.zonepath);
  if (root === own) return;
  throw new ZoneError('refused', `zone "${record.name}" runs from its jail's own path ${printable(root)} (a kept jail parameter), so ${verb} cannot fill ${printable(own)}`, {
    zone: record.name,
    hint: `export it (zonectl export ${record.name} --format jail.conf), set its path to ${own}, then delete the zone and import that file`,
  });
}

/** Refuses a zonepath that could make a removal reach outside the zone. */
export function assertSafeZonepath(zonepath: string): void {
  if (!zonepath.startsWith('/') || posix.normalize(zonepath) !== zonepath || zonepath === '/' || zonepath.endsWith('/') || /[\0\n]/.test(zonepath)) {
    throw new ZoneError('refused', `zonepath "${printable(zonepath)}" is not a normalized absolute path below /; nothing is removed there`);
  }
}

/** ZONEPATH (0700: only root may look into the jail's files from the host) and
 * ZONEPATH/root, on a dataset of their own where the parent is on ZFS. */
export async function makeZonepath(ex: Executor, record: ZoneRecord, datasets: Dataset[], made: Made): Promise<void> {
  assertSafeZonepath(record.zonepath);
  const zone = record.name;
  const dataset = datasetFor(datasets, record.zonepath);
  if (dataset !== undefined) {
    await mustZfs(ex, ['create', '-p', dataset], zone);
    made.dataset = dataset;
    await mustRun(ex, ['chmod', '0700', record.zonepath], { zone });
  } else {
    await mustRun(ex, ['mkdir', '-p', '-m', '0700', record.zonepath], { zone });
    made.zonepath = true;
  }
  await mustRun(ex, ['mkdir', '-m', '0755', zoneRoot(record.zonepath)], { zone });
  made.root = true;
}

/** chflags first: a FreeBSD base has schg files rm cannot remove. rm -x stays on this
 * file system, so a mount left inside the tree is never descended into. */
async function removeTree(ex: Executor, zone: string, path: string): Promise<void> {
  assertSafeZonepath(path);
  await ex.run(['chflags', '-R', '0', path]);
  await mustRun(ex, ['rm', '-rfx', path], { zone });
}

export async function removeRoot(ex: Executor, record: ZoneRecord): Promise<void> {
  assertSafeZonepath(record.zonepath);
  await removeTree(ex, record.name, zoneRoot(record.zonepath));
}

/** Undoes what `made` records, newest first; failures here are not the error to report. */
export async function undoMade(ex: Executor, record: ZoneRecord, made: Made): Promise<void> {
  if (made.download !== undefined) await ex.run(['rm', '-f', made.download]);
  if (made.dataset !== undefined) {
    await runZfs(ex, ['destroy', '-r', made.dataset]);
    return;
  }
  if (made.root === true) await removeRoot(ex, record).catch(() => undefined);
  if (made.zonepath === true) await ex.run(['rmdir', record.zonepath]);
}

/** File systems mounted at or below `root` (from `mount -p`, fstab format). */
export async function mountsBelow(ex: Executor, root: string): Promise<string[]> {
  const r = await mustRun(ex, ['mount', '-p']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[1])
    .filter((m): m is string => m !== undefined && (m === root || m.startsWith(`${root}/`)));
}

/** A jail root outside the zonepath is never removed (it may be shared, or /):
 * uninstall goes on only once it is gone. */
async function assertRootGone(ex: Executor, record: ZoneRecord, root: string): Promise<void> {
  if ((await ex.run(['test', '-e', root])).code !== 0) return;
  throw new ZoneError('refused', `zone "${record.name}": its jail's root ${printable(root)} (a kept path parameter) is outside its zonepath ${printable(record.zonepath)}; nothing removed`, {
    zone: record.name,
    hint: `remove ${printable(root)} on ${ex.target} yourself if nothing else uses it, then uninstall again`,
  });
}

async function assertNothingMounted(ex: Executor, zone: string, root: string): Promise<void> {
  const mounted = await mountsBelow(ex, root);
  if (mounted.length === 0) return;
  throw new ZoneError('refused', `zone "${zone}": ${mounted.join(', ')} still mounted in its root; nothing removed`, {
    zone,
    hint: `halt the zone (zonectl halt ${zone}) or umount them first`,
  });
}

/** Removes the zone's files: its dataset (and the snapshot it was cloned from), or the
 * jail's root (ZONEPATH/root, or the path it keeps when that is inside the zonepath)
 * and then ZONEPATH if that is left empty. */
export async function removeZoneFiles(ex: Executor, record: ZoneRecord): Promise<void> {
  assertSafeZonepath(record.zonepath);
  const zone = record.name;
  const root = jailRoot(record);
  const inside = within(root, record.zonepath);
  if (!inside) await assertRootGone(ex, record, root);
  const ds = datasetAt(await listDatasets(ex), record.zonepath);
  if (ds !== undefined && !isPoolRoot(ds.name)) return destroyDataset(ex, FREEBSD_ZFS, ds.name, zone);
  if (!inside) {
    await ex.run(['rmdir', record.zonepath]);
    return;
  }
  await assertNothingMounted(ex, zone, root);
  // A root that is the zonepath itself goes whole, but never a top-level directory.
  if (root === record.zonepath && posix.dirname(root) === '/') {
    throw new ZoneError('refused', `zone "${zone}": its jail's root is ${printable(root)}, a top-level directory; nothing removed`, { zone, hint: `remove it on ${ex.target} yourself` });
  }
  await removeTree(ex, zone, root);
  if (root !== record.zonepath) await ex.run(['rmdir', record.zonepath]);
}

/** Fills the target's root from the halted source's: a zfs clone of a snapshot where
 * both are datasets of one pool, else a copy (tar keeps hard links, flags, owners). */
export async function cloneZoneFiles(ex: Executor, source: ZoneRecord, target: ZoneRecord): Promise<void> {
  assertSafeZonepath(source.zonepath);
  assertSafeZonepath(target.zonepath);
  assertStandardRoot(source, 'clone');
  assertStandardRoot(target, 'clone');
  const zone = target.name;
  const datasets = await listDatasets(ex);
  const from = datasetAt(datasets, source.zonepath);
  const to = datasetFor(datasets, target.zonepath);
  const pool = (name: string): string => name.split('/')[0] as string;
  if (from !== undefined && to !== undefined && pool(from.name) === pool(to)) return cloneDataset(ex, FREEBSD_ZFS, from.name, to, zone);
  const made: Made = {};
  try {
    await makeZonepath(ex, target, datasets, made);
    await mustRun(ex, ['sh', '-c', 'tar -C "$1" -cf - . | tar -C "$2" -xpf -', 'sh', zoneRoot(source.zonepath), zoneRoot(target.zonepath)], { zone });
  } catch (e) {
    await undoMade(ex, target, made);
    throw e;
  }
}
