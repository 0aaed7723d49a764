// Per-zone lock: one zonectl process at a time works on a zone, whichever machine it
// runs on. One protocol, kept by every store (Node's fs here, a host's POSIX tools
// through an Executor on a FreeBSD or illumos host), so a zonectl on a FreeBSD or illumos host and
// a client reaching that host over ssh lock each other out:
//
//   ZONEDIR/lock.d/        made with mkdir(2), the atomic test-and-set
//   ZONEDIR/lock.d/owner   {"client","pid","start","command","since"}, linked in whole
//
// A lock is stale when its owner is a zonectl of THIS client machine that is gone (pid
// dead, or alive with another start time: a reused pid), or when its owner file stays
// unreadable or missing for a grace period (a crash between mkdir and the owner). A
// stale lock is taken over under a `lock.d.takeover` mkdir guard. A lock of another
// client machine is never taken over: its pids mean nothing here. A live holder is
// waited for up to a bound, then refused naming it.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZoneError, errnoCode } from './errors.js';
import { hostLine } from './terminal-text.js';

export interface LockOwner {
  /** The client machine (see clientId()): pids are only meaningful there. */
  client: string;
  pid: number;
  start: string; // /proc/PID/stat starttime: tells a live owner from a reused pid
  command: string;
  since: string;
}

export interface ZoneLock {
  release(): Promise<void>;
}

/** What a store provides for the lock; the algorithm over them is acquireLock's. Owner
 * texts are compared whole; '' stands for "no owner file". */
export interface LockFs {
  /** mkdir lockDir, then its owner file, linked in whole. 'held' when lockDir exists
   * (or another owner landed in it first), 'missing-parent' when the zone directory does
   * not exist. A lock whose owner could not be written is removed, never left. */
  tryMake(lockDir: string, ownerText: string): Promise<'made' | 'held' | 'missing-parent'>;
  /** The owner file's text, or undefined when there is none (or no lockDir). */
  readOwner(lockDir: string): Promise<string | undefined>;
  /** Removes lockDir while its owner text is still `ownerText`: compare, then move the
   * directory aside and remove it. Nothing happens otherwise. */
  removeIf(lockDir: string, ownerText: string): Promise<void>;
  /** removeIf under the `lockDir.takeover` mkdir guard, so two takers never remove each
   * other's fresh lock; false (and nothing done) while another taker holds the guard. */
  takeOver(lockDir: string, staleText: string): Promise<boolean>;
  /** Removes a guard left by a taker that died holding it. */
  clearGuard(lockDir: string): Promise<void>;
}

export interface LockOptions {
  timeoutMs: number;
  /** How often a waiter looks again (a remote look is a round trip). */
  pollMs: number;
  /** How long an unreadable or missing owner must stay so before the lock is stale. */
  graceMs?: number;
  /** Where the store is, for messages (e.g. the ssh target); none for this machine. */
  where?: string | undefined;
  /** How long a takeover guard may stay before it counts as left by a dead taker. */
  guardStaleMs?: number;
}

export const DEFAULT_GRACE_MS = 2000;
export const DEFAULT_GUARD_STALE_MS = 5000;

/** The fields of /proc/PID/stat from field 3 (state) on, counted after the
 * parenthesised command name (which may hold spaces); undefined when there is no such process. */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function processStartTime(pid: number): string | undefined {
  return procStatFields(pid)?.[19]; // field 22: starttime
}

/** Whether a process of THIS machine still runs: kill(pid, 0), and where /proc tells a
 * start time, the same start time (else the pid was reused). */
export function isOwnerAlive(owner: Pick<LockOwner, 'pid' | 'start'>): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errnoCode(e) === 'ESRCH') return false;
  }
  const start = processStartTime(owner.pid);
  return start === undefined || start === owner.start;
}

/** This client machine: its host name and machine id, so two laptops both called
 * "ubuntu" do not take each other's locks for their own. */
export function clientId(): string {
  let id = '';
  try {
    id = readFileSync('/etc/machine-id', 'utf8').trim().slice(0, 12);
  } catch {
    // No machine id (not systemd): the host name alone.
  }
  return id === '' ? hostname() : `${hostname()}/${id}`;
}

