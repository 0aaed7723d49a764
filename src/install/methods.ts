// The ways a userland reaches a zone root. Each takes the empty root and fills it,
// reporting progress through `emit`; none touches zone state (the engine does).
import { lstat, mkdir, symlink, copyFile, chmod, readlink, rm } from 'node:fs/promises';
import { debianToNode } from '../core/arch.js';
import { runDebootstrap } from './debootstrap.js';
import { applyEdits } from './edits.js';
import { rpmBootstrap } from './rpm/bootstrap.js';
import { download } from './download.js';
// sources.ts imports this module too: a cycle ES modules resolve, as neither uses the
// other while loading.
import { inspectSource, type SourceKind } from './archive/source.js';
import { populateFromSource } from './sources.js';
import type { Limits } from './writer.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join, relative } from 'node:path';
import { ZoneError } from '../core/errors.js';
import type { InitSpec } from '../core/zone.js';
import { applyLayout, type Layout, type LayoutVars } from './layout.js';
import { BUSYBOX_PACKAGE, findStaticBusybox } from './host-busybox.js';
import { readElf } from './elf.js';
import { resolveInRoot } from './root-path.js';
import type { ArchiveKind, Recipe } from './recipe.js';

const run = promisify(execFile);

export type InstallEvent =
  | { type: 'phase'; zone: string; phase: string; message: string }
  | { type: 'progress'; zone: string; phase: string; done: number; total: number; unit: 'bytes' | 'items' }
  /** Something the install went on without (an attribute it could not set, ...). */
  | { type: 'warning'; zone: string; message: string };

export type Emit = (e: InstallEvent) => void;

export interface Populated {
  arch: string;
  init?: InitSpec;
  /** Environment the userland expects (an image's Env). */
  env?: string[];
  /** Commands the engine must run inside the zone before it is installed (the guest's
   * own tools finishing the install, e.g. its rpm registering packages). */
  runInZone?: string[][];
}

export interface RecipeOptions {
  /** Debian-style architecture chosen for the zone. */
  arch: string;
  /** --mirror: replaces the recipe's mirrors, tried in order. */
  mirrors: string[];
  limits: Limits;
  /** Where downloads are kept, by checksum. */
  cacheDir: string;
}

