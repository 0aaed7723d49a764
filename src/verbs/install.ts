// install and uninstall: the zone goes to incomplete before anything is written under
// its root, and to installed (or configured) only when the work is whole. An install
// interrupted at any point leaves incomplete, which install restarts and uninstall clears.
import { managedInstall, managedUninstall } from '../hosts/tool-host.js';
import type { InstallRequest as HostInstallRequest } from '../backends/tool-backend.js';
import { mkdir, rm, chmod } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { download, isUrl } from '../install/download.js';
import type { Observable } from 'rxjs';
import type { Context } from './context.js';
import { cjsNamed } from '../core/interop.js';
import { configValue } from '../core/config.js';
import { ZoneError } from '../core/errors.js';
import { assertBrandHostFeatures } from '../hosts/linux/brand-features.js';
import { withZone } from './zone-lock.js';
import { zoneRoot, type InstalledUserland, type ZoneRecord, type ZoneStatus } from '../core/zone.js';
import { makeBootPlan, type BootPlan } from '../brands/plan.js';
import { testStopPoint } from '../core/test-hook.js';
import { assertNoClones, removeLayeredRoot } from './storage.js';
import { hostVsyscallMode, VSYSCALL_FIX } from '../hosts/linux/abi-gates.js';
import { loadLinuxBrand, type LinuxBrand } from '../brands/brand.js';
import { chooseArch, loadRecipe, recipeNames } from '../install/recipe.js';
import { hostArches } from '../core/arch.js';
import { inspectSource } from '../install/archive/source.js';
import { populateFromSource } from '../install/sources.js';
import { DEFAULT_LIMITS, type Limits } from '../install/writer.js';
import {
  userlandArch,
  populateFromRecipe,
  populateSkeleton,
  prepareHostPaths,
  type Emit,
  type InstallEvent,
  type Populated,
} from '../install/methods.js';

export function downloadCache(ctx: Context): string {
  return join(ctx.options.root, 'cache', 'downloads');
}

export interface InstallRequest {
  /** Managed hosts: a FreeBSD release to fetch (14.1-RELEASE). */
  release?: string;
  /** Managed hosts, Solaris brands: zoneadm install -u (unconfigure) or -p (preserve). */
  identity?: 'unconfigure' | 'preserve';
  recipe?: string;
  source?: string;
  /** Bounds on what an archive may unpack to (archive bombs). */
  limits?: Limits;
  /** --arch (Debian name) for recipes that install several. */
  arch?: string;
  /** --mirror: replaces the recipe's mirror base URLs, in order. */
  mirrors?: string[];
  /** --in-place: a directory --source becomes the zone root where it is, not copied. */
  inPlace?: boolean;
}

/** The directory an --in-place install will use, checked before anything changes. */
function inPlaceDir(req: InstallRequest, kind: string | undefined, brand: LinuxBrand, zone: string): string | undefined {
  if (req.inPlace !== true) return undefined;
  if (req.source === undefined || kind !== 'directory') {
    throw new ZoneError('usage', `--in-place needs --source DIRECTORY (zone "${zone}")`, { zone });
  }
  if ((brand['host-paths'] ?? []).length > 0) {
    throw new ZoneError('refused', `brand ${brand.name} shares host paths into its root and cannot use a directory in place`, { zone });
  }
  const dir = resolvePath(req.source);
  if (dir === '/') throw new ZoneError('refused', 'the host\'s own root cannot be a zone root', { zone });
  return dir;
}

function chooseMethod(brand: LinuxBrand, req: InstallRequest, zone: string): 'recipe' | 'source' | 'skeleton' {
  const methods = brand.install.methods;
  const want = req.recipe !== undefined ? 'recipe' : req.source !== undefined ? 'source' : undefined;
  if (want !== undefined && !methods.includes(want)) {
    throw new ZoneError('refused', `brand ${brand.name} does not install from a ${want} (zone "${zone}")`, {
      zone,
      hint: `brand ${brand.name} installs with: ${methods.join(', ')}`,
    });
  }
  if (want !== undefined) return want;
  if (methods.includes('skeleton')) return 'skeleton';
  throw new ZoneError('usage', `zone "${zone}" (brand ${brand.name}) needs --recipe RECIPE or --source PATH to install`, {
    zone,
    hint: `recipes: ${recipeNames().join(', ')} (zonectl recipes)`,
  });
}

