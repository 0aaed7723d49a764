// Every verb that changes a zone goes through here: take the zone's lock, read it,
// reconcile it with the host, check the state machine, then let the verb move it,
// each step written durably before the work it announces.
import type { Context } from './context.js';
import { reconcile, mayHaveRuntime } from '../core/reconcile.js';
import { assertState, type Verb } from '../core/states.js';
import type { ZoneRecord, ZoneState, ZoneStatus } from '../core/zone.js';

export interface LockedZone {
  record: ZoneRecord;
  status: ZoneStatus;
  /** Records a new state (and optional fields) durably before the caller goes on. */
  moveTo(state: ZoneState, extra?: Partial<Omit<ZoneStatus, 'state' | 'since'>>, drop?: Array<keyof ZoneStatus>): Promise<void>;
}

/** Fields that describe a run, gone once the zone is back to installed or configured. */
export const RUN_FIELDS: Array<keyof ZoneStatus> = ['operation', 'runtime', 'personality', 'emulation'];

/** The zone's state after reconciling with the host; frees what the host still holds
 * for a zone whose processes are gone, so the next boot starts clean. Caller holds the lock. */
async function reconcileLocked(ctx: Context, name: string, record: ZoneRecord, status: ZoneStatus): Promise<ZoneStatus> {
  const observed = (await ctx.host.observe([{ record, status }])).get(name);
  const state = reconcile(status.state, observed);
  if (state === status.state) return status;
  if (mayHaveRuntime(status.state) && !mayHaveRuntime(state)) await ctx.host.release(record, status);
  const next: ZoneStatus = { ...status, state, since: new Date().toISOString() };
  if (state === 'installed' || state === 'configured') for (const k of RUN_FIELDS) delete next[k];
  // Uninstalled with the host's own tools (or an install it undid): no userland any more.
  if (state === 'configured') delete next.userland;
  await ctx.store.writeStatus(name, next);
  return next;
}

export async function withZone<T>(ctx: Context, name: string, verb: Verb, fn: (z: LockedZone) => Promise<T>, check = true): Promise<T> {
  await ctx.store.read(name); // a clear "does not exist" before waiting on a lock
  const lock = await ctx.store.lock(name, verb, ctx.options.lockTimeoutMs);
  let result: T;
  try {
    result = await underLock(ctx, name, verb, fn, check);
  } catch (e) {
    // The verb's own error is what the user needs; a failed release must not hide it.
    await lock.release().catch(() => undefined);
    throw e;
  }
  await lock.release();
  return result;
}

async function underLock<T>(ctx: Context, name: string, verb: Verb, fn: (z: LockedZone) => Promise<T>, check: boolean): Promise<T> {
  // Re-read under the lock: another process may have moved the zone meanwhile.
  const fresh = await ctx.store.read(name);
  let status = await reconcileLocked(ctx, name, fresh.record, fresh.status);
  if (check) assertState(name, verb, status.state);
  const z: LockedZone = {
    record: fresh.record,
    get status() {
      return status;
    },
    moveTo: async (state, extra = {}, drop = []) => {
      const next: ZoneStatus = { ...status, ...extra, state, since: new Date().toISOString() };
      for (const k of drop) delete next[k];
      await ctx.store.writeStatus(name, next);
      status = next;
    },
  };
  return fn(z);
}
