// clone, snapshot, rollback, and what delete and uninstall must do for layered roots.
// The overlay driver (src/storage/layers.ts) makes clone and snapshot constant-time;
// these verbs hold the zones' locks, check states and write the zone records.
import { managedClone, managedRollback, managedSnapshotCreate, managedSnapshotDestroy, managedSnapshotList } from '../hosts/tool-host.js';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { withZone, type LockedZone } from './zone-lock.js';
import { validateZoneName, zoneRoot, type ZoneRecord, type ZoneStatus } from '../core/zone.js';
import { resolveInRoot } from '../install/root-path.js';
import { chooseDriver, sameDevice, settle, transition } from '../storage/driver.js';
import { readStorage, removeStorageRecord, writeStorage, type Paths, type ZoneStorage } from '../storage/journal.js';
import { collectLayers, frozen, layersDir, overlayFromPlain, removeOverlay } from '../storage/overlay.js';
import { dropTree, snapshotPath, toSubvolume, TREE_TEMPORARIES } from '../storage/tree.js';
import { runCapture } from '../transport/local.js';

function pathsOf(ctx: Context, record: ZoneRecord): Paths {
  return { zonepath: record.zonepath, zoneDir: ctx.store.dir(record.name), stateRoot: ctx.store.root, zone: record.name };
}

/** A zone's storage, adopted by its driver if it was a plain directory (the driver is
 * chosen then, and stays), any interrupted step finished, the root mounted. */
async function layered(ctx: Context, z: LockedZone): Promise<ZoneStorage> {
  const p = pathsOf(ctx, z.record);
  if (z.status.userland?.inPlace !== undefined) {
    throw new ZoneError('refused', `zone "${z.record.name}" uses ${z.status.userland.inPlace} in place: zonectl does not snapshot or clone a directory it does not own`, {
      zone: z.record.name,
    });
  }
  const current = await readStorage(p.zoneDir);
  if (current !== undefined) return settle(p, current, false);
  const { driver } = await chooseDriver(z.record.zonepath, ctx.store.root, z.record.config['storage-driver']);
  if (driver === 'overlay') {
    // Layers move by rename: checked before anything is journaled, never half-done.
    await mkdir(layersDir(ctx.store.root), { recursive: true, mode: 0o700 });
    if (!(await sameDevice(z.record.zonepath, layersDir(ctx.store.root)))) {
      throw new ZoneError('refused', `zone "${z.record.name}": overlay layers cannot move between ${z.record.zonepath} and ${layersDir(ctx.store.root)} (different filesystems)`, {
        zone: z.record.name,
        hint: `zonectl configure ${z.record.name} --set storage-driver=copy (or auto)`,
      });
    }
    return transition(p, overlayFromPlain(p), false);
  }
  if (driver === 'btrfs') await toSubvolume(p);
  const s: ZoneStorage = { driver, layers: [], snapshots: [] };
  await writeStorage(p.zoneDir, s);
  return s;
}

/** Nothing written since the last freeze: no new layer is needed. */
async function upperIsEmpty(p: Paths): Promise<boolean> {
  return (await readdir(join(p.zonepath, 'upper')).catch(() => ['?'])).length === 0;
}

/** Before anything reads or runs a zone's root: a journaled step finished, the overlay mounted. */
export async function ensureRoot(ctx: Context, record: ZoneRecord): Promise<void> {
  const p = pathsOf(ctx, record);
  const s = await readStorage(p.zoneDir);
  if (s !== undefined) await settle(p, s);
}

/** Gives a clone its own identity, as zoneadm's -u unconfiguring would: its own host
 * name where the source's was written, a new machine-id at first boot, ssh host keys
 * regenerated. */
async function unconfigure(root: string, from: string, to: string): Promise<void> {
  const hostname = await resolveInRoot(root, 'etc/hostname');
  if (hostname !== undefined && (await lstat(hostname)).isFile() && (await readFile(hostname, 'utf8')).trim() === from) {
    await writeFile(hostname, `${to}\n`);
  }
  const hosts = await resolveInRoot(root, 'etc/hosts');
  if (hosts !== undefined && (await lstat(hosts)).isFile()) {
    const word = new RegExp(`(?<=\\s)${from.replaceAll('.', '\\.')}(?=\\s|$)`, 'gm');
    const text = await readFile(hosts, 'utf8');
    if (word.test(text)) await writeFile(hosts, text.replace(word, to));
  }
  for (const f of ['etc/machine-id', 'var/lib/dbus/machine-id']) {
    const real = await resolveInRoot(root, f);
    // An empty machine-id makes systemd generate one at boot; a symlink stays as it is.
    if (real !== undefined && (await lstat(real)).isFile()) await writeFile(real, '');
  }
  const ssh = await resolveInRoot(root, 'etc/ssh');
  if (ssh !== undefined) {
    for (const f of await readdir(ssh).catch(() => [] as string[])) {
      if (/^ssh_host_.*key(\.pub)?$/.test(f)) await rm(join(ssh, f), { force: true });
    }
  }
}