/** Runs `attempt` against each mirror in turn, from an empty root each time, until one works. */
async function withMirrors(root: string, mirrors: string[], attempt: (mirror: string) => Promise<void>): Promise<void> {
  let last: unknown;
  for (const mirror of mirrors) {
    try {
      await rm(root, { recursive: true, force: true });
      await mkdir(root, { mode: 0o755 });
      await attempt(mirror);
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** The recipe's method, then its layout, then its edits. */
export async function populateFromRecipe(root: string, recipe: Recipe, vars: LayoutVars, emit: Emit, o: RecipeOptions): Promise<Populated> {
  const m = recipe.method;
  switch (m.kind) {
    case 'host-busybox':
      await installHostBusybox(root, m.package ?? BUSYBOX_PACKAGE, vars.zone, emit);
      break;
    case 'debootstrap':
      await withMirrors(root, o.mirrors.length > 0 ? o.mirrors : m.mirrors, (mirror) => runDebootstrap(m, o.arch, root, mirror, vars.zone, emit));
      break;
    case 'rpm-bootstrap': {
      let done: Populated | undefined;
      await withMirrors(root, o.mirrors.length > 0 ? o.mirrors : m.mirrors, async (mirror) => {
        done = await rpmBootstrap(root, m, { zone: vars.zone, arch: o.arch, mirror, cacheDir: o.cacheDir, limits: o.limits, emit });
      });
      return finishRecipe(root, recipe, vars, emit, o, done);
    }
    case 'archive':
    case 'tarball':
    case 'oci':
    case 'flar':
    case 'zip':
    case 'cpio': {
      const file = m.files[o.arch];
      if (file === undefined) throw new ZoneError('refused', `recipe ${recipe.name} has no file for ${o.arch}`, { zone: vars.zone });
      let fetched: Populated | undefined;
      await withMirrors(root, o.mirrors.length > 0 ? o.mirrors : m.mirrors, async (mirror) => {
        const url = `${mirror.replace(/\/+$/, '')}/${file.path}`;
        const expected = { ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }), ...(file.size === undefined ? {} : { size: file.size }) };
        const local = await download(url, { cacheDir: o.cacheDir, zone: vars.zone, emit, expected });
        const kind = await inspectSource(local, vars.zone);
        assertArchiveKind(m.kind, kind, url, vars.zone);
        fetched = await populateFromSource(root, local, kind, { zone: vars.zone, limits: o.limits, emit });
      });
      // What the file brought (an image's init and env); the recipe's own init wins.
      return finishRecipe(root, recipe, vars, emit, o, fetched);
    }
  }
  return finishRecipe(root, recipe, vars, emit, o);
}

/** What each archive method accepts, by what inspectSource found in the bytes. */
const ARCHIVE_KINDS: Record<Exclude<ArchiveKind, 'archive'>, ReadonlyArray<SourceKind['kind']>> = {
  tarball: ['tar'],
  oci: ['image-directory', 'image-tar'],
  flar: ['flar'],
  zip: ['zip'],
  cpio: ['cpio'],
};

function assertArchiveKind(method: ArchiveKind, found: SourceKind, url: string, zone: string): void {
  if (method === 'archive' || ARCHIVE_KINDS[method].includes(found.kind)) return;
  throw new ZoneError('install-failed', `${url}: the recipe's method is ${method}, but the file is a ${found.kind}`, {
    zone,
    hint: 'the mirror serves another file than the recipe expects; check the path, or use method kind archive',
  });
}

/** A recipe's layout and edits, after its method, and what the userland turned out to be. */
async function finishRecipe(root: string, recipe: Recipe, vars: LayoutVars, emit: Emit, o: RecipeOptions, base?: Populated): Promise<Populated> {
  if (recipe.layout !== undefined) {
    emit({ type: 'phase', zone: vars.zone, phase: 'layout', message: `writing ${recipe.name}'s files` });
    await applyLayout(root, recipe.layout, vars);
  }
  if (recipe.edits !== undefined) {
    const n = await applyEdits(root, recipe.edits, recipe.name, vars.zone);
    emit({ type: 'phase', zone: vars.zone, phase: 'edits', message: `${recipe.edits.length} edits, ${n} lines changed` });
  }
  // What the method knows (a package set's arch, an image's) beats sniffing ELF files.
  const known = base?.arch !== undefined && base.arch !== 'unknown' ? base.arch : undefined;
  const out: Populated = { ...base, arch: known ?? (await userlandArch(root)) ?? debianToNode(o.arch) };
  if (recipe.init !== undefined) out.init = { command: recipe.init.command, haltSignal: recipe.init['halt-signal'] };
  return out;
}

async function installHostBusybox(root: string, pkg: string, zone: string, emit: Emit): Promise<void> {
  const busybox = await findStaticBusybox();
  if (busybox === undefined) {
    throw new ZoneError('host-missing', `cannot install zone "${zone}": no static busybox on this host`, {
      zone,
      hint: `install the ${pkg} package (apt-get install ${pkg})`,
    });
  }
  emit({ type: 'phase', zone, phase: 'busybox', message: `copying ${busybox}` });
  await mkdir(join(root, 'bin'), { recursive: true });
  const dest = join(root, 'bin', 'busybox');
  await copyFile(busybox, dest);
  await chmod(dest, 0o755);
  const { stdout } = await run(busybox, ['--list-full']);
  const applets = stdout.split('\n').filter((p) => p !== '' && p !== 'bin/busybox' && !p.includes('..'));
  let done = 0;
  for (const rel of applets) {
    const link = join(root, rel);
    await mkdir(dirname(link), { recursive: true });
    const exists = await lstat(link).catch(() => undefined);
    if (exists === undefined) await symlink(relative(dirname(link), dest), link);
    done++;
    if (done % 64 === 0 || done === applets.length) {
      emit({ type: 'progress', zone, phase: 'applets', done, total: applets.length, unit: 'items' });
    }
  }
}

/** A directory tree copied whole, keeping owners, modes, times, links and xattrs. */
export async function populateFromDirectory(root: string, source: string, zone: string, emit: Emit): Promise<Populated> {
  emit({ type: 'phase', zone, phase: 'copy', message: `copying ${source}` });
  try {
    await run('cp', ['-a', '--reflink=auto', '--', `${source}/.`, `${root}/`], { maxBuffer: 16 << 20 });
  } catch (e) {
    const msg = ((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n')[0];
    throw new ZoneError('install-failed', `copying ${source} into zone "${zone}" failed: ${msg}`, { zone });
  }
  return { arch: (await userlandArch(root)) ?? 'unknown' };
}

/** A brand's skeleton: its layout, plus the host paths it shares made ready to mount. */
export async function populateSkeleton(root: string, skeleton: { of: string; layout: Layout }, vars: LayoutVars, emit: Emit): Promise<Populated> {
  emit({ type: 'phase', zone: vars.zone, phase: 'skeleton', message: `writing the ${skeleton.of} skeleton` });
  await applyLayout(root, skeleton.layout, vars);
  return { arch: process.arch };
}

/** For each host path a brand shares: a symlink is mirrored (so /bin -> usr/bin works
 * inside the zone as on the host), a directory gets a mount point, a missing one nothing. */
export async function prepareHostPaths(root: string, hostPaths: string[]): Promise<void> {
  for (const path of hostPaths) {
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) continue;
    const inZone = join(root, path);
    await mkdir(dirname(inZone), { recursive: true });
    if (st.isSymbolicLink()) {
      if ((await lstat(inZone).catch(() => undefined)) === undefined) await symlink(await readlink(path), inZone);
    } else if (st.isDirectory()) {
      await mkdir(inZone, { recursive: true });
    }
  }
}

/** The architecture of the userland's own binaries, judged by the first one found. */
export async function userlandArch(root: string): Promise<string | undefined> {
  for (const p of ['/bin/sh', '/sbin/init', '/bin/busybox', '/usr/bin/env']) {
    const real = await resolveInRoot(root, p);
    if (real === undefined) continue;
    const elf = await readElf(real);
    if (elf !== undefined) return elf.arch;
  }
  return undefined;
}
