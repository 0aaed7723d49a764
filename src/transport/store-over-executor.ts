// The zone store on a managed host, kept with that host's POSIX tools through an
// Executor (nothing of ours is installed there): the same rules as locally. A file is
// replaced by writing a temp file and renaming it, then `sync`; a zone directory is
// claimed with mkdir (atomic) and counts once its zone.json is renamed in; a lock is a
// directory made with mkdir, holding its owner. Every script is fixed text and every
// path a positional parameter, so no name or path is ever parsed by a shell. The
// scripts are Bourne shell (no $(...), no ${v%p}): Solaris 10's /bin/sh runs them too.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZoneError } from '../core/errors.js';
import { clientId, isOwnerAlive, processStartTime, type ZoneLock } from '../core/lock.js';
import type { StoreFs } from '../core/store-fs.js';
import { lastLine, type Executor } from './executor.js';

const MISSING = 3;
const EXISTS = 17;
const POLL_MS = 200;

/** Who holds a remote lock: a zonectl process on some client machine. */
interface RemoteOwner {
  client: string;
  pid: number;
  start: string;
  command: string;
  since: string;
}

export class RemoteStoreFs implements StoreFs {
  constructor(private readonly ex: Executor) {}

  /** Runs a store script; `what` (a path) names it in errors. */
  private async sh(script: string, args: string[], input?: string, what: string = args[0] ?? ''): Promise<{ code: number; stdout: string }> {
    const r = await this.ex.run(['/bin/sh', '-c', script, 'zonectl', ...args], input === undefined ? {} : { input });
    if (r.code !== 0 && r.code !== MISSING && r.code !== EXISTS) {
      throw new ZoneError('runtime', `zone store on ${this.ex.target}: ${what}: ${lastLine(r)}`, {
        hint: 'check the state root (--root) exists and is writable by the ssh user on that host',
      });
    }
    return r;
  }

  async readText(path: string): Promise<string | undefined> {
    const r = await this.sh('[ -f "$1" ] || exit 3; exec cat -- "$1"', [path]);
    return r.code === MISSING ? undefined : r.stdout;
  }

  /** One call for many files: each is framed by marker lines holding a random token,
   * which JSON text (all the store holds) cannot contain by chance. */
  async readTexts(paths: string[]): Promise<Array<string | undefined>> {
    if (paths.length === 0) return [];
    const token = `zonectl-${randomBytes(12).toString('hex')}`;
    const r = await this.sh(
      't="$1"; shift; for f in "$@"; do if [ -f "$f" ]; then printf \'%s F\\n\' "$t"; cat -- "$f" || exit 1; printf \'\\n%s E\\n\' "$t"; else printf \'%s M\\n\' "$t"; fi; done',
      [token, ...paths],
      undefined,
      paths[0],
    );
    return parseFramed(r.stdout, token, paths.length);
  }

  async writeAtomic(path: string, text: string): Promise<void> {
    await this.sh('t="$1.$$.tmp"; umask 077; cat > "$t" && mv -f "$t" "$1" && sync || { rm -f "$t"; exit 1; }', [path], text);
  }

  async list(dir: string): Promise<string[]> {
    const r = await this.sh('[ -d "$1" ] || exit 3; cd "$1" && ls -1a', [dir]);
    if (r.code === MISSING) return [];
    return r.stdout.split('\n').filter((n) => n !== '' && n !== '.' && n !== '..');
  }

  async createDir(dir: string, files: Array<[string, string]>): Promise<boolean> {
    const parent = parentOf(dir);
    // A random name: two clients (whose pids may be equal) never share a temp dir.
    const base = `.new-${dir.split('/').pop() ?? ''}-${randomBytes(6).toString('hex')}`;
    const tmp = `${parent}/${base}`;
    // Files go into a private temp dir first, which one rename makes the zone's.
    await this.sh('umask 077; mkdir -p "$1" && mkdir "$2"', [parent, tmp]);
    try {
      for (const [name, text] of files) await this.sh('umask 077; cat > "$1"', [`${tmp}/${name}`], text);
    } catch (e) {
      await this.sh('rm -rf "$1"', [tmp]).catch(() => undefined);
      throw e;
    }
    // mv onto an existing directory would move the temp dir into it: refused first,
    // and undone if another client made the zone between the test and the rename.
    const r = await this.sh(
      'd="$1"; t="$2"; b="$3"; if [ -e "$d" ]; then rm -rf "$t"; exit 17; fi; mv "$t" "$d" || { rm -rf "$t"; exit 1; }; if [ -d "$d/$b" ]; then rm -rf "$d/$b"; exit 17; fi; sync',
      [dir, tmp, base],
    );
    return r.code !== EXISTS;
  }

