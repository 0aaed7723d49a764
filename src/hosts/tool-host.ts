// The verbs on a managed host (FreeBSD, illumos, Solaris): the same state machine,
// locks and zone store as on Linux, with the host's own tools doing the work through
// the ManagedBackend. Each transition is written before the work it announces, and a
// failed step puts back what it changed, on the host and in the store.
import type { Context } from '../verbs/context.js';
import { applySets, assertFixedOnceInstalled } from '../core/config-edit.js';
import { ZoneError } from '../core/errors.js';
import { assertDeletable, isRunningLike } from '../core/states.js';
import { withZone, type LockedZone } from '../verbs/zone-lock.js';
import { validateZoneName, zoneView, type InstalledUserland, type ZoneRecord, type ZoneState, type ZoneStatus, type ZoneView } from '../core/zone.js';
import { loadBrand, type Brand } from '../brands/brand.js';
import type { InstallRequest, ManagedBackend, ManagedSnapshot, ProgressSink } from '../backends/tool-backend.js';
import type { HostKind } from '../transport/host-os.js';
import { reconcileManaged } from '../core/managed-reconcile.js';

export function managedOf(ctx: Context): ManagedBackend {
  if (ctx.managed === undefined) throw new Error('internal: managed verb on a Linux context');
  return ctx.managed;
}

/** Where zones live by default on each kind of host (zoneadm wants a root-owned 0700
 * zonepath of its own; FreeBSD's handbook keeps jails under /usr/local/jails). */
export function defaultManagedZonepath(kind: HostKind, name: string): string {
  return kind === 'freebsd' ? `/usr/local/jails/${name}` : `/zones/${name}`;
}

/** The brand, refused when it has no mapping for this host. */
export async function brandOnHost(m: ManagedBackend, name: string, zone?: string): Promise<Brand> {
  const brand = await loadBrand(name);
  const mapping = brand.hosts[m.host.kind];
  if (mapping === undefined) {
    const os = { linux: 'Linux', freebsd: 'FreeBSD', illumos: 'illumos', solaris: 'Solaris' }[m.host.kind];
    throw new ZoneError('refused', `brand "${brand.name}" does not run on ${os} hosts (${m.executor.target})`, {
      ...(zone === undefined ? {} : { zone }),
      hint: `it runs on: ${Object.keys(brand.hosts).join(', ')}`,
    });
  }
  return brand;
}

/** Creates the zone in the store and on the host; if the host refuses it, the store
 * entry goes again, so a refused create leaves nothing. */
export async function managedCreate(ctx: Context, base: Omit<ZoneRecord, 'createdAt' | 'zonepath'> & { zonepath?: string }, sets: string[] = [], adopt = false): Promise<ZoneView> {
  const m = managedOf(ctx);
  validateZoneName(base.name);
  const brand = await brandOnHost(m, base.brand);
  const record = applySets(
    { ...base, zonepath: base.zonepath ?? defaultManagedZonepath(m.host.kind, base.name), createdAt: new Date().toISOString() },
    sets,
    [],
    true,
  );
  const status: ZoneStatus = { state: 'configured', since: record.createdAt };
  if (!adopt && (await m.knows(record.name))) {
    throw new ZoneError('exists', `${m.executor.target} already has a ${m.host.kind === 'freebsd' ? 'jail' : 'zone'} named "${record.name}" that zonectl did not make`, {
      zone: record.name,
      hint: m.host.kind === 'freebsd' ? 'pick another name, or adopt the jail with zonectl import --jail-conf FILE' : 'pick another name, or remove it on the host first (zonecfg -z NAME delete)',
    });
  }
  await ctx.store.create(record, status);
  try {
    await m.configure(record, brand);
  } catch (e) {
    // What configure wrote on the host (nothing of the name was there: checked above).
    await m.unconfigure(record).catch(() => undefined);
    await ctx.store.destroy(record.name).catch(() => undefined);
    throw e;
  }
  return zoneView(record, status);
}

/** Replaces a zone's configuration (configure --set, or a whole command file). */
export function managedReconfigure(ctx: Context, name: string, change: (r: ZoneRecord, configured: boolean) => ZoneRecord): Promise<ZoneView> {
  const m = managedOf(ctx);
  return withZone(ctx, name, 'configure', async (z) => {
    const next = change(z.record, z.status.state === 'configured');
    assertFixedOnceInstalled(z.record, next, z.status.state);
    // The host checks it first (zonecfg verifies); only then is it recorded here.
    await m.configure(next, await brandOnHost(m, next.brand, name));
    await ctx.store.writeRecord(next);
    return zoneView(next, z.status);
  });
}

export function managedConfigure(ctx: Context, name: string, sets: string[], unsets: string[]): Promise<ZoneView> {
  return managedReconfigure(ctx, name, (r, configured) => applySets(r, sets, unsets, configured));
}

