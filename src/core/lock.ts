// Per-zone lock: one zonectl process at a time works on a zone. The lock is a file
// holding the owner's pid and process start time, made with link(2) so it appears
// whole or not at all. A lock whose owner is gone (or whose pid was reused) is stale
// and is taken over; a live one is waited for up to a bound, then refused.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZoneError, errnoCode } from './errors.js';

export interface LockOwner {
  pid: number;
  start: string;     // /proc/PID/stat starttime: tells a live owner from a reused pid
  command: string;
  since: string;
}

export interface ZoneLock {
  release(): Promise<void>;
}

const POLL_MS = 50;
const GUARD_STALE_MS = 5000;

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name (which may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
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

export function isOwnerAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errnoCode(e) === 'ESRCH') return false;
  }
  const start = processStartTime(owner.pid);
  return start === undefined || start === owner.start;
}

async function readOwner(path: string): Promise<{ raw: string; owner: LockOwner | undefined } | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(raw) as LockOwner;
    return { raw, owner: typeof v.pid === 'number' ? v : undefined };
  } catch {
    return { raw, owner: undefined };
  }
}

/** Removes a stale lock unless someone else replaced it meanwhile; the mkdir guard
 * keeps two takers from deleting each other's fresh lock. */
async function takeOver(path: string, staleRaw: string): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await mkdir(guard);
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    const st = await stat(guard).catch(() => undefined);
    if (st !== undefined && Date.now() - st.mtimeMs > GUARD_STALE_MS) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    const now = await readOwner(path);
    if (now !== undefined && now.raw === staleRaw) await unlink(path).catch(() => undefined);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

export async function acquireLock(
  path: string,
  zone: string,
  command: string,
  timeoutMs: number,
): Promise<ZoneLock> {
  const me: LockOwner = {
    pid: process.pid,
    start: processStartTime(process.pid) ?? '',
    command,
    since: new Date().toISOString(),
  };
  const mine = JSON.stringify(me);
  const tmp = `${path}.${process.pid}`;
  const deadline = Date.now() + timeoutMs;
  try {
    await writeFile(tmp, mine);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ZoneError('not-found', `zone "${zone}" does not exist`, { zone });
    throw e;
  }
  try {
    for (;;) {
      try {
        await link(tmp, path);
        return {
          release: async () => {
            const now = await readOwner(path);
            if (now?.raw === mine) await unlink(path).catch(() => undefined);
          },
        };
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') {
          throw new ZoneError('not-found', `zone "${zone}" was deleted while waiting for its lock`, { zone });
        }
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      const held = await readOwner(path);
      if (held === undefined) continue;
      if (held.owner === undefined || !isOwnerAlive(held.owner)) {
        await takeOver(path, held.raw);
        continue;
      }
      if (Date.now() >= deadline) {
        const o = held.owner;
        throw new ZoneError(
          'locked',
          `zone "${zone}" is busy: pid ${o.pid} (zonectl ${o.command}) has held its lock since ${o.since}`,
          { zone, hint: `wait for it to finish, or raise --lock-timeout (waited ${Math.round(timeoutMs / 1000)} s)` },
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
