// A layout is data (from a brand's skeleton or a recipe): directories, symlinks and
// small files made under a zone root. Every path is checked to stay inside the root,
// and no existing symlink inside the root is followed when writing.
import { lstat, mkdir, symlink, writeFile, chmod, rm } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { ZoneError, errnoCode } from '../core/errors.js';

export interface Layout {
  dirs?: Array<string | { path: string; mode?: string }>;
  symlinks?: Record<string, string>;
  files?: Array<{ path: string; content: string; mode?: string }>;
}

/** Values substituted in file contents: %z zone name, %h host name (as illumos's %z). */
export interface LayoutVars {
  zone: string;
  hostname: string;
}

function inside(root: string, rel: string): string {
  const norm = normalize(rel);
  if (norm.startsWith('/') || norm === '..' || norm.startsWith(`..${sep}`)) {
    throw new ZoneError('invalid-file', `layout path "${rel}" leaves the zone root`);
  }
  return join(root, norm);
}

/** Refuses to write through a symlink that sits in the zone root (planted or not). */
async function assertNoSymlinkParents(root: string, path: string): Promise<void> {
  let dir = dirname(path);
  while (dir.length > root.length) {
    const st = await lstat(dir).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? undefined : Promise.reject(e)));
    if (st?.isSymbolicLink() === true) {
      throw new ZoneError('install-failed', `refusing to write ${path.slice(root.length)}: ${dir.slice(root.length)} is a symlink`);
    }
    dir = dirname(dir);
  }
}

export function substitute(text: string, vars: LayoutVars): string {
  return text.replace(/%([zh%])/g, (_, c: string) => (c === 'z' ? vars.zone : c === 'h' ? vars.hostname : '%'));
}

export async function applyLayout(root: string, layout: Layout, vars: LayoutVars): Promise<void> {
  for (const d of layout.dirs ?? []) {
    const { path, mode } = typeof d === 'string' ? { path: d, mode: undefined } : d;
    const abs = inside(root, path);
    await assertNoSymlinkParents(root, abs);
    await mkdir(abs, { recursive: true });
    // mkdir succeeds on an existing symlink to a directory: never chmod through one.
    if ((await lstat(abs)).isSymbolicLink()) {
      throw new ZoneError('install-failed', `refusing to use ${path}: it is a symlink in the zone root`);
    }
    if (mode !== undefined) await chmod(abs, parseInt(mode, 8));
  }
  for (const [path, target] of Object.entries(layout.symlinks ?? {})) {
    const abs = inside(root, path);
    await assertNoSymlinkParents(root, abs);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true });
    await symlink(target, abs);
  }
  for (const f of layout.files ?? []) {
    const abs = inside(root, f.path);
    await assertNoSymlinkParents(root, abs);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true });
    const mode = f.mode === undefined ? 0o644 : parseInt(f.mode, 8);
    await writeFile(abs, substitute(f.content, vars), { mode, flag: 'wx' });
    await chmod(abs, mode);
  }
}