/** Runs the commands an install method left for the guest's own tools, each as the
 * only process of the (not booted) zone; a failure fails the install. */
async function runInZone(ctx: Context, record: ZoneRecord, brand: LinuxBrand, populated: Populated, emit: Emit): Promise<void> {
  const commands = populated.runInZone ?? [];
  if (commands.length === 0) return;
  const status: ZoneStatus = { state: 'incomplete', since: '', userland: { method: 'recipe', arch: populated.arch, installedAt: '' } };
  // No uname shim for install steps (no probe): UNAME26 where the zone asks for an old kernel.
  const plan = await makeBootPlan(record, status, brand, undefined, zoneRoot(record.zonepath));
  const backend = ctx.backend(ctx.runtimeFor(record));
  for (const argv of commands) {
    emit({ type: 'phase', zone: record.name, phase: 'in-zone', message: `running ${argv.slice(0, 3).join(' ')}${argv.length > 3 ? ' ...' : ''} in the zone` });
    const r = await backend.runOnce(ctx.handle(record.name), plan, argv);
    if (r.code !== 0) {
      const tail = r.output.trim().split('\n').slice(-1)[0] ?? '';
      throw new ZoneError('install-failed', `zone "${record.name}": ${argv[0]} in the zone failed (exit ${r.code}): ${tail}`, { zone: record.name });
    }
  }
}

/** Installed, but this host could not boot it: said now, not at the first boot. */
async function warnVsyscall(plan: BootPlan, emit: Emit): Promise<void> {
  if (!plan.vsyscall.needed || (await hostVsyscallMode()) !== 'none') return;
  emit({ type: 'warning', zone: plan.zone, message: `this host runs with vsyscall=none and the zone needs the page (${plan.vsyscall.reason}): it will not boot here; ${VSYSCALL_FIX}` });
}

async function runInstall(ctx: Context, name: string, req: InstallRequest, emit: Emit): Promise<InstalledUserland> {
  return withZone(ctx, name, 'install', async (z) => {
    const brand = await loadLinuxBrand(z.record.brand);
    const method = chooseMethod(brand, req, name);
    const recipe = req.recipe === undefined ? undefined : await loadRecipe(req.recipe);
    if (recipe !== undefined && !recipe.brands.includes(brand.name)) {
      throw new ZoneError('refused', `recipe ${recipe.name} does not install into brand ${brand.name} (zone "${name}")`, {
        zone: name,
        hint: `recipe ${recipe.name} is for: ${recipe.brands.join(', ')}`,
      });
    }
    await assertBrandHostFeatures(brand, name);
    const arch = recipe === undefined ? undefined : chooseArch(recipe, req.arch, hostArches());
    if (recipe === undefined && req.arch !== undefined) throw new ZoneError('usage', '--arch goes with a recipe', { zone: name });
    // A URL is downloaded first (to the cache, not the zone): a failed download leaves
    // the zone as it was, and the next try resumes it.
    const sourcePath =
      req.source !== undefined && isUrl(req.source) ? await download(req.source, { cacheDir: downloadCache(ctx), zone: name, emit }) : req.source;
    const source = sourcePath === undefined ? undefined : await inspectSource(sourcePath, name);
    const inPlace = inPlaceDir(req, source?.kind, brand, name);

    const root = zoneRoot(z.record.zonepath);
    await z.moveTo('incomplete', { operation: 'install' }, ['userland']);
    // An earlier, interrupted install (or clone) is restarted from an empty root,
    // unmounted and forgotten by its storage driver first.
    await removeLayeredRoot(ctx, z.record);
    await rm(root, { recursive: true, force: true });
    await mkdir(z.record.zonepath, { recursive: true, mode: 0o700 });
    await chmod(z.record.zonepath, 0o700);
    await mkdir(root, { mode: 0o755 });

    const vars = { zone: name, hostname: configValue(z.record.config, 'hostname') ?? name };
    let populated: Populated;
    const limits = req.limits ?? DEFAULT_LIMITS;
    if (method === 'recipe' && recipe !== undefined) {
      populated = await populateFromRecipe(root, recipe, vars, emit, {
        arch: arch ?? (hostArches()[0] as string),
        mirrors: req.mirrors ?? [],
        limits,
        cacheDir: downloadCache(ctx),
      });
    } else if (inPlace !== undefined) {
      emit({ type: 'phase', zone: name, phase: 'in-place', message: `using ${inPlace} in place as the zone root` });
      populated = { arch: (await userlandArch(inPlace)) ?? 'unknown' };
    } else if (method === 'source' && sourcePath !== undefined && source !== undefined) {
      populated = await populateFromSource(root, sourcePath, source, { zone: name, limits, emit });
    }
    else populated = await populateSkeleton(root, brand, vars, emit);
    testStopPoint('install');
    if (inPlace === undefined) await prepareHostPaths(root, brand);
    await runInZone(ctx, z.record, brand, populated, emit);

    const userland: InstalledUserland = {
      method,
      arch: populated.arch,
      installedAt: new Date().toISOString(),
      ...(recipe === undefined ? {} : { recipe: recipe.name }),
      ...(req.source === undefined ? {} : { source: req.source }),
      ...(populated.init === undefined ? {} : { init: populated.init }),
      ...(populated.env === undefined || populated.env.length === 0 ? {} : { env: populated.env }),
      ...(inPlace === undefined ? {} : { inPlace }),
      ...(recipe?.attributes === undefined ? {} : { attributes: { ...recipe.attributes } }),
    };
    await z.moveTo('installed', { userland }, ['operation']);
    await warnVsyscall(await makeBootPlan(z.record, z.status, brand), emit);
    emit({ type: 'phase', zone: name, phase: 'done', message: `zone ${name} installed` });
    return userland;
  });
}

