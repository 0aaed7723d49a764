// What a brand does to a zone's files and devices before each boot, from its plan:
// identity files, the distribution's fixups, the /dev/initctl FIFO. Host-side, on the
// zone root, confined to it (see fixups.ts).
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { runCapture } from '../hosts/local.js';
import type { Brand } from './brand.js';
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

export async function prepareUserland(plan: BootPlan, brand: Brand, zoneDir: string): Promise<Prepared> {
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
  return out;
}
