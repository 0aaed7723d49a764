// zonectl snapshots of a jail or illumos zone are ZFS snapshots of its zonepath's dataset (the
// dataset alone, or the tree below it: flavour.ts says which, and why, per OS), named
// PREFIX + the user's name. The core holds the zone's lock and has checked the zone is
// installed and halted; what cannot hold snapshots is refused in one line, with why.
import { ZoneError } from '../../core/errors.js';
import { printable, type ZoneRecord } from '../../core/zone.js';
import type { Executor } from '../../transport/executor.js';
import type { SnapshotView } from '../../core/zone.js';
import { childDatasets, datasetAt, isPoolRoot, listDatasets } from './datasets.js';
import type { ZfsFlavour } from './flavour.js';
import { addZfsGet, listed, mustZfs, parseTree, runZfs, where, zfsMessage, type ZfsSnapshotRow, type ZfsTree } from './zfs.js';

/** The user's name of a snapshot zonectl shows, or undefined for one it does not
 * (another tool's, or zonectl clone's own). */
export function userName(flavour: ZfsFlavour, snap: string): string | undefined {
  if (!snap.startsWith(flavour.prefix)) return undefined;
  if (flavour.clonePrefix !== undefined && snap.startsWith(flavour.clonePrefix)) return undefined;
  return snap.slice(flavour.prefix.length);
}

/** The zone's snapshots as list shows them, in the order zfs listed them (flavour.order):
 * each name once, its creation the earliest of its datasets', its bytes what it holds
 * in all of them together. */
export function listView(flavour: ZfsFlavour, tree: ZfsTree): SnapshotView[] {
  const byName = new Map<string, { creation: number; bytes: number }>();
  for (const r of tree.snapshots) {
    const name = userName(flavour, r.snap);
    if (name === undefined) continue;
    const seen = byName.get(name) ?? { creation: Number.POSITIVE_INFINITY, bytes: 0 };
    byName.set(name, { creation: Math.min(seen.creation, r.creation ?? Number.POSITIVE_INFINITY), bytes: seen.bytes + (r.used ?? 0) });
  }
  return [...byName.entries()].map(([name, s]) => ({
    name,
    createdAt: Number.isFinite(s.creation) ? new Date(s.creation * 1000).toISOString() : 'unknown',
    bytes: s.bytes,
  }));
}

/** The newer snapshots a rollback would have to destroy, as words for the refusal and
 * what removes each: zonectl's delete for the user's, uninstalling the zone cloned from
 * a zonectl clone snapshot, zfs destroy for another tool's. */
function inTheWay(flavour: ZfsFlavour, zone: string, newer: ZfsSnapshotRow[]): { names: string; hint: string } {
  const own = new Set<string>();
  const clones = new Set<string>();
  const foreign = new Set<string>();
  for (const r of newer) {
    const name = userName(flavour, r.snap);
    if (name !== undefined) own.add(name);
    else if (flavour.clonePrefix !== undefined && r.snap.startsWith(flavour.clonePrefix)) clones.add(r.snap.slice(flavour.clonePrefix.length));
    else foreign.add(`${r.dataset}@${r.snap}`);
  }
  const names = [...own, ...[...clones].map((z) => `${flavour.clonePrefix ?? ''}${z} (zone ${z} was cloned from it)`), ...foreign];
  const steps = [
    ...[...own].map((n) => `zonectl snapshot ${zone} delete ${n}`),
    ...[...clones].map((z) => `zonectl uninstall -F ${z} (or zfs promote its dataset)`),
    ...(foreign.size === 0 ? [] : [`zfs destroy ${listed([...foreign])} if nothing needs ${foreign.size === 1 ? 'it' : 'them'} (zfs get clones shows a zone cloned from one)`]),
  ];
  return { names: listed(names, 8), hint: `delete them first: ${steps.join('; ')}` };
}

/** The datasets to roll back, each to its own snapshot of that name. Refused in one
 * line, before anything runs, when a dataset has newer snapshots (zfs rollback without
 * -r refuses them too: never -r, which would destroy them unasked) or lacks the
 * snapshot (made after it), which a rollback would leave as it is. */