/** Installs a zone, reporting progress as a stream of events; completes when installed.
 * (rxjs loads here, on install, not on every command.) */
export async function installZone(ctx: Context, name: string, req: InstallRequest): Promise<Observable<InstallEvent>> {
  const { Observable } = cjsNamed(await import('rxjs'), 'Observable');
  if (ctx.managed !== undefined) {
    const host = managedRequest(req, name);
    return new Observable<InstallEvent>((sub) => {
      managedInstall(ctx, name, host, (line) => sub.next({ type: 'phase', zone: name, phase: 'host', message: line })).then(
        () => sub.complete(),
        (e: unknown) => sub.error(e),
      );
    });
  }
  if (req.release !== undefined || req.identity !== undefined) {
    throw new ZoneError('usage', `zone "${name}": --release, -u and -p are for FreeBSD and Solaris hosts; on Linux use --recipe or --source`, { zone: name });
  }
  return new Observable<InstallEvent>((sub) => {
    runInstall(ctx, name, req, (e) => sub.next(e)).then(
      () => sub.complete(),
      (e: unknown) => sub.error(e),
    );
  });
}

/** Removes the userland and returns the zone to configured. */
export function uninstallZone(ctx: Context, name: string, promoteClones = false): Promise<void> {
  if (ctx.managed !== undefined) return managedUninstall(ctx, name);
  return withZone(ctx, name, 'uninstall', async (z) => {
    // Refused before anything changes: clones that depend on this zone are named.
    await assertNoClones(ctx, name, promoteClones);
    await z.moveTo('incomplete', { operation: 'uninstall' });
    await removeLayeredRoot(ctx, z.record);
    await rm(zoneRoot(z.record.zonepath), { recursive: true, force: true });
    const dir = ctx.store.dir(name);
    for (const f of ['bundle', 'console.log', 'runtime.log']) await rm(`${dir}/${f}`, { recursive: true, force: true });
    await z.moveTo('configured', {}, ['operation', 'userland', 'runtime']);
  });
}

/** What a managed host's install takes: a source (URL or a path on that host) or a
 * release; recipes and Linux-only options are refused by name. */
function managedRequest(req: InstallRequest, zone: string): HostInstallRequest {
  if (req.recipe !== undefined || req.inPlace === true || (req.mirrors ?? []).length > 0 || req.arch !== undefined) {
    throw new ZoneError('usage', `zone "${zone}": on a FreeBSD or illumos host, install takes --source URL|PATH-ON-HOST (or --release on FreeBSD, --archive-identity on Solaris brands)`, { zone });
  }
  return {
    ...(req.source === undefined ? {} : { source: req.source }),
    ...(req.release === undefined ? {} : { release: req.release }),
    ...(req.identity === undefined ? {} : { identity: req.identity }),
  };
}