  async removeDir(dir: string): Promise<void> {
    const trash = `${dir.replace(/\/[^/]+$/, '')}/.deleted-${dir.split('/').pop() ?? ''}-${process.pid}-${Date.now()}`;
    await this.sh('mv -f "$1" "$2" && sync && rm -rf "$2"', [dir, trash]);
  }

  async lock(path: string, zone: string, command: string, timeoutMs: number): Promise<ZoneLock> {
    const me: RemoteOwner = {
      client: clientId(),
      pid: process.pid,
      start: processStartTime(process.pid) ?? '',
      command,
      since: new Date().toISOString(),
    };
    const mine = JSON.stringify(me);
    const lockDir = `${path}.d`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // mkdir is the atomic test-and-set; the owner file follows in the same call, and a
      // lock whose owner could not be written is not left behind.
      const r = await this.sh('[ -d "$2" ] || exit 3; mkdir "$1" 2>/dev/null || exit 17; cat > "$1/owner" || { rm -rf "$1"; exit 1; }', [lockDir, parentOf(lockDir)], mine);
      if (r.code === MISSING) throw new ZoneError('not-found', `zone "${zone}" does not exist`, { zone });
      if (r.code === 0) return { release: () => this.unlock(lockDir, mine) };
      const held = await this.readText(`${lockDir}/owner`);
      const owner = parseOwner(held);
      if (held !== undefined && owner !== undefined && owner.client === me.client && !isOwnerAlive(owner)) {
        await this.takeOver(lockDir, held); // a zonectl of this machine that is gone
        continue;
      }
      if (Date.now() >= deadline) {
        const who = owner === undefined ? 'another zonectl' : `pid ${owner.pid} on ${owner.client} (zonectl ${owner.command}) since ${owner.since}`;
        throw new ZoneError('locked', `zone "${zone}" is busy: ${who} holds its lock on ${this.ex.target}`, {
          zone,
          hint: `wait for it to finish, or raise --lock-timeout; if that zonectl is gone, remove ${lockDir} on the host`,
        });
      }
      await sleep(POLL_MS);
    }
  }

  /** Removes a stale lock unless someone replaced it meanwhile: the mkdir guard keeps two
   * takers from removing each other's fresh lock (as core/lock.ts does locally). */
  private async takeOver(lockDir: string, staleText: string): Promise<void> {
    await this.sh(
      'mkdir "$1.takeover" 2>/dev/null || exit 0; o=`cat "$1/owner" 2>/dev/null`; if [ "$o" = "$2" ]; then mv "$1" "$1.gone.$$" && rm -rf "$1.gone.$$"; fi; rmdir "$1.takeover"',
      [lockDir, staleText],
    );
  }

  /** Removes the lock only while it still holds this owner text (compare, then move aside). */
  private async unlock(lockDir: string, ownerText: string): Promise<void> {
    await this.sh('o=`cat "$1/owner" 2>/dev/null`; [ "$o" = "$2" ] || exit 0; mv "$1" "$1.gone.$$" && rm -rf "$1.gone.$$"', [lockDir, ownerText]);
  }
}

function parentOf(path: string): string {
  return path.replace(/\/[^/]+$/, '') || '/';
}

function parseOwner(text: string | undefined): RemoteOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<RemoteOwner>;
    return typeof v.pid === 'number' && typeof v.client === 'string' ? (v as RemoteOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits readTexts' output back into files: `TOKEN F` ... `TOKEN E` around each file
 * (the newline before `TOKEN E` is ours), `TOKEN M` for a missing one. */
export function parseFramed(out: string, token: string, count: number): Array<string | undefined> {
  const files: Array<string | undefined> = [];
  let rest = out;
  while (files.length < count) {
    if (rest.startsWith(`${token} M\n`)) {
      files.push(undefined);
      rest = rest.slice(token.length + 3);
      continue;
    }
    const head = `${token} F\n`;
    const end = rest.indexOf(`\n${token} E\n`);
    if (!rest.startsWith(head) || end === -1) throw new ZoneError('runtime', 'zone store: the host sent an unreadable listing of its files');
    files.push(rest.slice(head.length, end));
    rest = rest.slice(end + token.length + 4);
  }
  return files;
}
