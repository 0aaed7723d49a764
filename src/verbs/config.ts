// Zone configuration verbs: create, configure, info, list, delete.
import * as managed from '../hosts/tool-host.js';
import { rm } from 'node:fs/promises';
import type { Context } from './context.js';
import { applySets } from '../core/config-edit.js';
import { mayHaveRuntime, reconcile } from '../core/reconcile.js';
import { assertDeletable, isRunningLike } from '../core/states.js';
import { withZone } from './zone-lock.js';
import { validateZoneName, zoneRoot, zoneView, type ZoneRecord, type ZoneStatus, type ZoneView } from '../core/zone.js';
import { loadLinuxBrand } from '../brands/brand.js';
import { assertNoClones, removeLayeredRoot } from './storage.js';

export async function createZone(ctx: Context, name: string, brandName: string, sets: string[]): Promise<ZoneView> {
  if (ctx.managed !== undefined) return managed.managedCreate(ctx, { name, brand: brandName, config: {} }, sets);
  validateZoneName(name);
  const brand = await loadLinuxBrand(brandName);
  const base: ZoneRecord = {
    name,
    brand: brand.name,
    zonepath: ctx.store.defaultZonepath(name),
    config: {},
    createdAt: new Date().toISOString(),
  };
  const record = applySets(base, sets, [], true);
  const status: ZoneStatus = { state: 'configured', since: record.createdAt };
  await ctx.store.create(record, status);
  return zoneView(record, status);
}

export function configureZone(ctx: Context, name: string, sets: string[], unsets: string[]): Promise<ZoneView> {
  if (ctx.managed !== undefined) return managed.managedConfigure(ctx, name, sets, unsets);
  return withZone(ctx, name, 'configure', async (z) => {
    const next = applySets(z.record, sets, unsets, z.status.state === 'configured');
    await ctx.store.writeRecord(next);
    return zoneView(next, z.status);
  });
}

/** One zone as the host sees it now (reconciled with the runtime, read-only). */
/** A zone's view with the helper processes it runs, when it runs. */
async function withHelpers(ctx: Context, v: ZoneView, record: ZoneRecord, status: ZoneStatus): Promise<ZoneView> {
  if (!isRunningLike(v.state)) return v;
  const helpers = await ctx.backendFor(record, status).helpers(ctx.handle(record.name));
  return helpers.length === 0 ? v : { ...v, helpers };
}

export async function zoneInfo(ctx: Context, name: string): Promise<ZoneView> {
  if (ctx.managed !== undefined) return managed.managedInfo(ctx, name);
  const { record, status } = await ctx.store.read(name);
  if (!mayHaveRuntime(status.state)) return zoneView(record, status);
  const backend = ctx.backendFor(record, status);
  const rt = await backend.state(ctx.handle(name));
  const v = await withHelpers(ctx, zoneView(record, status, reconcile(status.state, rt)), record, status);
  if (!isRunningLike(v.state)) return v;
  const [usage, addresses] = await Promise.all([backend.usage(ctx.handle(name)), backend.addresses(ctx.handle(name))]);
  return { ...v, ...(usage === undefined ? {} : { usage }), ...(addresses.length === 0 ? {} : { addresses }) };
}

/** Every zone as the host sees it now. A zone whose files cannot be read goes to
 * `onBroken` (by default the error is thrown) and does not hide the others. */
export async function listZones(ctx: Context, onBroken: (name: string, e: unknown) => void = (_, e) => { throw e; }): Promise<ZoneView[]> {
  if (ctx.managed !== undefined) return managed.managedList(ctx, onBroken);
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
  // One runtime listing per runtime in use, not one call per zone.
  const runtimes = new Map<string, Map<string, import('../backends/backend.js').RuntimeState>>();
  for (const z of zones) {
    if (!mayHaveRuntime(z.status.state)) continue;
    const rt = z.status.runtime ?? ctx.runtimeFor(z.record);
    if (!runtimes.has(rt)) runtimes.set(rt, await ctx.backend(rt).states());
  }
  return Promise.all(
    zones.map(({ record, status }) => {
      if (!mayHaveRuntime(status.state)) return zoneView(record, status);
      const rt = runtimes.get(status.runtime ?? ctx.runtimeFor(record))?.get(record.name) ?? 'absent';
      return withHelpers(ctx, zoneView(record, status, reconcile(status.state, rt)), record, status);
    }),
  );
}

/** Removes a zone's configuration; with force, halts and uninstalls it first. */
export async function deleteZone(ctx: Context, name: string, force: boolean, promoteClones = false): Promise<void> {
  if (ctx.managed !== undefined) return managed.managedDelete(ctx, name, force);
  await withZone(
    ctx,
    name,
    'delete',
    async (z) => {
      const state = z.status.state;
      assertDeletable(name, state, force);
      await assertNoClones(ctx, name, promoteClones);
      if (isRunningLike(state)) {
        await z.moveTo('down', { operation: 'delete' });
        await ctx.backendFor(z.record, z.status).halt(ctx.handle(name));
      }
      if (state !== 'configured') {
        await z.moveTo('incomplete', { operation: 'delete' });
        await removeLayeredRoot(ctx, z.record);
        await rm(zoneRoot(z.record.zonepath), { recursive: true, force: true });
      }
      await ctx.store.destroy(name);
    },
    false,
  );
}
