// Running a zone: ready, boot, halt, shutdown, reboot. Each writes the state it is
// heading for before it asks the host, so a crash leaves a state reconcile can read.
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { RUN_FIELDS, withZone, type LockedZone } from './zone-lock.js';
import type { ShutdownResult as HostShutdown } from '../hosts/zone-host.js';

async function start(ctx: Context, z: LockedZone, mode: 'ready' | 'boot'): Promise<void> {
  const brand = await ctx.host.brand(z.record.brand, z.record.name);
  // Checked (and the root prepared) before anything is recorded: a refusal changes nothing.
  const prepared = await ctx.host.prepareStart(z.record, z.status, brand, mode);
  await z.moveTo('ready', { operation: mode, ...prepared.status });
  try {
    await prepared.run();
  } catch (e) {
    // Nothing half-started stays behind: the zone is back to installed.
    await ctx.host.halt(z.record, z.status).catch(() => undefined);
    await z.moveTo('installed', {}, RUN_FIELDS);
    throw e;
  }
  await z.moveTo(mode === 'ready' ? 'ready' : 'running', {}, ['operation']);
}

async function stop(ctx: Context, z: LockedZone, operation: string): Promise<void> {
  await z.moveTo('down', { operation });
  await ctx.host.halt(z.record, z.status);
  await z.moveTo('installed', {}, RUN_FIELDS);
}

export function readyZone(ctx: Context, name: string): Promise<void> {
  return withZone(ctx, name, 'ready', (z) => start(ctx, z, 'ready'));
}

export function bootZone(ctx: Context, name: string): Promise<void> {
  return withZone(ctx, name, 'boot', (z) => start(ctx, z, 'boot'));
}

export function haltZone(ctx: Context, name: string): Promise<void> {
  return withZone(ctx, name, 'halt', (z) => stop(ctx, z, 'halt'));
}

/** As zoneadm reboot: halt and boot again (use shutdown + boot for a clean stop). */
export function rebootZone(ctx: Context, name: string): Promise<void> {
  return withZone(ctx, name, 'reboot', async (z) => {
    await stop(ctx, z, 'reboot');
    await start(ctx, z, 'boot');
  });
}

export interface ShutdownResult extends HostShutdown {
  seconds: number;
}

/** Asks the userland to stop (its init's halt signal, exec.stop, zoneadm shutdown),
 * waits up to the timeout, then halts what is left. */
export async function shutdownZone(ctx: Context, name: string, timeoutSeconds: number): Promise<ShutdownResult> {
  if (!(timeoutSeconds >= 0)) throw new ZoneError('usage', `--timeout must be a number of seconds, not ${timeoutSeconds}`);
  return withZone(ctx, name, 'shutdown', async (z) => {
    const brand = await ctx.host.brand(z.record.brand, name);
    const t0 = Date.now();
    await z.moveTo('shutting_down', { operation: 'shutdown' });
    const r = await ctx.host.shutdown(z.record, z.status, brand, timeoutSeconds * 1000);
    await stop(ctx, z, 'shutdown');
    return { ...r, seconds: (Date.now() - t0) / 1000 };
  });
}
