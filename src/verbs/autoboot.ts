// autoboot: what a host's boot-time unit runs (as illumos's svc:/system/zones does):
// every installed zone whose autoboot is true is booted; one failing does not stop the rest.
import type { Context } from './context.js';
import { listZones } from './config.js';
import { bootZone } from './lifecycle.js';

export interface AutobootResult {
  name: string;
  booted: boolean;
  error?: string;
  /** The failure itself, for the caller to render as it renders any error. */
  cause?: unknown;
}

/** Boots each zone with autoboot=true that is installed; `each` hears of every result as
 * it happens, `onBroken` of a zone whose files cannot be read. */
export async function autobootZones(ctx: Context, each: (r: AutobootResult) => void, onBroken: (name: string, e: unknown) => void): Promise<AutobootResult[]> {
  const results: AutobootResult[] = [];
  for (const z of await listZones(ctx, onBroken)) {
    if (z.config.autoboot !== 'true' || z.state !== 'installed') continue;
    let r: AutobootResult;
    try {
      await bootZone(ctx, z.name);
      r = { name: z.name, booted: true };
    } catch (e) {
      r = { name: z.name, booted: false, error: e instanceof Error ? e.message : String(e), cause: e };
    }
    results.push(r);
    each(r);
  }
  return results;
}
