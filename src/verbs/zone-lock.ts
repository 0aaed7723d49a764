// Every verb that changes a zone goes through here: take the zone's lock, read it,
// reconcile it with the runtime, check the state machine, then let the verb move it,
// each step written durably before the work it announces.
import type { Context } from './context.js';
import { reconcile, mayHaveRuntime } from '../core/reconcile.js';
import { reconcileManaged } from '../core/managed-reconcile.js';
import type { ManagedBackend } from '../backends/tool-backend.js';
import { assertState, type Verb } from '../core/states.js';
import type { ZoneRecord, ZoneState, ZoneStatus } from '../core/zone.js';

export interface LockedZone {
  record: ZoneRecord;
  status: ZoneStatus;
  /** Records a new state (and optional fields) durably before the caller goes on. */
  moveTo(state: ZoneState, extra?: Partial<Omit<ZoneStatus, 'state' | 'since'>>, drop?: Array<keyof ZoneStatus>): Promise<void>;
}

/** The zone's state after reconciling with the runtime; cleans up a container whose
 * init has exited, so the next boot starts clean. Caller holds the lock. */
export async function reconcileLocked(ctx: Context, name: string, record: ZoneRecord, status: ZoneStatus): Promise<ZoneStatus> {
  if (ctx.managed !== undefined) return reconcileOnHost(ctx, ctx.managed, name, status);
  if (!mayHaveRuntime(status.state)) return status;
  const backend = ctx.backendFor(record, status);
  const rt = await backend.state(ctx.handle(name));
  const state = reconcile(status.state, rt);
  if (state === status.state) return status;
  if (state === 'installed') await backend.halt(ctx.handle(name));
  const next: ZoneStatus = { ...status, state, since: new Date().toISOString() };
  if (state === 'installed') {
    delete next.operation;
    delete next.runtime;
    delete next.personality;
  }
  await ctx.store.writeStatus(name, next);
  return next;
}

/** On a managed host: the host's own state decides; nothing is ours to clean up. */
async function reconcileOnHost(ctx: Context, m: ManagedBackend, name: string, status: ZoneStatus): Promise<ZoneStatus> {
  const state = reconcileManaged(status.state, (await m.states()).get(name));
  if (state === status.state) return status;
  const next: ZoneStatus = { ...status, state, since: new Date().toISOString() };
  if (state === 'installed' || state === 'configured') {
    delete next.operation;
    delete next.runtime;
  }
  // Uninstalled on the host (or an install it undid): no userland any more.
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
