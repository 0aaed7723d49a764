// What a brand does to a zone's files and devices before each boot, from its plan:
// identity files, the distribution's fixups, the /dev/initctl FIFO. Host-side, on the
// zone root, confined to it (see fixups.ts).
import { lstat, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { runCapture } from '../transport/local.js';
import type { LinuxBrand } from './brand.js';
import { applyFixups, writeZoneFiles } from './fixups.js';
import type { BootPlan } from './plan.js';

export interface Prepared {
  families: string[];
  changes: string[];
  warnings: string[];
}

/** A FIFO in the zone's state directory, bound at /dev/initctl: SysV init reads its
 * runlevel requests there, and the host can reach it without entering the zone. */
async function initctlFifo(zoneDir: string, zone: string): Promise<string> {
  const path = join(zoneDir, 'initctl');
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFIFO() === true) return path;
  if (st !== undefined) await rm(path, { recursive: true, force: true });
  const r = await runCapture(['mkfifo', '-m', '0600', path]);
  if (r.code !== 0) throw new ZoneError('runtime', `zone "${zone}": cannot make ${path}: ${r.stderr.trim()}`, { zone });
  return path;
}

export async function prepareUserland(plan: BootPlan, brand: LinuxBrand, zoneDir: string): Promise<Prepared> {
  const out: Prepared = { families: [], changes: [], warnings: [] };
  if (plan.zoneFiles) out.changes.push(...(await writeZoneFiles(plan.rootfs, { hostname: plan.hostname, sharedNetwork: plan.network === 'shared' })));
  if ((brand.fixups ?? []).length > 0) {
    const r = await applyFixups(plan.rootfs, brand);
    out.families = r.families;
    out.changes.push(...r.changes);
    if (r.families.length === 0) {
      const markers = (brand.fixups ?? []).map((f) => `/${f.detect[0]?.file ?? ''}`).join(', ');
      out.warnings.push(`no known distribution found (looked for ${markers}): booting without brand ${brand.name}'s fixups`);
    }
  }
  if (plan.initctl) {
    plan.binds.push({ source: await initctlFifo(zoneDir, plan.zone), destination: '/dev/initctl', readonly: false });
  }
  if (plan.lxcfs) plan.binds.push(...(await lxcfsBinds()));
  return out;
}

/** Where a running LXCFS (Debian's lxcfs package) shows per-container /proc files. */
export const LXCFS_PROC = '/var/lib/lxcfs/proc';
const LXCFS_FILES = ['meminfo', 'cpuinfo', 'uptime', 'stat', 'swaps', 'diskstats', 'loadavg'];

/** LXCFS's /proc files, bound over the zone's: memory and CPUs as the zone's cgroup
 * limits them, uptime since the zone booted. Nothing when LXCFS is not running. */
export async function lxcfsBinds(): Promise<BootPlan['binds']> {
  const out: BootPlan['binds'] = [];
  for (const f of LXCFS_FILES) {
    // A file that reads: a dead FUSE mount fails here rather than in the zone.
    const ok = await readFile(join(LXCFS_PROC, f), 'utf8').then(
      () => true,
      () => false,
    );
    if (ok) out.push({ source: join(LXCFS_PROC, f), destination: `/proc/${f}`, readonly: true });
  }
  return out;
}