export function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const v = JSON.parse(text) as Partial<LockOwner> | null;
    if (v === null || typeof v !== 'object') return undefined;
    const ok =
      typeof v.client === 'string' &&
      typeof v.pid === 'number' &&
      Number.isInteger(v.pid) &&
      v.pid > 0 &&
      typeof v.start === 'string' &&
      typeof v.command === 'string' &&
      typeof v.since === 'string';
    return ok ? (v as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the zone's lock at `lockDir` for `command`, waiting up to opts.timeoutMs. */
export async function acquireLock(fs: LockFs, lockDir: string, zone: string, command: string, opts: LockOptions): Promise<ZoneLock> {
  const me: LockOwner = {
    client: clientId(),
    pid: process.pid,
    start: processStartTime(process.pid) ?? '',
    command,
    since: new Date().toISOString(),
  };
  const mine = JSON.stringify(me);
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const guardStaleMs = opts.guardStaleMs ?? DEFAULT_GUARD_STALE_MS;
  const deadline = Date.now() + opts.timeoutMs;
  // An unreadable owner is judged by how long it stays the same (clocks of the client and
  // the store's host need not agree); likewise a takeover guard nobody removes.
  let unreadable: { text: string; since: number } | undefined;
  let guarded: number | undefined;
  // The owner text last taken over: seen again, the removal did not happen (or it was
  // made anew), so the next try waits a poll instead of spinning.
  let taken: string | undefined;
  for (;;) {
    const made = await fs.tryMake(lockDir, mine);
    if (made === 'made') return { release: () => fs.removeIf(lockDir, mine) };
    if (made === 'missing-parent') {
      throw new ZoneError('not-found', `zone "${zone}" does not exist`, { zone });
    }
    const text = (await fs.readOwner(lockDir)) ?? '';
    const owner = parseOwner(text);
    let stale = false;
    if (owner === undefined) {
      if (unreadable?.text !== text) unreadable = { text, since: Date.now() };
      stale = Date.now() - unreadable.since >= graceMs;
    } else {
      unreadable = undefined;
      stale = owner.client === me.client && !isOwnerAlive(owner);
    }
    let stuck: 'guarded' | 'not-removed' | undefined;
    if (stale && taken !== text) {
      if (await fs.takeOver(lockDir, text)) {
        guarded = undefined;
        taken = text;
        continue;
      }
      stuck = 'guarded';
      guarded ??= Date.now();
      if (Date.now() - guarded >= guardStaleMs) {
        await fs.clearGuard(lockDir);
        guarded = undefined;
        continue;
      }
    } else {
      if (stale) stuck = 'not-removed';
      guarded = undefined;
      taken = undefined;
    }
    if (Date.now() >= deadline) throw busy(zone, lockDir, owner, me.client, stuck, opts, graceMs);
    await sleep(opts.pollMs);
  }
}

/** The one-line "locked" error for what was last seen holding the lock. */
function busy(zone: string, dir: string, owner: LockOwner | undefined, client: string, stuck: 'guarded' | 'not-removed' | undefined, opts: LockOptions, graceMs: number): ZoneError {
  // The owner file may come from another machine: its words are shown, never obeyed.
  const lockDir = hostLine(dir);
  const on = opts.where === undefined ? '' : ` on ${hostLine(opts.where)}`;
  const waited = `raise --lock-timeout (waited ${Math.round(opts.timeoutMs / 1000)} s)`;
  if (stuck === 'guarded') {
    return new ZoneError('locked', `zone "${zone}" is busy: another zonectl is taking over its stale lock ${lockDir}${on}`, {
      zone,
      hint: `try again; if this persists, remove ${lockDir}.takeover${on}`,
    });
  }
  if (stuck === 'not-removed') {
    return new ZoneError('locked', `zone "${zone}" is busy: its stale lock ${lockDir}${on} could not be removed`, {
      zone,
      hint: `if no zonectl is working on the zone, remove ${lockDir}${on}`,
    });
  }
  if (owner === undefined) {
    return new ZoneError('locked', `zone "${zone}" is busy: its lock ${lockDir}${on} names no readable owner`, {
      zone,
      hint: `a lock without a readable owner is taken over once it stays so for ${graceMs / 1000} s: ${waited}`,
    });
  }
  const who = `pid ${owner.pid} (zonectl ${hostLine(owner.command)}) on ${hostLine(owner.client)}`;
  const gone = owner.client === client ? '' : `; if that zonectl is gone, remove ${lockDir}${on}`;
  return new ZoneError('locked', `zone "${zone}" is busy: ${who} has held its lock${on} since ${hostLine(owner.since)}`, {
    zone,
    hint: `wait for it to finish, or ${waited}${gone}`,
  });
}