async function hostStates(ctx: Context): Promise<Map<string, ZoneState>> {
  return managedOf(ctx).states();
}

export async function managedInfo(ctx: Context, name: string): Promise<ZoneView> {
  const m = managedOf(ctx);
  const { record, status } = await ctx.store.read(name);
  const state = reconcileManaged(status.state, (await hostStates(ctx)).get(name));
  const v = zoneView(record, status, state);
  if (!isRunningLike(state)) return v;
  const usage = await m.usage(record);
  return usage === undefined ? v : { ...v, usage };
}

export async function managedList(ctx: Context, onBroken: (name: string, e: unknown) => void): Promise<ZoneView[]> {
  const [host, names] = await Promise.all([hostStates(ctx), ctx.store.names()]);
  const out: ZoneView[] = [];
  for (const [i, read] of (await ctx.store.readMany(names)).entries()) {
    const name = names[i] as string;
    try {
      const z = read();
      if (z !== undefined) out.push(zoneView(z.record, z.status, reconcileManaged(z.status.state, host.get(name))));
    } catch (e) {
      onBroken(name, e);
    }
  }
  return out;
}

/** Installs through the host's tools; on failure the backend has undone what it made
 * (only it knows what was there before: an existing root is never removed), and the
 * zone is configured again, as before. */
export function managedInstall(ctx: Context, name: string, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
  const m = managedOf(ctx);
  return withZone(ctx, name, 'install', async (z) => {
    const brand = await brandOnHost(m, z.record.brand, name);
    await z.moveTo('incomplete', { operation: 'install' }, ['userland']);
    let userland: InstalledUserland;
    try {
      userland = await m.install(z.record, brand, req, progress);
    } catch (e) {
      await z.moveTo('configured', {}, ['operation', 'userland']);
      throw e;
    }
    await z.moveTo('installed', { userland }, ['operation']);
    return userland;
  });
}

export function managedUninstall(ctx: Context, name: string): Promise<void> {
  const m = managedOf(ctx);
  return withZone(ctx, name, 'uninstall', async (z) => {
    await z.moveTo('incomplete', { operation: 'uninstall' });
    await m.uninstall(z.record);
    await z.moveTo('configured', {}, ['operation', 'userland', 'runtime']);
  });
}

async function start(ctx: Context, z: LockedZone, readyOnly: boolean): Promise<void> {
  const m = managedOf(ctx);
  const brand = await brandOnHost(m, z.record.brand, z.record.name);
  // A jail exists only running (jail -c starts exec.start at once): refused before
  // anything is written or run, not after.
  if (readyOnly && m.host.kind === 'freebsd') {
    throw new ZoneError('refused', `zone "${z.record.name}": a FreeBSD jail has no ready state (it exists only while it runs)`, {
      zone: z.record.name,
      hint: `zonectl boot ${z.record.name}`,
    });
  }
  await z.moveTo('ready', { operation: readyOnly ? 'ready' : 'boot', runtime: m.host.kind });
  try {
    if (readyOnly) await m.ready(z.record, brand);
    else await m.boot(z.record, brand);
  } catch (e) {
    await m.halt(z.record).catch(() => undefined);
    await z.moveTo('installed', {}, ['operation', 'runtime']);
    throw e;
  }
  await z.moveTo(readyOnly ? 'ready' : 'running', {}, ['operation']);
}

async function stop(ctx: Context, z: LockedZone, operation: string): Promise<void> {
  await z.moveTo('down', { operation });
  await managedOf(ctx).halt(z.record);
  await z.moveTo('installed', {}, ['operation', 'runtime']);
}

export type ManagedLifecycle = 'ready' | 'boot' | 'halt' | 'reboot';

export function managedLifecycle(ctx: Context, name: string, verb: ManagedLifecycle): Promise<void> {
  return withZone(ctx, name, verb, async (z) => {
    if (verb === 'ready' || verb === 'boot') return start(ctx, z, verb === 'ready');
    if (verb === 'halt') return stop(ctx, z, 'halt');
    await stop(ctx, z, 'reboot');
    await start(ctx, z, false);
  });
}

export function managedShutdown(ctx: Context, name: string, timeoutSeconds: number): Promise<{ clean: boolean; signal: string; seconds: number }> {
  const m = managedOf(ctx);
  return withZone(ctx, name, 'shutdown', async (z) => {
    const t0 = Date.now();
    await z.moveTo('shutting_down', { operation: 'shutdown' });
    const clean = await m.shutdown(z.record, timeoutSeconds * 1000);
    await stop(ctx, z, 'shutdown');
    // The userland's own shutdown (rc.shutdown, init 0) rather than a signal we send.
    return { clean, signal: m.host.kind === 'freebsd' ? 'exec.stop' : 'zoneadm shutdown', seconds: (Date.now() - t0) / 1000 };
  });
}