export function planRollback(flavour: ZfsFlavour, tree: ZfsTree, zone: string, name: string): string[] {
  const snap = `${flavour.prefix}${name}`;
  const newer: ZfsSnapshotRow[] = [];
  const without: string[] = [];
  for (const ds of tree.datasets) {
    const rows = tree.snapshots.filter((r) => r.dataset === ds);
    const i = rows.findIndex((r) => r.snap === snap);
    if (i < 0) without.push(ds);
    else newer.push(...rows.slice(i + 1));
  }
  if (without.length === tree.datasets.length) throw notFound(zone, name);
  const rollback = `zone "${zone}": rollback to "${printable(name)}"`;
  if (without.length > 0) {
    const one = without.length === 1;
    throw new ZoneError(
      'refused',
      `${rollback} would leave ${listed(without)} as ${one ? 'it is' : 'they are'} (no such snapshot there: made after it, or destroyed there); nothing rolled back`,
      {
        zone,
        hint: 'take a new snapshot of the whole zone, or roll those datasets back by hand with zfs rollback',
      },
    );
  }
  if (newer.length > 0) {
    const w = inTheWay(flavour, zone, newer);
    throw new ZoneError('refused', `${rollback} would destroy the newer snapshots ${w.names}; nothing rolled back`, { zone, hint: w.hint });
  }
  return tree.datasets;
}

function notFound(zone: string, name: string): ZoneError {
  return new ZoneError('not-found', `zone "${zone}" has no snapshot "${printable(name)}"`, { zone, hint: `zonectl snapshot ${zone} list` });
}

/** Rows of `top` (and, for a tree, of the datasets below it) only. */
function scoped(flavour: ZfsFlavour, tree: ZfsTree, top: string): ZfsTree {
  const mine = (ds: string): boolean => ds === top || (flavour.scope === 'tree' && ds.startsWith(`${top}/`));
  return { datasets: tree.datasets.filter(mine), snapshots: tree.snapshots.filter((r) => mine(r.dataset)) };
}

export interface ZoneSnapshotOptions {
  /** Why the zone's dataset does not hold the zone after all (FreeBSD: a jail whose root
   * is outside it), or undefined. */
  notHeld?: (record: ZoneRecord, dataset: string) => string | undefined;
}

/** snapshotCreate/List/Destroy and rollback of ToolBackend, through the executor. */
export class ZoneSnapshots {
  constructor(
    private readonly ex: Executor,
    readonly flavour: ZfsFlavour,
    private readonly opts: ZoneSnapshotOptions = {},
  ) {}

  private refuse(record: ZoneRecord, why: string, hint: string): ZoneError {
    return new ZoneError('refused', `zone "${record.name}" has no ZFS snapshots: ${why}`, { zone: record.name, hint });
  }

  /** The zone's own dataset, mounted at its zonepath and not a pool's top; refused in
   * one line otherwise. */
  async dataset(record: ZoneRecord): Promise<string> {
    const all = await listDatasets(this.ex);
    if (all === undefined) throw this.refuse(record, `${this.ex.target} has no zfs command`, "zone snapshots are ZFS snapshots of the zonepath's dataset");
    const hint = this.flavour.notOwnHint(record.zonepath);
    const ds = datasetAt(all, record.zonepath);
    if (ds === undefined || isPoolRoot(ds.name)) throw this.refuse(record, `its zonepath ${printable(record.zonepath)} is not a ZFS dataset of its own`, hint);
    if (this.flavour.scope === 'dataset') {
      const children = childDatasets(all, ds.name);
      if (children.length > 0) throw this.refuse(record, `its dataset ${ds.name} has datasets below it (${children.join(', ')}) that a snapshot of it would not hold`, hint);
    }
    const why = this.opts.notHeld?.(record, ds.name);
    if (why !== undefined) throw this.refuse(record, why, hint);
    return ds.name;
  }

