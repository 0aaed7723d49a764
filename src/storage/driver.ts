// Which storage driver holds a zone's root, and the steps every driver shares: journal
// the step, then settle it. overlay: layers (overlay.ts); btrfs: subvolumes and
// snapshots; copy: `cp -a --reflink=auto` trees (tree.ts), reflinks where the
// filesystem has them.
import { lstat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { traceStep } from '../core/trace.js';
import { runCapture } from '../transport/local.js';
import { writeStorage, type DriverName, type Paths, type ZoneStorage } from './journal.js';
import { settleOverlay } from './overlay.js';
import { settleTree } from './tree.js';

const BTRFS_SUPER_MAGIC = 0x9123683e;
const OVERLAYFS_SUPER_MAGIC = 0x794c7630;
const NFS_SUPER_MAGIC = 0x6969;

export interface DriverChoice {
  driver: DriverName;
  why: string;
}

/** Whether two paths are on one filesystem (a rename between them works). */
export async function sameDevice(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([lstat(a).catch(() => undefined), lstat(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.dev === y.dev;
}

/** Whether `cp --reflink=always` works in `dir` (XFS with reflink, btrfs, bcachefs ...). */
async function reflinks(dir: string): Promise<boolean> {
  const a = join(dir, `.reflink-probe-${process.pid}`);
  const r = await runCapture(['sh', '-c', 'echo x > "$1" && cp --reflink=always "$1" "$1.2"; s=$?; rm -f "$1" "$1.2"; exit $s', 'sh', a]);
  return r.code === 0;
}

/** The driver for a zonepath: btrfs where it is on btrfs, overlayfs where layers can move
 * to the state root by rename, else copies (reflinked where the filesystem can). */
export async function chooseDriver(zonepath: string, stateRoot: string, asked?: string): Promise<DriverChoice> {
  if (asked !== undefined && asked !== 'auto') return { driver: asked as DriverName, why: 'set by storage-driver' };
  const fs = await statfs(zonepath).catch(() => undefined);
  if (fs?.type === BTRFS_SUPER_MAGIC) return { driver: 'btrfs', why: 'the zonepath is on btrfs: subvolume snapshots' };
  const layerable = fs !== undefined && fs.type !== OVERLAYFS_SUPER_MAGIC && fs.type !== NFS_SUPER_MAGIC && (await sameDevice(zonepath, stateRoot));
  if (layerable) return { driver: 'overlay', why: 'overlayfs layers in the state root (clone and snapshot in constant time)' };
  if (await reflinks(zonepath)) return { driver: 'copy', why: 'reflinked copies (copy-on-write extents; the zonepath cannot hold overlay layers)' };
  return { driver: 'copy', why: 'plain copies (no btrfs, no overlay layering, no reflinks here)' };
}

/** Finishes a journaled step of whichever driver. */
export function settle(p: Paths, s: ZoneStorage, mount = true): Promise<ZoneStorage> {
  return s.driver === 'overlay' ? settleOverlay(p, s, mount) : settleTree(p, s);
}

/** Journals `next` (with its pending step), then settles it; `mount`: leave an overlay
 * root mounted (the zone's root is used next) or not (it is only being reshaped). */
export async function transition(p: Paths, next: ZoneStorage, mount = true): Promise<ZoneStorage> {
  await writeStorage(p.zoneDir, next);
  traceStep('storage-step');
  return settle(p, next, mount);
}