async function runningRecord(ctx: Context, name: string, verb: 'exec' | 'login'): Promise<ZoneRecord> {
  const { record, status } = await ctx.store.read(name);
  const state = reconcileManaged(status.state, (await hostStates(ctx)).get(name));
  if (state !== 'running') {
    throw new ZoneError('wrong-state', `cannot ${verb} zone "${name}": it is ${state}; ${verb} needs a running zone`, {
      zone: name,
      ...(state === 'installed' || state === 'ready' ? { hint: `run zonectl boot ${name} first` } : {}),
    });
  }
  return record;
}

export async function managedExec(ctx: Context, name: string, argv: string[], tty: boolean): Promise<number> {
  return managedOf(ctx).exec(await runningRecord(ctx, name, 'exec'), argv, tty);
}

export async function managedLogin(ctx: Context, name: string): Promise<number> {
  return managedOf(ctx).login(await runningRecord(ctx, name, 'login'));
}

export async function managedConsole(ctx: Context, name: string): Promise<number> {
  const { record } = await ctx.store.read(name);
  return managedOf(ctx).console(record);
}

export async function managedDelete(ctx: Context, name: string, force: boolean): Promise<void> {
  const m = managedOf(ctx);
  await withZone(
    ctx,
    name,
    'delete',
    async (z) => {
      const state = z.status.state;
      assertDeletable(name, state, force);
      if (isRunningLike(state)) await stop(ctx, z, 'delete');
      if (state !== 'configured') {
        await z.moveTo('incomplete', { operation: 'delete' });
        await m.uninstall(z.record);
      }
      await m.unconfigure(z.record);
      await ctx.store.destroy(name);
    },
    false,
  );
}

/** As zoneadm clone: the target gets the source's configuration under its own name and
 * zonepath, is configured on the host, then filled from the halted source. */
export async function managedClone(ctx: Context, source: string, target: string): Promise<void> {
  const m = managedOf(ctx);
  validateZoneName(target);
  await withZone(ctx, source, 'clone', async (src) => {
    const brand = await brandOnHost(m, src.record.brand, source);
    const config = { ...src.record.config };
    if (config.hostname !== undefined) delete config.hostname;
    if (config['net-address'] !== undefined && config['net-address'] !== 'auto') delete config['net-address'];
    const zonepath = defaultManagedZonepath(m.host.kind, target);
    // A clone fills a new zonepath; one that is there already is someone's data.
    if ((await m.executor.run(['test', '-e', zonepath])).code === 0) {
      throw new ZoneError('exists', `${zonepath} already exists on ${m.executor.target}; zone "${target}" would be cloned into it`, {
        zone: target,
        hint: `remove it, or create ${target} with another zonepath and install it`,
      });
    }
    await managedCreate(ctx, { name: target, brand: brand.name, zonepath, config, ...(src.record.fs === undefined ? {} : { fs: src.record.fs }), ...(src.record.native === undefined ? {} : { native: src.record.native }) });
    try {
      await withZone(ctx, target, 'install', async (dst) => {
        await dst.moveTo('incomplete', { operation: 'clone' });
        await m.clone(src.record, dst.record, brand);
        await dst.moveTo('installed', { ...(src.status.userland === undefined ? {} : { userland: src.status.userland }) }, ['operation']);
      });
    } catch (e) {
      const dst = await ctx.store.tryRead(target);
      if (dst !== undefined) {
        await m.uninstall(dst.record).catch(() => undefined);
        await m.unconfigure(dst.record).catch(() => undefined);
        await ctx.store.destroy(target).catch(() => undefined);
      }
      throw e;
    }
  });
}

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function checkSnapshotName(zone: string, name: string): void {
  if (!SNAPSHOT_NAME.test(name)) throw new ZoneError('usage', `snapshot name "${name}": letters, digits, '-', '_', '.', at most 64`, { zone });
}

export function managedSnapshotCreate(ctx: Context, zone: string, name: string): Promise<ManagedSnapshot> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'snapshot', (z) => managedOf(ctx).snapshotCreate(z.record, name));
}

export async function managedSnapshotList(ctx: Context, zone: string): Promise<ManagedSnapshot[]> {
  const { record } = await ctx.store.read(zone);
  return managedOf(ctx).snapshotList(record);
}

export function managedSnapshotDestroy(ctx: Context, zone: string, name: string): Promise<void> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'snapshot', (z) => managedOf(ctx).snapshotDestroy(z.record, name));
}

export function managedRollback(ctx: Context, zone: string, name: string): Promise<void> {
  checkSnapshotName(zone, name);
  return withZone(ctx, zone, 'rollback', (z) => managedOf(ctx).rollback(z.record, name));
}
