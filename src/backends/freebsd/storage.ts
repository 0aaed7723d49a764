// Where a jail's files live on the host: a ZFS dataset per zone when the zonepath's
// parent directory is a dataset's mountpoint (clones are then zfs clones), a plain
// 0700 directory otherwise. Removal is guarded: only ZONEPATH/root, never across a
// mount point, never while something is mounted inside it.
import { posix } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import { printable, zoneRoot, type ZoneRecord } from '../../core/zone.js';
import { lastLine, mustRun, type Executor } from '../../hosts/executor.js';

export interface Dataset {
  name: string;
  mountpoint: string;
}

/** What a step created, so a failure removes exactly that. */
export interface Made {
  dataset?: string;
  zonepath?: boolean;
  root?: boolean;
  download?: string;
}

/** `zfs list -H -o name,mountpoint`; none on a host without ZFS. */
export async function listDatasets(ex: Executor): Promise<Dataset[]> {
  const r = await ex.run(['zfs', 'list', '-H', '-o', 'name,mountpoint']);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length === 2 && (f[1] as string).startsWith('/'))
    .map(([name, mountpoint]) => ({ name: name as string, mountpoint: mountpoint as string }));
}

export function datasetAt(datasets: Dataset[], path: string): Dataset | undefined {
  return datasets.find((d) => d.mountpoint === path);
}

/** The dataset a zone gets: its parent directory's dataset plus the zone's directory
 * name. Only when the parent is itself a mountpoint: a dataset further up would make
 * `zfs create -p` cover existing directories with new datasets. */
export function zoneDataset(datasets: Dataset[], zonepath: string): string | undefined {
  const parent = datasetAt(datasets, posix.dirname(zonepath));
  return parent === undefined ? undefined : `${parent.name}/${posix.basename(zonepath)}`;
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
  const dataset = zoneDataset(datasets, record.zonepath);
  if (dataset !== undefined) {
    await mustRun(ex, ['zfs', 'create', '-p', dataset], { zone });
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
 * file system, so a mount left inside the root is never descended into. */
export async function removeRoot(ex: Executor, record: ZoneRecord): Promise<void> {
  assertSafeZonepath(record.zonepath);
  const root = zoneRoot(record.zonepath);
  await ex.run(['chflags', '-R', '0', root]);
  await mustRun(ex, ['rm', '-rfx', root], { zone: record.name });
}

/** Undoes what `made` records, newest first; failures here are not the error to report. */
export async function undoMade(ex: Executor, record: ZoneRecord, made: Made): Promise<void> {
  if (made.download !== undefined) await ex.run(['rm', '-f', made.download]);
  if (made.dataset !== undefined) {
    await ex.run(['zfs', 'destroy', '-r', made.dataset]);
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

/** Removes the zone's files: its dataset (and the snapshot it was cloned from), or
 * ZONEPATH/root and then ZONEPATH if that is left empty. */
export async function removeZoneFiles(ex: Executor, record: ZoneRecord): Promise<void> {
  assertSafeZonepath(record.zonepath);
  const zone = record.name;
  const ds = datasetAt(await listDatasets(ex), record.zonepath);
  if (ds !== undefined && ds.name.includes('/')) {
    const origin = (await ex.run(['zfs', 'get', '-H', '-o', 'value', 'origin', ds.name])).stdout.trim();
    await mustRun(ex, ['zfs', 'destroy', '-r', ds.name], { zone });
    if (origin.endsWith(`@clone-${zone}`)) await ex.run(['zfs', 'destroy', origin]);
    return;
  }
  const root = zoneRoot(record.zonepath);
  const mounted = await mountsBelow(ex, root);
  if (mounted.length > 0) {
    throw new ZoneError('refused', `zone "${zone}": ${mounted.join(', ')} still mounted in its root; nothing removed`, {
      zone,
      hint: `halt the zone (zonectl halt ${zone}) or umount them first`,
    });
  }
  await removeRoot(ex, record);
  await ex.run(['rmdir', record.zonepath]);
}

/** Fills the target's root from the halted source's: a zfs clone of a snapshot where
 * both are datasets of one pool, else a copy (tar keeps hard links, flags, owners). */
export async function cloneZoneFiles(ex: Executor, source: ZoneRecord, target: ZoneRecord): Promise<void> {
  assertSafeZonepath(source.zonepath);
  assertSafeZonepath(target.zonepath);
  const zone = target.name;
  const datasets = await listDatasets(ex);
  const from = datasetAt(datasets, source.zonepath);
  const to = zoneDataset(datasets, target.zonepath);
  const pool = (name: string): string => name.split('/')[0] as string;
  if (from !== undefined && to !== undefined && pool(from.name) === pool(to)) {
    const snapshot = `${from.name}@clone-${target.name}`;
    await mustRun(ex, ['zfs', 'snapshot', snapshot], { zone });
    const r = await ex.run(['zfs', 'clone', snapshot, to]);
    if (r.code !== 0) {
      await ex.run(['zfs', 'destroy', snapshot]);
      throw new ZoneError('runtime', `zfs clone ${snapshot} ${to} failed on ${ex.target}: ${lastLine(r)}`, { zone });
    }
    return;
  }
  const made: Made = {};
  try {
    await makeZonepath(ex, target, datasets, made);
    await mustRun(ex, ['sh', '-c', 'tar -C "$1" -cf - . | tar -C "$2" -xpf -', 'sh', zoneRoot(source.zonepath), zoneRoot(target.zonepath)], { zone });
  } catch (e) {
    await undoMade(ex, target, made);
    throw e;
  }
}
