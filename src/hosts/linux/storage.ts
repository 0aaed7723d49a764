// A Linux zone's root under its storage driver (overlay layers, btrfs subvolumes, or
// copies): clone, snapshot, rollback, and what uninstall must do for a layered root.
// The verbs hold the zones' locks and write their states; this owns the files.
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import type { ZoneStore } from '../../core/store.js';
import { zoneRoot, type ZoneRecord, type ZoneStatus } from '../../core/zone.js';
import { resolveInRoot } from '../../install/root-path.js';
import { chooseDriver, sameDevice, settle, transition } from '../../storage/driver.js';
import { readStorage, removeStorageRecord, writeStorage, type Paths, type ZoneStorage } from '../../storage/journal.js';
import { collectLayers, frozen, layersDir, overlayFromPlain, removeOverlay } from '../../storage/overlay.js';
import { dropTree, snapshotPath, toSubvolume, TREE_TEMPORARIES } from '../../storage/tree.js';
import { runCapture } from '../../transport/local.js';
import type { SnapshotView } from '../zone-host.js';

function pathsOf(store: ZoneStore, record: ZoneRecord): Paths {
  return { zonepath: record.zonepath, zoneDir: store.dir(record.name), stateRoot: store.root, zone: record.name };
}

/** A zone's storage, adopted by its driver if it was a plain directory (the driver is
 * chosen then, and stays), any interrupted step finished, the root mounted. */
/** The zone being worked on, as the verb holding its lock read it. */
export interface Held {
  record: ZoneRecord;
  status: ZoneStatus;
}

