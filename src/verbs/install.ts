// install and uninstall: the zone goes to incomplete before anything is written under
// its root, and to installed (or configured) only when the work is whole. An install
// interrupted at any point leaves incomplete, which install restarts and uninstall clears.
import type { Observable } from 'rxjs';
import type { Context } from './context.js';
import { cjsNamed } from '../core/interop.js';
import type { InstalledUserland } from '../core/zone.js';
import { assertNoClones } from './config.js';
import { RUN_FIELDS, withZone } from './zone-lock.js';
import type { InstallEvent } from '../install/methods.js';
import type { InstallRequest } from '../hosts/zone-host.js';

export type { InstallRequest };

function runInstall(ctx: Context, name: string, req: InstallRequest, emit: (e: InstallEvent) => void): Promise<InstalledUserland> {
  return withZone(ctx, name, 'install', async (z) => {
    const brand = await ctx.host.brand(z.record.brand, name);
    // Everything checked (and a URL downloaded to the cache) before the zone changes.
    const prepared = await ctx.host.prepareInstall(z.record, brand, req, emit);
    await z.moveTo('incomplete', { operation: 'install', ...prepared.status }, ['userland']);
    let userland: InstalledUserland;
    try {
      userland = await prepared.run();
    } catch (e) {
      // Where the host's tool undid its own work, the zone is configured again;
      // elsewhere it stays incomplete, for install to restart or uninstall to clear.
      if (ctx.host.differences.failedInstallLeaves === 'configured') await z.moveTo('configured', {}, ['operation', 'userland']);
      throw e;
    }
    await z.moveTo('installed', { userland }, ['operation']);
    emit({ type: 'phase', zone: name, phase: 'done', message: `zone ${name} installed` });
    return userland;
  });
}

/** Installs a zone, reporting progress as a stream of events; completes when installed.
 * (rxjs loads here, on install, not on every command.) */
export async function installZone(ctx: Context, name: string, req: InstallRequest): Promise<Observable<InstallEvent>> {
  const { Observable } = cjsNamed(await import('rxjs'), 'Observable');
  return new Observable<InstallEvent>((sub) => {
    runInstall(ctx, name, req, (e) => sub.next(e)).then(
      () => sub.complete(),
      (e: unknown) => sub.error(e),
    );
  });
}

/** Removes the userland and returns the zone to configured. */
export function uninstallZone(ctx: Context, name: string, promoteClones = false): Promise<void> {
  return withZone(ctx, name, 'uninstall', async (z) => {
    // Refused before anything changes: clones that depend on this zone are named.
    await assertNoClones(ctx, z.record, promoteClones);
    await z.moveTo('incomplete', { operation: 'uninstall' });
    await ctx.host.uninstall(z.record, z.status);
    await z.moveTo('configured', {}, [...RUN_FIELDS, 'userland']);
  });
}
