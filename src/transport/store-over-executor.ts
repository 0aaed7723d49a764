// The zone store on a FreeBSD, illumos or Solaris host, kept with that host's POSIX tools through an
// Executor (nothing of ours is installed there): the same rules as locally. A file is
// replaced by writing a temp file and renaming it, then `sync`; a zone directory is
// claimed with mkdir (atomic) and counts once its zone.json is renamed in; a lock is a
// directory made with mkdir, holding its owner. Every script is fixed text and every
// path a positional parameter, so no name or path is ever parsed by a shell. The
// scripts are Bourne shell (no $(...), no ${v%p}): Solaris 10's /bin/sh runs them too.
import { randomBytes } from 'node:crypto';
import { ZoneError } from '../core/errors.js';
import type { StoreFs } from '../core/store-fs.js';
import { lastLine, type Executor } from './executor.js';

const MISSING = 3;
const EXISTS = 17;

export class RemoteStoreFs implements StoreFs {
  /** A look at a remote lock is a round trip: waiters look less often than locally. */
  readonly lockPollMs = 200;
  readonly where: string | undefined;

  constructor(private readonly ex: Executor) {
    this.where = ex.target === 'local' ? undefined : ex.target;
  }

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

  // The zone lock's primitives (the algorithm is core/lock.ts's, the same as locally).
  // An owner is written aside and linked in with ln, so it appears whole and never
  // replaces one that landed first; owners are compared with cmp against our stdin, byte
  // for byte ('' is compared with /dev/null: no owner file). A lock directory is
  // removed by moving it aside first (to a random name), whatever it holds.

  async tryMake(lockDir: string, ownerText: string): Promise<'made' | 'held' | 'missing-parent'> {
    const r = await this.sh(
      // Solaris 10's /usr/bin/ln before 10/08 replaced an existing target: its xpg4 ln does not.
      'd="$1"; t="$1/.owner.$$"; l=ln; [ -x /usr/xpg4/bin/ln ] && l=/usr/xpg4/bin/ln; umask 077; ' +
        // A mkdir that fails on a lock released before the look is tried again (twice):
        // only a failure with no lock there is an error.
        'm=0; for i in 1 2 3; do mkdir "$d" 2>/dev/null && { m=1; break; }; [ -d "$2" ] || exit 3; [ -d "$d" ] && exit 17; done; ' +
        '[ $m = 1 ] || { echo "cannot make the lock directory" >&2; exit 1; }; ' +
        'if cat > "$t" && $l "$t" "$d/owner"; then rm -f "$t"; exit 0; fi; ' +
        'rm -f "$t"; [ -d "$d" ] || exit 17; [ -f "$d/owner" ] && exit 17; rmdir "$d"; exit 1',
      [lockDir, parentOf(lockDir)],
      ownerText,
    );
    return r.code === 0 ? 'made' : r.code === MISSING ? 'missing-parent' : 'held';
  }

  readOwner(lockDir: string): Promise<string | undefined> {
    return this.readText(`${lockDir}/owner`);
  }

  async removeIf(lockDir: string, ownerText: string): Promise<void> {
    await this.sh(`${SAME_OWNER} || exit 0; mv "$1" "$2" || { [ -d "$1" ] || exit 0; exit 1; }; rm -rf "$2"`, [lockDir, this.aside(lockDir)], ownerText);
  }

  async takeOver(lockDir: string, staleText: string): Promise<boolean> {
    const r = await this.sh(
      // No zone directory (deleted meanwhile): nothing to take over, and tryMake says so.
      'mkdir "$1.takeover" 2>/dev/null || { [ -d "$1.takeover" ] && exit 17; exit 0; }; ' +
        `s=0; if ${SAME_OWNER}; then mv "$1" "$2" || { [ -d "$1" ] && s=1; }; fi; rmdir "$1.takeover"; [ $s = 0 ] || exit 1; rm -rf "$2"`,
      [lockDir, this.aside(lockDir)],
      staleText,
    );
    return r.code !== EXISTS;
  }

  async clearGuard(lockDir: string): Promise<void> {
    await this.sh('rmdir "$1.takeover" 2>/dev/null; exit 0', [lockDir]);
  }

  /** A name to move a lock directory to before removing it: random, so two clients
   * (whose shells' pids may be equal) never share one. */
  private aside(lockDir: string): string {
    return `${lockDir}.gone-${randomBytes(6).toString('hex')}`;
  }
}

/** True when lock directory $1 exists and its owner file holds exactly stdin. */
const SAME_OWNER = '{ [ -d "$1" ] && o="$1/owner" && { [ -f "$o" ] || o=/dev/null; } && cmp -s - "$o"; }';

function parentOf(path: string): string {
  return path.replace(/\/[^/]+$/, '') || '/';
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
