// Zone configuration verbs: create, configure, info, list, delete.
import type { Context } from './context.js';
import { applySets, assertFixedOnceInstalled } from '../core/config-edit.js';
import { ZoneError } from '../core/errors.js';
import { reconcile } from '../core/reconcile.js';
import { assertDeletable, isRunningLike } from '../core/states.js';
import { withZone } from './zone-lock.js';
import { validateZoneName, zoneView, type ZoneRecord, type ZoneStatus, type ZoneView } from '../core/zone.js';

export type NewZone = Omit<ZoneRecord, 'createdAt' | 'zonepath'> & { zonepath?: string };

/** Creates the zone in the store and on the host; if the host refuses it, the store
 * entry goes again, so a refused create leaves nothing. `adopt`: the host already
 * describes it (an imported jail), so its name being known there is expected. */
export async function createZone(ctx: Context, base: NewZone, sets: string[] = [], adopt = false): Promise<ZoneView> {
  validateZoneName(base.name);
  const brand = await ctx.host.brand(base.brand, base.name);
  const createdAt = new Date().toISOString();
  const record = applySets({ ...base, brand: brand.name, zonepath: base.zonepath ?? ctx.host.defaultZonepath(base.name), createdAt }, sets, [], true);
  const status: ZoneStatus = { state: 'configured', since: createdAt };
  if (!adopt) await ctx.host.assertNew(record, false);
  await ctx.store.create(record, status);
  try {
    await ctx.host.configure(record, brand);
  } catch (e) {
    // What configure wrote on the host (nothing of the name was there: checked above).
    await ctx.host.unconfigure(record).catch(() => undefined);
    await ctx.store.destroy(record.name).catch(() => undefined);
    throw e;
  }
  return zoneView(record, status);
}

/** Replaces a zone's configuration (configure --set, or a whole command file): the
 * host checks it first (zonecfg verifies), only then is it recorded here. */
export function reconfigureZone(ctx: Context, name: string, change: (r: ZoneRecord, configured: boolean) => ZoneRecord): Promise<ZoneView> {
  return withZone(ctx, name, 'configure', async (z) => {
    const next = change(z.record, z.status.state === 'configured');
    assertFixedOnceInstalled(z.record, next, z.status.state);
    await ctx.host.configure(next, await ctx.host.brand(next.brand, name));
    await ctx.store.writeRecord(next);
    return zoneView(next, z.status);
  });
}

export function configureZone(ctx: Context, name: string, sets: string[], unsets: string[]): Promise<ZoneView> {
  return reconfigureZone(ctx, name, (r, configured) => applySets(r, sets, unsets, configured));
}

async function views(ctx: Context, zones: Array<{ record: ZoneRecord; status: ZoneStatus }>, full: boolean): Promise<ZoneView[]> {
  // One question to the host for all zones (one runtime listing, one jls, one zoneadm list).
  const observed = await ctx.host.observe(zones);
  return Promise.all(
    zones.map(async ({ record, status }) => {
      const v = zoneView(record, status, reconcile(status.state, observed.get(record.name)));
      return isRunningLike(v.state) ? { ...v, ...(await ctx.host.details(record, status, full)) } : v;
    }),
  );
}

/** One zone as the host sees it now (reconciled, read-only), with what it uses. */
export async function zoneInfo(ctx: Context, name: string): Promise<ZoneView> {
  const [v] = await views(ctx, [await ctx.store.read(name)], true);
  return v as ZoneView;
}

/** Every zone as the host sees it now. A zone whose files cannot be read goes to
 * `onBroken` (by default the error is thrown) and does not hide the others. */
export async function listZones(
  ctx: Context,
  onBroken: (name: string, e: unknown) => void = (_, e) => {
    throw e;
  },
): Promise<ZoneView[]> {
  const zones = [];
  const names = await ctx.store.names();
  for (const [i, read] of (await ctx.store.readMany(names)).entries()) {
    try {
      const z = read();
      if (z !== undefined) zones.push(z);
    } catch (e) {
      onBroken(names[i] as string, e);
    }
  }
  return views(ctx, zones, false);
}

/** Refuses to remove a zone others were cloned from, unless they are promoted first
 * (each under its own lock: it may be taking a snapshot meanwhile). */
export async function assertNoClones(ctx: Context, record: ZoneRecord, promote: boolean): Promise<void> {
  if (promote && !ctx.host.differences.promotesClones) {
    throw new ZoneError('refused', `--promote-clones (zone "${record.name}"): ${ctx.host.differences.promoteClones}`, { zone: record.name });
  }
  const clones = await ctx.host.clonesOf(record);
  if (clones.length === 0) return;
  if (!promote) {
    throw new ZoneError('refused', `zone "${record.name}" has clones that depend on it: ${clones.join(', ')}`, {
      zone: record.name,
      hint: 'add --promote-clones to make them independent first',
    });
  }
  for (const c of clones) await withZone(ctx, c, 'configure', (cz) => ctx.host.promoteClone(record, cz.record), false);
}

/** Removes a zone's configuration; with force, halts and uninstalls it first. */
export async function deleteZone(ctx: Context, name: string, force: boolean, promoteClones = false): Promise<void> {
  await withZone(
    ctx,
    name,
    'delete',
    async (z) => {
      const state = z.status.state;
      assertDeletable(name, state, force);
      await assertNoClones(ctx, z.record, promoteClones);
      if (isRunningLike(state)) {
        await z.moveTo('down', { operation: 'delete' });
        await ctx.host.halt(z.record, z.status);
      }
      if (state !== 'configured') {
        await z.moveTo('incomplete', { operation: 'delete' });
        await ctx.host.uninstall(z.record, z.status);
      }
      await ctx.host.unconfigure(z.record);
      await ctx.store.destroy(name);
    },
    false,
  );
}
