// The btrfs and copy drivers: a clone or snapshot is a tree of its own, made from
// another in one step: a btrfs subvolume snapshot (constant time, copy-on-write), or
// `cp -a --reflink=auto` (copy-on-write extents where the filesystem has them, a full
// copy otherwise). Trees are made beside their destination and renamed into place, so
// a crash leaves either nothing or the whole tree, and every step can be run again.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { runCapture } from '../transport/local.js';
import { writeStorage, type Paths, type ZoneStorage } from './journal.js';

export type TreeDriver = 'btrfs' | 'copy';

async function run(argv: string[], zone: string, what: string): Promise<void> {
  const r = await runCapture(argv);
  if (r.code !== 0) throw new ZoneError('runtime', `zone "${zone}": ${what} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { zone });
}

/** Whether `path` is a btrfs subvolume (its inode number is 256). */
async function isSubvolume(path: string): Promise<boolean> {
  const r = await runCapture(['stat', '-c', '%i', path]);
  return r.code === 0 && r.stdout.trim() === '256';
}

export async function dropTree(driver: TreeDriver, path: string, zone: string): Promise<void> {
  if (!existsSync(path)) return;
  if (driver === 'btrfs' && (await isSubvolume(path))) {
    // A read-only snapshot must be made writable before it can go.
    await runCapture(['btrfs', 'property', 'set', '-ts', path, 'ro', 'false']);
    await run(['btrfs', 'subvolume', 'delete', path], zone, `deleting subvolume ${path}`);
    return;
  }
  await rm(path, { recursive: true, force: true });
}

/** `to` made from `from`; nothing happens when `to` exists (the step was done). */
export async function makeTree(driver: TreeDriver, from: string, to: string, readonly: boolean, zone: string): Promise<void> {
  if (existsSync(to)) return;
  const partial = `${to}.partial`;
  await dropTree(driver, partial, zone);
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  if (driver === 'btrfs' && (await isSubvolume(from))) {
    await run(['btrfs', 'subvolume', 'snapshot', ...(readonly ? ['-r'] : []), from, partial], zone, `snapshotting ${from}`);
  } else {
    await run(['cp', '-a', '--reflink=auto', from, partial], zone, `copying ${from}`);
  }
  await rename(partial, to);
}

/** The zone's root replaced by a writable tree made from `snapshot`: root.new made,
 * the old root dropped, root.new renamed. Re-running after a crash at any point ends
 * in the same place. */
async function restore(driver: TreeDriver, root: string, snapshot: string, zone: string): Promise<void> {
  const fresh = `${root}.new`;
  if (!existsSync(fresh) && existsSync(root)) {
    await makeTree(driver, snapshot, fresh, false, zone);
    await dropTree(driver, root, zone);
  } else if (!existsSync(fresh)) {
    await makeTree(driver, snapshot, fresh, false, zone);
  } else {
    await dropTree(driver, root, zone);
  }
  await rename(fresh, root);
}

/** Finishes a journaled tree step. Idempotent. */
export async function settleTree(p: Paths, s: ZoneStorage): Promise<ZoneStorage> {
  const pending = s.pending;
  const driver = s.driver as TreeDriver;
  if (pending === undefined) return s;
  const root = join(p.zonepath, 'root');
  if (pending.step === 'make-tree') await makeTree(driver, pending.from, pending.to, pending.readonly, p.zone);
  else if (pending.step === 'restore') await restore(driver, root, pending.from, p.zone);
  else if (pending.step === 'drop-tree') await dropTree(driver, pending.path, p.zone);
  const next: ZoneStorage = { ...s };
  delete next.pending;
  await writeStorage(p.zoneDir, next);
  return next;
}

/** What an interrupted tree step leaves beside a root (removed with the zone's storage). */
export const TREE_TEMPORARIES = ['root.new', 'root.new.partial', 'root.old', 'root.subvol', 'root.partial'];

/** Where a zone's snapshot trees live: beside its root, on the same filesystem. */
export function snapshotPath(p: Paths, name: string): string {
  return join(p.zonepath, 'snapshots', name);
}

/** A plain root made a btrfs subvolume (once, when the zone is first snapshotted or
 * cloned): the files are reflinked into a new subvolume, which replaces the directory. */
export async function toSubvolume(p: Paths): Promise<void> {
  const root = join(p.zonepath, 'root');
  const old = `${root}.old`;
  // A crash between the two renames below: the old root comes back, and it starts over.
  if (!existsSync(root) && existsSync(old)) await rename(old, root);
  if (await isSubvolume(root)) return;
  const sub = `${root}.subvol`;
  await dropTree('btrfs', sub, p.zone);
  await run(['btrfs', 'subvolume', 'create', sub], p.zone, 'creating a subvolume');
  await run(['cp', '-a', '--reflink=always', `${root}/.`, sub], p.zone, 'reflinking the root into its subvolume');
  await rm(old, { recursive: true, force: true });
  await rename(root, old);
  await rename(sub, root);
  await rm(old, { recursive: true, force: true });
}