/** The source's configuration, less what names the source itself: its host name,
 * and a fixed address (two zones cannot hold one; the clone takes the next free). */
function cloneConfig(config: Record<string, string>): Record<string, string> {
  const out = { ...config };
  delete out.hostname;
  if (out['net-address'] !== undefined && out['net-address'] !== 'auto') out['net-address'] = 'auto';
  return out;
}

export async function cloneZone(ctx: Context, source: string, target: string): Promise<void> {
  if (ctx.managed !== undefined) return managedClone(ctx, source, target);
  validateZoneName(target);
  if (await ctx.store.exists(target)) throw new ZoneError('exists', `zone "${target}" already exists`, { zone: target });
  await withZone(ctx, source, 'clone', async (z) => {
    const p = pathsOf(ctx, z.record);
    const before = await layered(ctx, z);
    // overlay: the source's changes frozen into a layer both zones share from now on.
    // (One mount at the end: the source's root stays usable on the host.)
    const src = before.driver !== 'overlay' || (await upperIsEmpty(p)) ? await settle(p, before) : await transition(p, frozen(p, before));
    const record: ZoneRecord = {
      name: target,
      brand: z.record.brand,
      zonepath: ctx.store.defaultZonepath(target),
      config: cloneConfig(z.record.config),
      createdAt: new Date().toISOString(),
    };
    // Incomplete until its root is made and unconfigured: a crash leaves a zone that
    // `zonectl delete -F` removes.
    const status: ZoneStatus = { state: 'incomplete', since: record.createdAt, operation: 'clone' };
    await ctx.store.create(record, status);
    const tp = pathsOf(ctx, record);
    const mine: ZoneStorage =
      src.driver === 'overlay'
        ? { driver: 'overlay', layers: [...src.layers], snapshots: [], origin: source, pending: { step: 'reset-upper' } }
        : // A subvolume snapshot or a copy: independent of the source once made.
          { driver: src.driver, layers: [], snapshots: [], pending: { step: 'make-tree', from: zoneRoot(z.record.zonepath), to: zoneRoot(record.zonepath), readonly: false } };
    await transition(tp, mine);
    await unconfigure(zoneRoot(record.zonepath), z.record.config.hostname ?? source, target);
    const userland = z.status.userland === undefined ? undefined : { ...z.status.userland, installedAt: new Date().toISOString() };
    await ctx.store.writeStatus(target, { state: 'installed', since: new Date().toISOString(), ...(userland === undefined ? {} : { userland }) });
  });
}

export interface SnapshotView {
  name: string;
  createdAt: string;
  /** Bytes in the layer the snapshot added (the changes since the one before it). */
  bytes: number;
}

async function duBytes(dir: string): Promise<number> {
  const r = await runCapture(['du', '-sb', dir]);
  return Number(r.stdout.split('\t')[0] ?? 0) || 0;
}

export async function snapshotCreate(ctx: Context, zone: string, name: string): Promise<SnapshotView> {
  if (ctx.managed !== undefined) return managedSnapshotCreate(ctx, zone, name);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new ZoneError('usage', `snapshot name "${name}": letters, digits, '-', '_', '.', at most 64`, { zone });
  return withZone(ctx, zone, 'snapshot', async (z) => {
    const p = pathsOf(ctx, z.record);
    const s = await layered(ctx, z);
    if (s.snapshots.some((x) => x.name === name)) throw new ZoneError('exists', `zone "${zone}" already has a snapshot "${name}"`, { zone });
    const createdAt = new Date().toISOString();
    if (s.driver !== 'overlay') {
      const path = snapshotPath(p, name);
      await transition(p, { ...s, snapshots: [...s.snapshots, { name, createdAt, path }], pending: { step: 'make-tree', from: zoneRoot(z.record.zonepath), to: path, readonly: true } });
      return { name, createdAt, bytes: await duBytes(path) };
    }
    const next = (await upperIsEmpty(p)) ? { ...s } : frozen(p, s);
    next.snapshots = [...s.snapshots, { name, createdAt, layers: [...next.layers] }];
    const done = await transition(p, next);
    return { name, createdAt, bytes: next.pending === undefined ? 0 : await duBytes(join(layersDir(ctx.store.root), done.layers[0] as string)) };
  });
}

export async function snapshotList(ctx: Context, zone: string): Promise<SnapshotView[]> {
  if (ctx.managed !== undefined) return managedSnapshotList(ctx, zone);
  await ctx.store.read(zone);
  const s = await readStorage(ctx.store.dir(zone));
  const out: SnapshotView[] = [];
  let previousTop: string | undefined;
  for (const snap of s?.snapshots ?? []) {
    // What it holds is the layer it added; a snapshot with no changes since the one
    // before it added none.
    if (snap.path !== undefined) {
      out.push({ name: snap.name, createdAt: snap.createdAt, bytes: await duBytes(snap.path) });
      continue;
    }
    const top = (snap.layers ?? [])[0] as string;
    const bytes = top === previousTop ? 0 : await duBytes(join(layersDir(ctx.store.root), top));
    out.push({ name: snap.name, createdAt: snap.createdAt, bytes });
    previousTop = top;
  }
  return out;
}

