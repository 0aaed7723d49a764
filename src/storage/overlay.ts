// Copy-on-write zone roots on overlayfs. A zone's root may be a stack: read-only
// layers (directories under STATE_ROOT/layers, shared by clones and snapshots) under
// the zone's own writable upper directory, merged at ZONEPATH/root. Freezing the upper
// into a new layer is a rename, so clone and snapshot take constant time whatever the
// zone's size, and a rollback is dropping the upper.
//
// Changes are journaled (journal.ts); `settleOverlay` finishes a journaled step.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crypto } from '../core/builtins.js';
import { ZoneError } from '../core/errors.js';
import { runCapture } from '../transport/local.js';
import { readStorage, writeStorage, type Paths, type ZoneStorage } from './journal.js';
import { parseMountInfo } from '../probes/linux.js';

export function layersDir(stateRoot: string): string {
  return join(stateRoot, 'layers');
}

export function newLayerId(): string {
  return `${Date.now().toString(36)}-${crypto().randomBytes(6).toString('hex')}`;
}

const root = (p: Paths): string => join(p.zonepath, 'root');
const upper = (p: Paths): string => join(p.zonepath, 'upper');
const work = (p: Paths): string => join(p.zonepath, 'work');

/** Mount points as the kernel lists them (canonical paths, unescaped by parseMountInfo). */
async function mountPoints(): Promise<Set<string>> {
  return new Set(parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).map((e) => e.mountPoint));
}

/** Compared by real path: a state root given through a symlink or relatively still matches. */
export async function isMounted(path: string): Promise<boolean> {
  const real = await realpath(path).catch(() => path);
  return (await mountPoints()).has(real);
}

export async function unmountRoot(p: Paths): Promise<void> {
  if (!(await isMounted(root(p)))) return;
  const r = await runCapture(['umount', root(p)]);
  if (r.code !== 0) throw new ZoneError('runtime', `zone "${p.zone}": cannot unmount ${root(p)}: ${r.stderr.trim()}`, { zone: p.zone });
}

/** Mounts the merged root of an overlay zone if it is not mounted (after a host reboot,
 * or a step that unmounted it). */
export async function mountRoot(p: Paths, s: ZoneStorage): Promise<void> {
  if (s.driver !== 'overlay' || (await isMounted(root(p)))) return;
  await mkdir(root(p), { recursive: true, mode: 0o755 });
  const lower = s.layers.map((l) => join(layersDir(p.stateRoot), l)).join(':');
  const opts = `lowerdir=${lower},upperdir=${upper(p)},workdir=${work(p)}`;
  const r = await runCapture(['mount', '-t', 'overlay', 'overlay', '-o', opts, root(p)]);
  if (r.code !== 0) {
    throw new ZoneError('runtime', `zone "${p.zone}": cannot mount its overlay root: ${r.stderr.trim()}`, {
      zone: p.zone,
      hint: 'zonectl doctor shows whether overlayfs is available',
    });
  }
}

/** Finishes a journaled overlay step, then makes sure the root is mounted. Idempotent. */
export async function settleOverlay(p: Paths, s: ZoneStorage, mount = true): Promise<ZoneStorage> {
  const pending = s.pending;
  if (pending !== undefined && (pending.step === 'freeze' || pending.step === 'reset-upper')) {
    await unmountRoot(p);
    if (pending.step === 'freeze') {
      const to = join(layersDir(p.stateRoot), pending.to);
      if (existsSync(pending.from) && !existsSync(to)) {
        await mkdir(layersDir(p.stateRoot), { recursive: true, mode: 0o700 });
        try {
          await rename(pending.from, to);
        } catch (e) {
          throw new ZoneError('runtime', `zone "${p.zone}": cannot move ${pending.from} into the layer store: ${(e as Error).message}`, {
            zone: p.zone,
            hint: 'overlay zones need their zonepath on the same filesystem as the state root; set storage-driver=copy for this zone',
          });
        }
      }
    }
    // After a freeze, and for reset-upper: an empty upper and work directory.
    await rm(upper(p), { recursive: true, force: true });
    await rm(work(p), { recursive: true, force: true });
    const next: ZoneStorage = { ...s };
    delete next.pending;
    await writeStorage(p.zoneDir, next);
    s = next;
  }
  if (s.driver === 'overlay') {
    await mkdir(upper(p), { recursive: true, mode: 0o755 });
    await mkdir(work(p), { recursive: true, mode: 0o700 });
    // Mounted when the root is next used (ensureRoot), not by steps that only reshape it.
    if (mount) await mountRoot(p, s);
  }
  return s;
}

/** The zone's storage as it is now; a plain zone (installed into a directory) yields
 * its first overlay state, journaled: its root frozen as the bottom layer. */
export function overlayFromPlain(p: Paths): ZoneStorage {
  const id = newLayerId();
  return { driver: 'overlay', layers: [id], snapshots: [], pending: { step: 'freeze', from: root(p), to: id } };
}

/** Freezes the upper of an overlay zone into a new top layer. */
export function frozen(p: Paths, s: ZoneStorage): ZoneStorage {
  const id = newLayerId();
  return { ...s, layers: [id, ...s.layers], pending: { step: 'freeze', from: upper(p), to: id } };
}

/** Every layer some zone's stack or snapshot still names. */
export async function layersInUse(zoneDirs: string[]): Promise<Set<string>> {
  const used = new Set<string>();
  for (const dir of zoneDirs) {
    const s = await readStorage(dir);
    for (const l of s?.layers ?? []) used.add(l);
    for (const snap of s?.snapshots ?? []) for (const l of snap.layers ?? []) used.add(l);
    if (s?.pending?.step === 'freeze') used.add(s.pending.to);
  }
  return used;
}

/** Removes layers no zone or snapshot names any more; returns how many. */
export async function collectLayers(stateRoot: string, zoneDirs: string[]): Promise<number> {
  // Listed before the journals are read: a layer appears only by a rename its zone
  // journaled first, so any layer in this listing is named by a journal read after it
  // (another zone's snapshot or clone running meanwhile holds no lock of ours).
  const present = await readdir(layersDir(stateRoot)).catch(() => [] as string[]);
  const used = await layersInUse(zoneDirs);
  let n = 0;
  for (const l of present) {
    if (used.has(l)) continue;
    await rm(join(layersDir(stateRoot), l), { recursive: true, force: true });
    n++;
  }
  return n;
}

/** Unmounts an overlay zone and removes its upper, work and root mount point. */
export async function removeOverlay(p: Paths): Promise<void> {
  await unmountRoot(p);
  for (const d of [upper(p), work(p)]) await rm(d, { recursive: true, force: true });
}
