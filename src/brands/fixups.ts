// Boot-time fixups: what a brand's data says to change in a userland so that its init
// comes up in a zone (illumos lx_boot's per-distribution edits, as data). They run on
// the host, against the zone root, before every boot, so a package update that puts
// a file back is fixed again. Every edit is idempotent: a line it comments out carries
// a marker and is never matched again, a replacement already in place is no change,
// and a file is written only when it differs. Paths
// are resolved as the zone sees them, never out of its root, and a file that is a
// symlink is skipped (lx_boot's rule: the zone may point it anywhere).
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { resolveInRoot } from '../install/root-path.js';
import { rewriteLines } from '../install/edits.js';
import type { Brand } from './brand.js';

export type FixupEdit =
  | { 'replace-lines': { path: string; match: string; with: string } }
  | { 'comment-lines': { path: string; match: string } }
  | { 'ensure-line': { path: string; line: string; create?: boolean } }
  | { 'write-file': { path: string; content: string; mode?: string; 'only-if-exists'?: boolean } }
  | { 'remove-services': string[] }
  | { 'mask-units': string[] };

export interface Fixup {
  family: string;
  detect: Array<{ file: string; contains?: string }>;
  edits: FixupEdit[];
}

/** Lines an edit changed carry this; they are never matched again. */
export const MARKER = 'zonectl-lx';

export interface FixupResult {
  families: string[];
  /** One entry per change made this time, e.g. "etc/inittab: 1 line replaced". */
  changes: string[];
}

function regex(match: string, brand: string): RegExp {
  try {
    return new RegExp(`^(?:${match})$`);
  } catch (e) {
    throw new ZoneError('invalid-file', `brand ${brand}: fixup pattern "${match}": ${(e as Error).message}`);
  }
}

/** A regular file inside the root as the zone sees `path`, or undefined when it is
 * missing or its last component is a symlink (skipped, never followed). */
async function regularFile(root: string, path: string): Promise<string | undefined> {
  const parent = await resolveInRoot(root, dirname(path));
  if (parent === undefined) return undefined;
  const file = join(parent, path.split('/').pop() as string);
  const st = await lstat(file).catch(() => undefined);
  return st?.isFile() === true ? file : undefined;
}

/** Which families' fixups apply: every entry whose marker files exist (and match). */
export async function detectFamilies(root: string, fixups: Fixup[]): Promise<Fixup[]> {
  const out: Fixup[] = [];
  for (const f of fixups) {
    let all = true;
    for (const d of f.detect) {
      const file = await resolveInRoot(root, d.file);
      const st = file === undefined ? undefined : await lstat(file).catch(() => undefined);
      if (file === undefined || st?.isFile() !== true) {
        all = false;
        break;
      }
      if (d.contains !== undefined && !new RegExp(d.contains, 'm').test(await readFile(file, 'utf8'))) {
        all = false;
        break;
      }
    }
    if (all) out.push(f);
  }
  return out;
}

/** Rewrites the lines that match, leaving marked lines alone; counts the lines that
 * really changed (a replacement already in place is no change). */
async function editLines(file: string, re: RegExp, change: (line: string) => string): Promise<number> {
  return (await rewriteLines(file, re, change, (line) => line.includes(MARKER))).changed;
}

const SHELL_FILE = /(^|\/)(rc\.sysinit|rc\.local|rc|functions)$|\.sh$|init\.d\//;
const SHELL_SYNTAX = /^\s*(if|then|elif|else|fi|for|while|until|do|done|case|esac|function|select|[{}()]|\w+\s*\(\))(\s|;|$)|(\\|\||&&|\bthen|\bdo)\s*$/;

/** A shell script's line stays valid shell when neutralised: ":" keeps an if/then
 * block that held only that command from becoming a syntax error. A line that is
 * part of the script's structure (or continues onto the next) is left as it is. */
function commented(file: string, line: string): string {
  if (!SHELL_FILE.test(file)) return `# ${MARKER}: ${line}`;
  return SHELL_SYNTAX.test(line) ? line : `: # ${MARKER}: ${line.trimStart()}`;
}