  /** The zone's datasets and snapshots, in flavour.order. Where zfs list has no -p,
   * the names first, then the numbers of the snapshots zonectl shows from zfs get -Hp. */
  async tree(zone: string, ds: string): Promise<ZfsTree> {
    const f = this.flavour;
    const types = ['-t', 'filesystem,volume,snapshot', '-s', f.order, '-r', ds];
    if (f.exactList) return scoped(f, parseTree((await mustZfs(this.ex, ['list', '-Hp', '-o', 'name,creation,used', ...types], zone)).stdout), ds);
    const tree = scoped(f, parseTree((await mustZfs(this.ex, ['list', '-H', '-o', 'name', ...types], zone)).stdout), ds);
    const shown = tree.snapshots.filter((r) => userName(f, r.snap) !== undefined).map((r) => `${r.dataset}@${r.snap}`);
    if (shown.length === 0) return tree;
    return addZfsGet(tree, (await mustZfs(this.ex, ['get', '-Hp', '-o', 'name,property,value', 'creation,used', ...shown], zone)).stdout);
  }

  /** The clone prefix is zonectl clone's: a user's name never takes that form. */
  private assertUserName(record: ZoneRecord, name: string): void {
    const p = this.flavour.clonePrefix;
    if (p === undefined || !name.startsWith(p)) return;
    throw new ZoneError('usage', `snapshot name "${printable(name)}": names starting with ${p} are kept for the snapshots zonectl clone makes`, { zone: record.name });
  }

  /** -r where the zone is a tree: its datasets are snapshotted and destroyed at once. */
  private recursive(): string[] {
    return this.flavour.scope === 'tree' ? ['-r'] : [];
  }

  async list(record: ZoneRecord): Promise<SnapshotView[]> {
    return listView(this.flavour, await this.tree(record.name, await this.dataset(record)));
  }

  /** zfs refuses a name taken (on any dataset of the tree, taking none), and says so. */
  async create(record: ZoneRecord, name: string): Promise<SnapshotView> {
    this.assertUserName(record, name);
    const ds = await this.dataset(record);
    const args = ['snapshot', ...this.recursive(), `${ds}@${this.flavour.prefix}${name}`];
    const r = await runZfs(this.ex, args);
    if (r.code !== 0 && /already exists/.test(r.stderr)) {
      throw new ZoneError('exists', `zone "${record.name}" already has a snapshot "${printable(name)}"`, {
        zone: record.name,
        hint: `zonectl snapshot ${record.name} delete ${name} first, or choose another name`,
      });
    }
    if (r.code !== 0) throw new ZoneError('runtime', `zfs ${args.join(' ')} failed${where(this.ex)}: ${zfsMessage(r)}`, { zone: record.name });
    const made = listView(this.flavour, await this.tree(record.name, ds)).find((s) => s.name === name);
    if (made === undefined) throw new ZoneError('runtime', `zfs list -r ${ds}${where(this.ex)} did not show the snapshot just taken (${args.at(-1) as string})`, { zone: record.name });
    return made;
  }

  async destroy(record: ZoneRecord, name: string): Promise<void> {
    this.assertUserName(record, name);
    const ds = await this.dataset(record);
    if (!listView(this.flavour, await this.tree(record.name, ds)).some((s) => s.name === name)) throw notFound(record.name, name);
    await mustZfs(this.ex, ['destroy', ...this.recursive(), `${ds}@${this.flavour.prefix}${name}`], record.name);
  }

  /** Each dataset on its own (zfs rollback does not recurse), the top one first. zfs also
   * refuses over newer bookmarks, which the list does not show: its words then. */
  async rollback(record: ZoneRecord, name: string): Promise<void> {
    this.assertUserName(record, name);
    const ds = await this.dataset(record);
    const done: string[] = [];
    for (const d of planRollback(this.flavour, await this.tree(record.name, ds), record.name, name)) {
      try {
        await mustZfs(this.ex, ['rollback', `${d}@${this.flavour.prefix}${name}`], record.name);
      } catch (e) {
        // Said plainly: a rollback stopped half way leaves the zone's datasets apart.
        if (e instanceof ZoneError && done.length > 0) {
          throw new ZoneError(e.code, `${e.message} (already rolled back: ${done.join(', ')})`, {
            zone: record.name,
            hint: `fix the cause and run zonectl rollback ${record.name} ${name} again`,
          });
        }
        throw e;
      }
      done.push(d);
    }
  }
}
