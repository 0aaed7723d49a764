// Which ZFS dataset a zone has, found as zoneadm's brand scripts find it: the dataset
// whose mountpoint is the zonepath. And the few things zonectl itself does to datasets
// where the host's tools do not (FreeBSD: a dataset per jail, zfs clones for zonectl
// clone, and their removal).
import { posix } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import type { Executor } from '../../transport/executor.js';
import type { ZfsFlavour } from './flavour.js';
import { mustZfs, runZfs, where, zfsMessage } from './zfs.js';

export interface Dataset {
  name: string;
  mountpoint: string;
}

/** `zfs list -H -o name,mountpoint` lines. Datasets mounted nowhere (legacy, none, a
 * volume's -) are kept: they can still be below a zone's dataset. Snapshots, which an
 * old zfs lists by default (before the listsnapshots pool property), are not. */
export function parseDatasets(stdout: string): Dataset[] {
  const out: Dataset[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.replace(/\r$/, '').split('\t');
    if (f.length !== 2 || f[0] === '' || (f[0] as string).includes('@')) continue;
    out.push({ name: f[0] as string, mountpoint: f[1] as string });
  }
  return out;
}

/** Every dataset of the host; none where zfs list fails (no ZFS: FreeBSD without its
 * module says "failed to initialize ZFS library"), undefined where there is no zfs. */
export async function listDatasets(ex: Executor): Promise<Dataset[] | undefined> {
  const r = await runZfs(ex, ['list', '-H', '-o', 'name,mountpoint']);
  if (r.code === 127) return undefined;
  return r.code === 0 ? parseDatasets(r.stdout) : [];
}

/** The dataset mounted exactly at `path` (a trailing slash aside). */
export function datasetAt(datasets: Dataset[], path: string): Dataset | undefined {
  if (!path.startsWith('/')) return undefined;
  const want = posix.normalize(path).replace(/(.)\/$/, '$1');
  return datasets.find((d) => d.mountpoint === want);
}

/** The datasets below `name` (its children and theirs). */
export function childDatasets(datasets: Dataset[], name: string): string[] {
  return datasets.filter((d) => d.name.startsWith(`${name}/`)).map((d) => d.name);
}

/** A pool's top dataset: a zone's snapshot or removal of it would take the whole pool. */
export function isPoolRoot(name: string): boolean {
  return !name.includes('/');
}

/** The dataset a new directory at `path` gets: its parent directory's dataset plus the
 * directory's name. Only when the parent is itself a mountpoint: a dataset further up
 * would make `zfs create -p` cover existing directories with new datasets. */
export function datasetFor(datasets: Dataset[], path: string): string | undefined {
  const parent = datasetAt(datasets, posix.dirname(path));
  return parent === undefined ? undefined : `${parent.name}/${posix.basename(path)}`;
}

/** The snapshot zonectl clone takes of `from` to make zone `target`'s dataset from. */
export function cloneSnapshot(flavour: ZfsFlavour, from: string, target: string): string {
  if (flavour.clonePrefix === undefined) throw new Error(`zfs: ${flavour.os} zones are cloned by the host's own tools`);
  return `${from}@${flavour.clonePrefix}${target}`;
}

/** zfs clone of a new snapshot of `from` as `to`; the snapshot goes again if the clone fails. */
export async function cloneDataset(ex: Executor, flavour: ZfsFlavour, from: string, to: string, zone: string): Promise<void> {
  const snapshot = cloneSnapshot(flavour, from, zone);
  await mustZfs(ex, ['snapshot', snapshot], zone);
  const r = await runZfs(ex, ['clone', snapshot, to]);
  if (r.code === 0) return;
  await runZfs(ex, ['destroy', snapshot]);
  throw new ZoneError('runtime', `zfs clone ${snapshot} ${to} failed${where(ex)}: ${zfsMessage(r)}`, { zone });
}

/** Destroys a zone's dataset with what is below it, then the snapshot zonectl clone made
 * it from. A dataset other zones were cloned from cannot go (zfs would need -R, taking
 * those zones with it): refused, naming them. */
export async function destroyDataset(ex: Executor, flavour: ZfsFlavour, dataset: string, zone: string): Promise<void> {
  const origin = (await runZfs(ex, ['get', '-H', '-o', 'value', 'origin', dataset])).stdout.trim();
  const r = await runZfs(ex, ['destroy', '-r', dataset]);
  if (r.code !== 0) {
    const why = zfsMessage(r);
    const clones = /dependent clones/.test(why);
    throw new ZoneError(clones ? 'refused' : 'runtime', `zfs destroy -r ${dataset} failed${where(ex)}: ${why}`, {
      zone,
      ...(clones ? { hint: 'zones were cloned from this one: uninstall them first, or zfs promote their datasets' } : {}),
    });
  }
  if (flavour.clonePrefix !== undefined && origin.endsWith(`@${flavour.clonePrefix}${zone}`)) await runZfs(ex, ['destroy', origin]);
}
