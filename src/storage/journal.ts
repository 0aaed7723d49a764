// The storage journal of a zone: storage.json in its state directory says which driver
// holds its root, its snapshots, the zone it was cloned from, and a step still to do.
// Each change writes the journal with the step *before* the filesystem changes, and
// each step is idempotent, so the next use of the zone finishes what a crash cut off.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';

export type DriverName = 'overlay' | 'btrfs' | 'copy';

export interface Snapshot {
  name: string;
  createdAt: string;
  /** overlay: the layer stack at the time, top first. */
  layers?: string[];
  /** btrfs, copy: the snapshot's own tree (a read-only subvolume, or a copy). */
  path?: string;
}

export interface ZoneStorage {
  driver: DriverName;
  /** Read-only layers under the upper, top first (overlay only). */
  layers: string[];
  snapshots: Snapshot[];
  /** The zone this one was cloned from, while it has not been promoted. */
  origin?: string;
  /** A step journaled but maybe not done: `settle` completes it. */
  pending?: Pending;
}

export type Pending =
  /** The directory `from` (a zone's plain root or its upper) becomes layer `to`. */
  | { step: 'freeze'; from: string; to: string }
  /** The upper and work directories are emptied (rollback, clone target). */
  | { step: 'reset-upper' }
  /** btrfs/copy: tree `to` made from `from` (a subvolume snapshot, or a copy). */
  | { step: 'make-tree'; from: string; to: string; readonly: boolean }
  /** btrfs/copy: the root replaced by a writable tree made from snapshot `from`. */
  | { step: 'restore'; from: string }
  /** btrfs/copy: tree `path` removed. */
  | { step: 'drop-tree'; path: string };

const FILE = 'storage.json';

export async function readStorage(zoneDir: string): Promise<ZoneStorage | undefined> {
  const text = await readFile(join(zoneDir, FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as ZoneStorage);
}

export function writeStorage(zoneDir: string, s: ZoneStorage): Promise<void> {
  return writeJsonAtomic(join(zoneDir, FILE), s);
}

export async function removeStorageRecord(zoneDir: string): Promise<void> {
  await rm(join(zoneDir, FILE), { force: true });
}

export interface Paths {
  zonepath: string;
  zoneDir: string;
  stateRoot: string;
  zone: string;
}