async function ensureLine(root: string, path: string, line: string, create: boolean): Promise<boolean> {
  let file = await regularFile(root, path);
  if (file === undefined) {
    if (!create || (await lstat(join(root, path)).catch(() => undefined)) !== undefined) return false;
    const parent = await resolveInRoot(root, dirname(path));
    if (parent === undefined) return false;
    file = join(parent, path.split('/').pop() as string);
    await writeFile(file, '', { flag: 'wx', mode: 0o644 });
  }
  const text = await readFile(file, 'utf8');
  if (text.split('\n').includes(line)) return false;
  await writeFile(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  return true;
}

async function writeIfDifferent(root: string, e: { path: string; content: string; mode?: string; 'only-if-exists'?: boolean }): Promise<boolean> {
  const existing = await regularFile(root, e.path);
  const mode = Number.parseInt(e.mode ?? '0644', 8);
  if (existing !== undefined) {
    if ((await readFile(existing, 'utf8')) === e.content) return false;
    await writeFile(existing, e.content);
    await chmod(existing, mode);
    return true;
  }
  if (e['only-if-exists'] === true) return false;
  // Nothing there, or a symlink the zone owns: a symlink is left alone.
  if ((await lstat(join(root, e.path)).catch(() => undefined)) !== undefined) return false;
  const parent = await resolveInRoot(root, dirname(e.path));
  if (parent === undefined) return false;
  await writeFile(join(parent, e.path.split('/').pop() as string), e.content, { flag: 'wx', mode });
  return true;
}

/** Service start links in SysV rc directories (Red Hat's etc/rc.d/rcN.d, Debian's
 * etc/rcN.d, SUSE's etc/init.d/boot.d) and OpenRC runlevels: removed, never followed. */
const SERVICE_DIRS = ['etc/rc.d', 'etc', 'etc/init.d', 'etc/runlevels'];
const RC_DIR = /^(rc[0-6S]|boot)\.d$/;

async function removeServices(root: string, names: string[]): Promise<string[]> {
  const removed: string[] = [];
  const wanted = new Set(names);
  for (const base of SERVICE_DIRS) {
    const dir = await resolveInRoot(root, base);
    if (dir === undefined) continue;
    for (const sub of await readdir(dir).catch(() => [] as string[])) {
      if (!RC_DIR.test(sub) && base !== 'etc/runlevels') continue;
      const rcdir = join(dir, sub);
      if ((await lstat(rcdir).catch(() => undefined))?.isDirectory() !== true) continue;
      for (const entry of await readdir(rcdir)) {
        const service = base === 'etc/runlevels' ? entry : entry.replace(/^[SK]\d\d/, '');
        if (!wanted.has(service) || (base !== 'etc/runlevels' && !/^S\d\d/.test(entry))) continue;
        const link = join(rcdir, entry);
        if ((await lstat(link)).isSymbolicLink()) {
          await rm(link);
          removed.push(relative(root, link));
        }
      }
    }
  }
  return removed;
}

/** systemd units masked in /etc/systemd/system (a link to /dev/null), as systemctl mask does. */
async function maskUnits(root: string, units: string[]): Promise<string[]> {
  const dir = await resolveInRoot(root, 'etc/systemd/system');
  if (dir === undefined) return [];
  const masked: string[] = [];
  for (const unit of units) {
    const path = join(dir, unit);
    const st = await lstat(path).catch(() => undefined);
    if (st?.isSymbolicLink() === true && (await readlink(path)) === '/dev/null') continue;
    if (st !== undefined && !st.isSymbolicLink()) continue; // a unit the admin wrote: theirs
    await rm(path, { force: true });
    await symlink('/dev/null', path);
    masked.push(unit);
  }
  return masked;
}

async function applyEdit(root: string, edit: FixupEdit, brand: string): Promise<string | undefined> {
  if ('remove-services' in edit) {
    const gone = await removeServices(root, edit['remove-services']);
    return gone.length === 0 ? undefined : `services removed: ${gone.join(' ')}`;
  }
  if ('mask-units' in edit) {
    const masked = await maskUnits(root, edit['mask-units']);
    return masked.length === 0 ? undefined : `units masked: ${masked.join(' ')}`;
  }
  if ('write-file' in edit) {
    return (await writeIfDifferent(root, edit['write-file'])) ? `${edit['write-file'].path}: written` : undefined;
  }
  if ('ensure-line' in edit) {
    const e = edit['ensure-line'];
    return (await ensureLine(root, e.path, e.line, e.create === true)) ? `${e.path}: line added` : undefined;
  }
  const spec = 'replace-lines' in edit ? edit['replace-lines'] : edit['comment-lines'];
  const file = await regularFile(root, spec.path);
  if (file === undefined) return undefined;
  const re = regex(spec.match, brand);
  if ('replace-lines' in edit) {
    const n = await editLines(file, re, () => edit['replace-lines'].with);
    return n === 0 ? undefined : `${spec.path}: ${n} line(s) replaced`;
  }
  const n = await editLines(file, re, (line) => commented(spec.path, line));
  return n === 0 ? undefined : `${spec.path}: ${n} line(s) commented out`;
}

/** Applies the fixups of every family detected in the zone root. */
export async function applyFixups(root: string, brand: Pick<Brand, 'name' | 'fixups'>): Promise<FixupResult> {
  const families = await detectFamilies(root, brand.fixups ?? []);
  const changes: string[] = [];
  for (const f of families) {
    for (const edit of f.edits) {
      const change = await applyEdit(root, edit, brand.name);
      if (change !== undefined) changes.push(change);
    }
  }
  return { families: families.map((f) => f.family), changes };
}

/** The zone's identity files, written at every boot from its config. */
export async function writeZoneFiles(root: string, z: { hostname: string; sharedNetwork: boolean }): Promise<string[]> {
  const changes: string[] = [];
  if (await writeIfDifferent(root, { path: 'etc/hostname', content: `${z.hostname}\n` })) changes.push('etc/hostname: written');
  if (z.sharedNetwork) {
    const resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => undefined);
    if (resolv !== undefined && (await writeIfDifferent(root, { path: 'etc/resolv.conf', content: resolv }))) changes.push('etc/resolv.conf: written');
  }
  // Old mount(8) keeps /etc/mtab itself; in a zone it would describe the host's disks.
  const etc = await resolveInRoot(root, 'etc');
  if (etc !== undefined && (await lstat(join(etc, 'mtab')).catch(() => undefined)) === undefined) {
    await mkdir(etc, { recursive: true });
    await symlink('/proc/self/mounts', join(etc, 'mtab'));
    changes.push('etc/mtab: linked to /proc/self/mounts');
  }
  return changes;
}
