// ZFS snapshots of a zone. zoneadm install makes a dataset for the zonepath when the
// zonepath's parent directory is a dataset (unless -x nodataset), found the way the
// brand uninstall scripts find it: the filesystem whose mountpoint is the zonepath
// (`zfs list -H -o name,mountpoint -t filesystem`). What lies under it depends on the
// brand: ipkg, lipkg and sparse keep the root in ZONEDS/ROOT/zbe[-N] (mountpoint
// legacy, zoned=on; sparse adds ROOT/zbe/svc ...), Solaris 10 native zones and 2016's
// OmniOS lx keep it as a directory in ZONEDS itself. So a snapshot is the whole tree:
// zfs snapshot -r and zfs destroy -r of ZONEDS@zonectl-NAME, and a rollback is each
// dataset of the tree rolled back on its own (zfs rollback does not recurse).
//
// Our snapshots are named zonectl-NAME: zoneadm clone takes SUNWzoneN snapshots of the
// source, brands and admins take others; only ours are listed, all are seen by rollback.
import { posix } from 'node:path';
import { ZoneError, errnoCode } from '../../core/errors.js';
import { printable, type ZoneRecord } from '../../core/zone.js';
import { lastLine, type ExecResult, type Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import type { ManagedSnapshot } from '../tool-backend.js';

export const SNAPSHOT_PREFIX = 'zonectl-';

export interface ZfsSnapshotRow {
  dataset: string;
  /** The part after '@'. */
  snap: string;
  /** Seconds since the epoch (zfs -p). */
  creation?: number;
  /** Bytes (zfs -p). */
  used?: number;
}

/** A zone's datasets and their snapshots, in the order zfs listed them (creation). */
export interface ZfsTree {
  datasets: string[];
  snapshots: ZfsSnapshotRow[];
}

/** The dataset mounted at the zonepath, from `zfs list -H -o name,mountpoint` lines. */
export function datasetAt(stdout: string, zonepath: string): string | undefined {
  const want = posix.normalize(zonepath).replace(/(.)\/$/, '$1');
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    if (line.slice(tab + 1).replace(/\r$/, '') === want) return line.slice(0, tab);
  }
  return undefined;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `zfs list -H[p] -o name[,creation,used]` lines of datasets and snapshots. */
export function parseTree(stdout: string): ZfsTree {
  const tree: ZfsTree = { datasets: [], snapshots: [] };
  for (const line of stdout.split('\n')) {
    const [name = '', creation, used] = line.replace(/\r$/, '').split('\t');
    if (name === '') continue;
    const at = name.indexOf('@');
    if (at < 0) {
      tree.datasets.push(name);
      continue;
    }
    const row: ZfsSnapshotRow = { dataset: name.slice(0, at), snap: name.slice(at + 1) };
    const c = numberOrUndefined(creation);
    const u = numberOrUndefined(used);
    if (c !== undefined) row.creation = c;
    if (u !== undefined) row.used = u;
    tree.snapshots.push(row);
  }
  return tree;
}

/** `zfs get -Hp -o name,property,value creation,used ...` lines onto the tree's rows
 * (Solaris, whose zfs list has no -p). */
export function addZfsGet(tree: ZfsTree, stdout: string): ZfsTree {
  const values = new Map<string, { creation?: number; used?: number }>();
  for (const line of stdout.split('\n')) {
    const [name = '', prop, value] = line.replace(/\r$/, '').split('\t');
    const n = numberOrUndefined(value);
    if (n === undefined || (prop !== 'creation' && prop !== 'used')) continue;
    values.set(name, { ...values.get(name), [prop]: n });
  }
  return {
    datasets: tree.datasets,
    snapshots: tree.snapshots.map((r) => ({ ...r, ...values.get(`${r.dataset}@${r.snap}`) })),
  };
}

/** zonectl's snapshots of the tree, oldest first: each name once, its creation the
 * top dataset's, its bytes what it holds in every dataset of the tree together. */
export function zonectlSnapshots(tree: ZfsTree): ManagedSnapshot[] {
  const byName = new Map<string, { creation: number; bytes: number }>();
  for (const r of tree.snapshots) {
    if (!r.snap.startsWith(SNAPSHOT_PREFIX)) continue;
    const name = r.snap.slice(SNAPSHOT_PREFIX.length);
    const seen = byName.get(name) ?? { creation: Number.POSITIVE_INFINITY, bytes: 0 };
    byName.set(name, { creation: Math.min(seen.creation, r.creation ?? Number.POSITIVE_INFINITY), bytes: seen.bytes + (r.used ?? 0) });
  }
  return [...byName.entries()]
    .map(([name, s]) => ({ name, createdAt: Number.isFinite(s.creation) ? new Date(s.creation * 1000).toISOString() : 'unknown', bytes: s.bytes }))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** A snapshot as rollback's refusal names it: ours by their zonectl name, others whole. */
function shown(r: ZfsSnapshotRow): string {
  return r.snap.startsWith(SNAPSHOT_PREFIX) ? r.snap.slice(SNAPSHOT_PREFIX.length) : `${r.dataset}@${r.snap}`;
}

function listed(names: string[], max = 5): string {
  const unique = [...new Set(names)];
  return unique.length <= max ? unique.join(', ') : `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}

/** The datasets to roll back, each to its own zonectl-NAME; refused (one line) when a
 * dataset has newer snapshots, which zfs rollback without -r refuses as well, or has
 * no such snapshot (made after it), which a rollback would leave as it is. */
export function planRollback(tree: ZfsTree, zone: string, name: string): string[] {
  const snap = `${SNAPSHOT_PREFIX}${name}`;
  const newer: ZfsSnapshotRow[] = [];
  const without: string[] = [];
  for (const ds of tree.datasets) {
    const rows = tree.snapshots.filter((r) => r.dataset === ds);
    const i = rows.findIndex((r) => r.snap === snap);
    if (i < 0) without.push(ds);
    else newer.push(...rows.slice(i + 1));
  }
  if (without.length === tree.datasets.length) {
    throw new ZoneError('not-found', `zone "${zone}" has no snapshot "${printable(name)}"`, { zone, hint: `zonectl snapshot ${zone} list` });
  }
  const why = `cannot roll back zone "${zone}" to snapshot "${printable(name)}"`;
  if (without.length > 0) {
    throw new ZoneError('refused', `${why}: ${listed(without)} has no such snapshot (made after it, or it was destroyed there)`, {
      zone,
      hint: 'take a new snapshot of the whole zone, or roll those datasets back by hand with zfs rollback',
    });
  }
  if (newer.length > 0) {
    const ours = newer.find((r) => r.snap.startsWith(SNAPSHOT_PREFIX));
    throw new ZoneError('refused', `${why}: newer snapshots exist: ${listed(newer.map(shown))}`, {
      zone,
      hint: `zfs rollback goes back only to the newest snapshot: delete the newer ones first${ours === undefined ? ' (zfs destroy; a SUNWzoneN one may be the origin of a cloned zone)' : ` (zonectl snapshot ${zone} delete ${shown(ours)})`}`,
    });
  }
  return tree.datasets;
}

/** What a failed zfs command said: its first line on stderr (the "cannot ..." one; the
 * lines after it are lists of names). */
function zfsSaid(r: ExecResult): string {
  return r.stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? lastLine(r);
}

/** The ZFS side of snapshotCreate/List/Destroy and rollback, through the executor. */
export class ZoneSnapshots {
  constructor(
    private readonly ex: Executor,
    private readonly host: HostOs,
  ) {}

  private where(): string {
    return this.ex.target === 'local' ? '' : ` on ${this.ex.target}`;
  }

  /** Runs zfs; a host without it is told as such (127 from a shell, ENOENT here). */
  private async zfs(zone: string, args: string[]): Promise<ExecResult> {
    let r: ExecResult;
    try {
      r = await this.ex.run(['zfs', ...args]);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      r = { code: 127, stdout: '', stderr: 'zfs: not found' };
    }
    if (r.code === 127) {
      throw new ZoneError('refused', `zone "${zone}" has no snapshots: ${this.ex.target} has no zfs command`, { zone, hint: 'zone snapshots are ZFS snapshots of the zonepath\'s dataset' });
    }
    if (r.code !== 0) throw new ZoneError('runtime', `zfs ${args.join(' ')} failed${this.where()}: ${zfsSaid(r)}`, { zone });
    return r;
  }

  /** The zonepath's own dataset, or refused in one line. */
  async dataset(record: ZoneRecord): Promise<string> {
    const r = await this.zfs(record.name, ['list', '-H', '-o', 'name,mountpoint', '-t', 'filesystem']);
    const ds = datasetAt(r.stdout, record.zonepath);
    if (ds !== undefined) return ds;
    throw new ZoneError('refused', `zone "${record.name}" has no snapshots: its zonepath ${printable(record.zonepath)} is not a ZFS dataset of its own`, {
      zone: record.name,
      hint: `zoneadm install makes one when the zonepath's parent (${posix.dirname(record.zonepath)}) is a ZFS dataset: e.g. zfs create -o mountpoint=${posix.dirname(record.zonepath)} rpool/zones before installing the zone`,
    });
  }

  /** The tree's datasets and snapshots. illumos zfs list has -p (exact numbers);
   * Solaris 10's has not, so there the numbers of our snapshots come from zfs get -Hp. */
  async tree(zone: string, ds: string): Promise<ZfsTree> {
    const types = ['-t', 'filesystem,volume,snapshot', '-s', 'creation', '-r', ds];
    if (this.host.kind === 'illumos') return parseTree((await this.zfs(zone, ['list', '-Hp', '-o', 'name,creation,used', ...types])).stdout);
    const tree = parseTree((await this.zfs(zone, ['list', '-H', '-o', 'name', ...types])).stdout);
    const ours = tree.snapshots.filter((r) => r.snap.startsWith(SNAPSHOT_PREFIX)).map((r) => `${r.dataset}@${r.snap}`);
    if (ours.length === 0) return tree;
    return addZfsGet(tree, (await this.zfs(zone, ['get', '-Hp', '-o', 'name,property,value', 'creation,used', ...ours])).stdout);
  }

  async list(record: ZoneRecord): Promise<ManagedSnapshot[]> {
    return zonectlSnapshots(await this.tree(record.name, await this.dataset(record)));
  }

  async create(record: ZoneRecord, name: string): Promise<ManagedSnapshot> {
    const ds = await this.dataset(record);
    if (zonectlSnapshots(await this.tree(record.name, ds)).some((s) => s.name === name)) {
      throw new ZoneError('exists', `zone "${record.name}" already has a snapshot "${printable(name)}"`, { zone: record.name, hint: `zonectl snapshot ${record.name} delete ${name} first, or choose another name` });
    }
    // -r: the zone's root is in datasets under the zonepath's (ROOT/zbe), taken at once.
    await this.zfs(record.name, ['snapshot', '-r', `${ds}@${SNAPSHOT_PREFIX}${name}`]);
    const made = zonectlSnapshots(await this.tree(record.name, ds)).find((s) => s.name === name);
    if (made === undefined) throw new ZoneError('runtime', `zfs snapshot -r ${ds}@${SNAPSHOT_PREFIX}${name} left no snapshot${this.where()}`, { zone: record.name });
    return made;
  }

  async destroy(record: ZoneRecord, name: string): Promise<void> {
    const ds = await this.dataset(record);
    if (!zonectlSnapshots(await this.tree(record.name, ds)).some((s) => s.name === name)) {
      throw new ZoneError('not-found', `zone "${record.name}" has no snapshot "${printable(name)}"`, { zone: record.name, hint: `zonectl snapshot ${record.name} list` });
    }
    await this.zfs(record.name, ['destroy', '-r', `${ds}@${SNAPSHOT_PREFIX}${name}`]);
  }

  async rollback(record: ZoneRecord, name: string): Promise<void> {
    const ds = await this.dataset(record);
    const done: string[] = [];
    for (const d of planRollback(await this.tree(record.name, ds), record.name, name)) {
      try {
        await this.zfs(record.name, ['rollback', `${d}@${SNAPSHOT_PREFIX}${name}`]);
      } catch (e) {
        // Said plainly: a rollback stopped half way leaves the zone's datasets apart.
        if (e instanceof ZoneError && done.length > 0) {
          throw new ZoneError(e.code, `${e.message} (already rolled back: ${done.join(', ')})`, { zone: record.name, hint: `fix the cause and run zonectl rollback ${record.name} ${name} again` });
        }
        throw e;
      }
      done.push(d);
    }
  }
}