async function layered(store: ZoneStore, z: Held): Promise<ZoneStorage> {
  const p = pathsOf(store, z.record);
  if (z.status.userland?.inPlace !== undefined) {
    throw new ZoneError('refused', `zone "${z.record.name}" uses ${z.status.userland.inPlace} in place: zonectl does not snapshot or clone a directory it does not own`, {
      zone: z.record.name,
    });
  }
  const current = await readStorage(p.zoneDir);
  if (current !== undefined) return settle(p, current, false);
  const { driver } = await chooseDriver(z.record.zonepath, store.root, z.record.config['storage-driver']);
  if (driver === 'overlay') {
    // Layers move by rename: checked before anything is journaled, never half-done.
    await mkdir(layersDir(store.root), { recursive: true, mode: 0o700 });
    if (!(await sameDevice(z.record.zonepath, layersDir(store.root)))) {
      throw new ZoneError('refused', `zone "${z.record.name}": overlay layers cannot move between ${z.record.zonepath} and ${layersDir(store.root)} (different filesystems)`, {
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
export async function ensureRoot(store: ZoneStore, record: ZoneRecord): Promise<void> {
  const p = pathsOf(store, record);
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

/** Readies the source (its changes frozen into a layer both zones share from now on,
 * on overlay); run() fills the recorded (incomplete) target from it, a layer both
 * share, a subvolume snapshot or a copy, then gives the target its own identity. */
export async function prepareCloneRoot(store: ZoneStore, src: Held, target: ZoneRecord): Promise<{ run(): Promise<void> }> {
  const p = pathsOf(store, src.record);
  const before = await layered(store, src);
  // (One mount at the end: the source's root stays usable on the host.)
  const from = before.driver !== 'overlay' || (await upperIsEmpty(p)) ? await settle(p, before) : await transition(p, frozen(p, before));
  return { run: () => fillClone(store, src, from, target) };
}

async function fillClone(store: ZoneStore, src: Held, from: ZoneStorage, target: ZoneRecord): Promise<void> {
  const mine: ZoneStorage =
    from.driver === 'overlay'
      ? { driver: 'overlay', layers: [...from.layers], snapshots: [], origin: src.record.name, pending: { step: 'reset-upper' } }
      : // A subvolume snapshot or a copy: independent of the source once made.
        { driver: from.driver, layers: [], snapshots: [], pending: { step: 'make-tree', from: zoneRoot(src.record.zonepath), to: zoneRoot(target.zonepath), readonly: false } };
  await transition(pathsOf(store, target), mine);
  await unconfigure(zoneRoot(target.zonepath), src.record.config.hostname ?? src.record.name, target.name);
}

async function duBytes(dir: string): Promise<number> {
  const r = await runCapture(['du', '-sb', dir]);
  return Number(r.stdout.split('\t')[0] ?? 0) || 0;
}

export async function snapshotCreate(store: ZoneStore, z: Held, name: string): Promise<SnapshotView> {
  const zone = z.record.name;
  {
    const p = pathsOf(store, z.record);
    const s = await layered(store, z);
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
    return { name, createdAt, bytes: next.pending === undefined ? 0 : await duBytes(join(layersDir(store.root), done.layers[0] as string)) };
  }
}

export async function snapshotList(store: ZoneStore, zone: string): Promise<SnapshotView[]> {
  const s = await readStorage(store.dir(zone));
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
    const bytes = top === previousTop ? 0 : await duBytes(join(layersDir(store.root), top));
    out.push({ name: snap.name, createdAt: snap.createdAt, bytes });
    previousTop = top;
  }
  return out;
}

/** Every zone's state directory, for finding which layers are still named. */
async function allZoneDirs(store: ZoneStore): Promise<string[]> {
  return (await store.names()).map((n) => store.dir(n));
}

export async function snapshotDelete(store: ZoneStore, z: Held, name: string): Promise<number> {
  const zone = z.record.name;
  {
    const p = pathsOf(store, z.record);
    // An interrupted step is finished first: the next journal must not replace it.
    const s = (await readStorage(p.zoneDir)) === undefined ? undefined : await layered(store, z);
    if (s === undefined || !s.snapshots.some((x) => x.name === name))
      throw new ZoneError('not-found', `zone "${zone}" has no snapshot "${name}"`, { zone, hint: `zonectl snapshot ${zone} list` });
    const snap = s.snapshots.find((x) => x.name === name);
    const rest = { ...s, snapshots: s.snapshots.filter((x) => x.name !== name) };
    if (snap?.path !== undefined) {
      await transition(p, { ...rest, pending: { step: 'drop-tree', path: snap.path } });
      return 1;
    }
    await writeStorage(p.zoneDir, rest);
    // Its layers go only when nothing else (the zone's stack, another snapshot, a clone) names them.
    return collectLayers(store.root, await allZoneDirs(store));
  }
}

export async function rollbackRoot(store: ZoneStore, z: Held, name: string): Promise<void> {
  const zone = z.record.name;
  {
    const p = pathsOf(store, z.record);
    const s = (await readStorage(p.zoneDir)) === undefined ? undefined : await layered(store, z);
    const snap = s?.snapshots.find((x) => x.name === name);
    if (s === undefined || snap === undefined) throw new ZoneError('not-found', `zone "${zone}" has no snapshot "${name}"`, { zone, hint: `zonectl snapshot ${zone} list` });
    if (snap.path !== undefined) {
      // A writable tree made from the read-only snapshot replaces the root.
      await transition(p, { ...s, pending: { step: 'restore', from: snap.path } });
      return;
    }
    // The snapshot's layers are read-only: dropping the upper gives back the root exactly.
    await transition(p, { ...s, layers: [...(snap.layers ?? [])], pending: { step: 'reset-upper' } });
    await collectLayers(store.root, await allZoneDirs(store));
  }
}

/** Zones cloned from `zone` that still name it as their origin. */
export async function clonesOf(store: ZoneStore, zone: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await store.names()) if ((await readStorage(store.dir(n)))?.origin === zone) out.push(n);
  return out;
}

/** Makes a clone independent of its origin: it keeps the layers it shares (layers
 * belong to no zone), only the dependency is dropped. */
export async function promoteClone(store: ZoneStore, clone: string): Promise<void> {
  const dir = store.dir(clone);
  const s = await readStorage(dir);
  if (s === undefined) return;
  const next: ZoneStorage = { ...s };
  delete next.origin;
  await writeStorage(dir, next);
}

/** What uninstall does for a layered root: unmount, drop the upper, forget the stack,
 * collect layers nobody names any more. */
export async function removeLayeredRoot(store: ZoneStore, record: ZoneRecord): Promise<void> {
  const p = pathsOf(store, record);
  const s = await readStorage(p.zoneDir);
  if (s === undefined) return;
  if (s.driver === 'overlay') await removeOverlay(p);
  else {
    for (const snap of s.snapshots) if (snap.path !== undefined) await dropTree(s.driver, snap.path, record.name);
    await dropTree(s.driver, zoneRoot(record.zonepath), record.name);
  }
  for (const t of TREE_TEMPORARIES) await rm(join(record.zonepath, t), { recursive: true, force: true });
  await removeStorageRecord(p.zoneDir);
  await collectLayers(store.root, await allZoneDirs(store));
}