/** Every zone's state directory, for finding which layers are still named. */
async function allZoneDirs(ctx: Context): Promise<string[]> {
  return (await ctx.store.names()).map((n) => ctx.store.dir(n));
}

export async function snapshotDelete(ctx: Context, zone: string, name: string): Promise<number> {
  // A ZFS snapshot frees its own space at once; there are no layers to count.
  if (ctx.managed !== undefined) return managedSnapshotDestroy(ctx, zone, name).then(() => 0);
  return withZone(ctx, zone, 'snapshot', async (z) => {
    const p = pathsOf(ctx, z.record);
    // An interrupted step is finished first: the next journal must not replace it.
    const s = (await readStorage(p.zoneDir)) === undefined ? undefined : await layered(ctx, z);
    if (s === undefined || !s.snapshots.some((x) => x.name === name)) throw new ZoneError('not-found', `zone "${zone}" has no snapshot "${name}"`, { zone, hint: `zonectl snapshot ${zone} list` });
    const snap = s.snapshots.find((x) => x.name === name);
    const rest = { ...s, snapshots: s.snapshots.filter((x) => x.name !== name) };
    if (snap?.path !== undefined) {
      await transition(p, { ...rest, pending: { step: 'drop-tree', path: snap.path } });
      return 1;
    }
    await writeStorage(p.zoneDir, rest);
    // Its layers go only when nothing else (the zone's stack, another snapshot, a clone) names them.
    return collectLayers(ctx.store.root, await allZoneDirs(ctx));
  });
}

export async function rollbackZone(ctx: Context, zone: string, name: string): Promise<void> {
  if (ctx.managed !== undefined) return managedRollback(ctx, zone, name);
  await withZone(ctx, zone, 'rollback', async (z) => {
    const p = pathsOf(ctx, z.record);
    const s = (await readStorage(p.zoneDir)) === undefined ? undefined : await layered(ctx, z);
    const snap = s?.snapshots.find((x) => x.name === name);
    if (s === undefined || snap === undefined) throw new ZoneError('not-found', `zone "${zone}" has no snapshot "${name}"`, { zone, hint: `zonectl snapshot ${zone} list` });
    if (snap.path !== undefined) {
      // A writable tree made from the read-only snapshot replaces the root.
      await transition(p, { ...s, pending: { step: 'restore', from: snap.path } });
      return;
    }
    // The snapshot's layers are read-only: dropping the upper gives back the root exactly.
    await transition(p, { ...s, layers: [...(snap.layers ?? [])], pending: { step: 'reset-upper' } });
    await collectLayers(ctx.store.root, await allZoneDirs(ctx));
  });
}

/** Zones cloned from `zone` that still name it as their origin. */
export async function clonesOf(ctx: Context, zone: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await ctx.store.names()) if ((await readStorage(ctx.store.dir(n)))?.origin === zone) out.push(n);
  return out;
}

/** Makes clones independent of their origin: they keep the layers they share (layers
 * belong to no zone), only the dependency is dropped. */
export async function promoteClones(ctx: Context, clones: string[]): Promise<void> {
  for (const c of clones) {
    // Under the clone's own lock: it may be taking a snapshot meanwhile.
    await withZone(ctx, c, 'configure', async () => {
      const dir = ctx.store.dir(c);
      const s = await readStorage(dir);
      if (s === undefined) return;
      const next: ZoneStorage = { ...s };
      delete next.origin;
      await writeStorage(dir, next);
    }, false);
  }
}

/** Refuses to remove a zone others were cloned from, unless they are promoted first. */
export async function assertNoClones(ctx: Context, zone: string, promote: boolean): Promise<void> {
  const clones = await clonesOf(ctx, zone);
  if (clones.length === 0) return;
  if (promote) {
    await promoteClones(ctx, clones);
    return;
  }
  throw new ZoneError('refused', `zone "${zone}" has clones that depend on it: ${clones.join(', ')}`, {
    zone,
    hint: `add --promote-clones to make them independent first`,
  });
}

/** What uninstall does for a layered root: unmount, drop the upper, forget the stack,
 * collect layers nobody names any more. */
export async function removeLayeredRoot(ctx: Context, record: ZoneRecord): Promise<void> {
  const p = pathsOf(ctx, record);
  const s = await readStorage(p.zoneDir);
  if (s === undefined) return;
  if (s.driver === 'overlay') await removeOverlay(p);
  else {
    for (const snap of s.snapshots) if (snap.path !== undefined) await dropTree(s.driver, snap.path, record.name);
    await dropTree(s.driver, zoneRoot(record.zonepath), record.name);
  }
  for (const t of TREE_TEMPORARIES) await rm(join(record.zonepath, t), { recursive: true, force: true });
  await removeStorageRecord(p.zoneDir);
  await collectLayers(ctx.store.root, await allZoneDirs(ctx));
}

