// clone, snapshot, rollback: the zones' locks and states here; the host makes the copy
// (storage driver layers, ZFS clones) and gives a clone its own identity.
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { validateZoneName, type ZoneRecord } from '../core/zone.js';
import { withZone } from './zone-lock.js';
import type { HostDifferences, SnapshotView } from '../hosts/zone-host.js';

export type { SnapshotView };

/** The source's configuration, less what names the source itself: its host name, and
 * a fixed address (two zones cannot hold one). */
function cloneConfig(config: Record<string, string>, address: HostDifferences['cloneAddress']): Record<string, string> {
  const out = { ...config };
  delete out.hostname;
  if (out['net-address'] !== undefined && out['net-address'] !== 'auto') {
    if (address === 'auto') out['net-address'] = 'auto';
    else delete out['net-address'];
  }
  return out;
}

/** As zoneadm clone: the source readied, then the target gets the source's configuration
 * under its own name and zonepath, is recorded incomplete (a crash leaves a zone
 * delete -F removes), then filled from the halted source; a failure removes what was
 * made of it. */
export async function cloneZone(ctx: Context, source: string, target: string): Promise<void> {
  validateZoneName(target);
  if (await ctx.store.exists(target)) throw new ZoneError('exists', `zone "${target}" already exists`, { zone: target });
  await withZone(ctx, source, 'clone', async (src) => {
    const brand = await ctx.host.brand(src.record.brand, source);
    const createdAt = new Date().toISOString();
    const record: ZoneRecord = {
      name: target,
      brand: brand.name,
      zonepath: ctx.host.defaultZonepath(target),
      config: cloneConfig(src.record.config, ctx.host.differences.cloneAddress),
      createdAt,
      ...(src.record.fs === undefined ? {} : { fs: src.record.fs }),
      ...(src.record.native === undefined ? {} : { native: src.record.native }),
    };
    await ctx.host.assertNew(record, true);
    const prepared = await ctx.host.prepareClone(src.record, src.status, record, brand);
    const status = { state: 'incomplete' as const, since: createdAt, operation: 'clone' };
    await ctx.store.create(record, status);
    try {
      await ctx.host.configure(record, brand);
      await prepared.run();
    } catch (e) {
      await ctx.host.uninstall(record, status).catch(() => undefined);
      await ctx.host.unconfigure(record).catch(() => undefined);
      await ctx.store.destroy(target).catch(() => undefined);
      throw e;
    }
    const userland = src.status.userland === undefined ? undefined : { ...src.status.userland, installedAt: new Date().toISOString() };
    await ctx.store.writeStatus(target, { state: 'installed', since: new Date().toISOString(), ...(userland === undefined ? {} : { userland }) });
  });
}

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function checkSnapshotName(zone: string, name: string): void {
  if (!SNAPSHOT_NAME.test(name)) throw new ZoneError('usage', `snapshot name "${name}": letters, digits, '-', '_', '.', at most 64`, { zone });
}

export async function snapshotCreate(ctx: Context, zone: string, name: string): Promise<SnapshotView> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'snapshot', (z) => ctx.host.snapshotCreate(z.record, z.status, name));
}

export async function snapshotList(ctx: Context, zone: string): Promise<SnapshotView[]> {
  const { record } = await ctx.store.read(zone);
  return ctx.host.snapshotList(record);
}

/** Resolves to the number of storage layers freed. */
export async function snapshotDelete(ctx: Context, zone: string, name: string): Promise<number> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'snapshot', (z) => ctx.host.snapshotDelete(z.record, z.status, name));
}

export async function rollbackZone(ctx: Context, zone: string, name: string): Promise<void> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'rollback', (z) => ctx.host.rollback(z.record, z.status, name));
}
