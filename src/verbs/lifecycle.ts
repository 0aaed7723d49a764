// Running a zone: ready, boot, halt, shutdown, reboot. Each writes the state it is
// heading for before it asks the backend, so a crash leaves a state reconcile can read.
import { managedLifecycle, managedShutdown } from '../hosts/tool-host.js';
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { assertBrandHostFeatures } from '../hosts/linux/brand-features.js';
import { withZone, type LockedZone } from './zone-lock.js';
import { loadLinuxBrand, type LinuxBrand } from '../brands/brand.js';
import { makeBootPlan, type BootPlan } from '../brands/plan.js';
import { prepareUserland } from '../brands/prepare.js';
import { assertIa32, assertVsyscall } from '../hosts/linux/abi-gates.js';
import { ensureRoot } from './storage.js';

async function planFor(ctx: Context, z: LockedZone): Promise<{ plan: BootPlan; brand: LinuxBrand }> {
  const brand = await loadLinuxBrand(z.record.brand);
  await assertBrandHostFeatures(brand, z.record.name);
  const backend = ctx.backendFor(z.record, z.status);
  return { plan: await makeBootPlan(z.record, z.status, brand, () => backend.unameShim()), brand };
}

async function start(ctx: Context, z: LockedZone, createOnly: boolean): Promise<void> {
  const name = z.record.name;
  const fromReady = z.status.state === 'ready';
  // A layered root is mounted (after a host reboot) and any interrupted step finished.
  if (!fromReady) await ensureRoot(ctx, z.record);
  const { plan, brand } = await planFor(ctx, z);
  const runtime = fromReady ? (z.status.runtime ?? ctx.runtimeFor(z.record)) : ctx.runtimeFor(z.record);
  const backend = ctx.backend(runtime);
  if (!fromReady) {
    await assertIa32(plan);
    await assertVsyscall(plan);
    // The brand's boot-time fixups, before the zone's init can see its files.
    const prepared = await prepareUserland(plan, brand, ctx.store.dir(name));
    for (const w of prepared.warnings) ctx.warn(`zone "${name}": ${w}`);
  }
  await z.moveTo('ready', { operation: createOnly ? 'ready' : 'boot', runtime, personality: plan.personality });
  try {
    if (createOnly) await backend.ready(ctx.handle(name), plan);
    else await backend.boot(ctx.handle(name), plan, fromReady);
  } catch (e) {
    // Nothing half-started stays behind: the zone is back to installed.
    await backend.halt(ctx.handle(name)).catch(() => undefined);
    await z.moveTo('installed', {}, ['operation', 'runtime', 'personality']);
    throw e;
  }
  await z.moveTo(createOnly ? 'ready' : 'running', {}, ['operation']);
}

export function readyZone(ctx: Context, name: string): Promise<void> {
  if (ctx.managed !== undefined) return managedLifecycle(ctx, name, 'ready');
  return withZone(ctx, name, 'ready', (z) => start(ctx, z, true));
}

export function bootZone(ctx: Context, name: string): Promise<void> {
  if (ctx.managed !== undefined) return managedLifecycle(ctx, name, 'boot');
  return withZone(ctx, name, 'boot', (z) => start(ctx, z, false));
}

async function stop(ctx: Context, z: LockedZone, operation: string): Promise<void> {
  await z.moveTo('down', { operation });
  await ctx.backendFor(z.record, z.status).halt(ctx.handle(z.record.name));
  await z.moveTo('installed', {}, ['operation', 'runtime', 'personality']);
}

export function haltZone(ctx: Context, name: string): Promise<void> {
  if (ctx.managed !== undefined) return managedLifecycle(ctx, name, 'halt');
  return withZone(ctx, name, 'halt', (z) => stop(ctx, z, 'halt'));
}

export interface ShutdownResult {
  /** True when init exited on the halt signal; false when it had to be killed. */
  clean: boolean;
  signal: string;
  seconds: number;
}

/** Sends the userland's halt signal to its init, waits, then kills what is left. */
export function shutdownZone(ctx: Context, name: string, timeoutSeconds: number): Promise<ShutdownResult> {
  if (!(timeoutSeconds >= 0)) throw new ZoneError('usage', `--timeout must be a number of seconds, not ${timeoutSeconds}`);
  if (ctx.managed !== undefined) return managedShutdown(ctx, name, timeoutSeconds);
  return withZone(ctx, name, 'shutdown', async (z) => {
    const { plan } = await planFor(ctx, z);
    const backend = ctx.backendFor(z.record, z.status);
    const t0 = Date.now();
    await z.moveTo('shutting_down', { operation: 'shutdown' });
    await backend.signal(ctx.handle(name), plan.haltSignalNumber);
    const clean = await backend.waitForStop(ctx.handle(name), timeoutSeconds * 1000);
    await stop(ctx, z, 'shutdown');
    return { clean, signal: plan.init.haltSignal, seconds: (Date.now() - t0) / 1000 };
  });
}

/** As zoneadm reboot: halt and boot again (use shutdown + boot for a clean stop). */
export function rebootZone(ctx: Context, name: string): Promise<void> {
  if (ctx.managed !== undefined) return managedLifecycle(ctx, name, 'reboot');
  return withZone(ctx, name, 'reboot', async (z) => {
    await stop(ctx, z, 'reboot');
    await start(ctx, z, false);
  });
}
