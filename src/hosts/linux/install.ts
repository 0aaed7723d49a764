// Installing a Linux zone's userland: a recipe (debootstrap, an rpm bootstrap, a
// tarball), a source (directory, archive, image; a URL is downloaded to the cache
// first), or the brand's skeleton; then the commands the guest's own tools must run,
// each as the only process of the not-yet-booted zone.
import { mkdir, chmod } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { download, isUrl } from '../../install/download.js';
import { configValue } from '../../core/config.js';
import { ZoneError } from '../../core/errors.js';
import { traceStep } from '../../core/trace.js';
import { zoneRoot, type InstalledUserland, type ZoneRecord, type ZoneStatus } from '../../core/zone.js';
import { makeBootPlan, type BootPlan } from '../../brands/plan.js';
import type { LinuxBrand } from '../../brands/brand.js';
import { chooseArch, loadRecipe, recipeNames } from '../../install/recipe.js';
import { debianToNode, hostArches } from '../../core/arch.js';
import { inspectSource } from '../../install/archive/source.js';
import { populateFromSource } from '../../install/sources.js';
import { DEFAULT_LIMITS } from '../../install/writer.js';
import { userlandArch, populateFromRecipe, populateSkeleton, prepareHostPaths, type Emit, type Populated } from '../../install/methods.js';
import type { InstallRequest, Prepared } from '../zone-host.js';
import { assertBrandHostFeatures } from './brand-features.js';
import { hostVsyscallMode, VSYSCALL_FIX } from './abi-gates.js';
import type { LinuxHost } from './host.js';
import { HANDLER_PREFIX } from '../../backends/linux/emulation.js';

export function downloadCache(stateRoot: string): string {
  return join(stateRoot, 'cache', 'downloads');
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
  if (dir === '/') throw new ZoneError('refused', "the host's own root cannot be a zone root", { zone });
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
async function runInZone(host: LinuxHost, record: ZoneRecord, brand: LinuxBrand, populated: Populated, emit: Emit): Promise<void> {
  const commands = populated.runInZone ?? [];
  if (commands.length === 0) return;
  const status: ZoneStatus = { state: 'incomplete', since: '', userland: { method: 'recipe', arch: populated.arch, installedAt: '' } };
  // No uname shim for install steps (no probe): UNAME26 where the zone asks for an old kernel.
  const plan = await makeBootPlan(record, status, brand, undefined, zoneRoot(record.zonepath));
  const backend = host.backend(host.runtimeFor(record));
  for (const argv of commands) {
    emit({ type: 'phase', zone: record.name, phase: 'in-zone', message: `running ${argv.slice(0, 3).join(' ')}${argv.length > 3 ? ' ...' : ''} in the zone` });
    const r = await backend.runOnce(host.handle(record.name), plan, argv);
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

export async function prepareLinuxInstall(host: LinuxHost, record: ZoneRecord, brand: LinuxBrand, req: InstallRequest, emit: Emit): Promise<Prepared<InstalledUserland>> {
  const name = record.name;
  if (req.release !== undefined || req.identity !== undefined) {
    throw new ZoneError('usage', `zone "${name}": --release, -u and -p are for FreeBSD and Solaris hosts; on Linux use --recipe or --source`, { zone: name });
  }
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
  const cacheDir = downloadCache(host.store.root);
  // A URL is downloaded first (to the cache, not the zone): a failed download leaves
  // the zone as it was, and the next try resumes it.
  const sourcePath = req.source !== undefined && isUrl(req.source) ? await download(req.source, { cacheDir, zone: name, emit }) : req.source;
  const source = sourcePath === undefined ? undefined : await inspectSource(sourcePath, name);
  const inPlace = inPlaceDir(req, source?.kind, brand, name);

  // A recipe's own steps (debootstrap's second stage, the guest's rpm) run programs of
  // the chosen architecture: where this host cannot run them itself, under QEMU as the
  // zone will boot; decided (and refused) before anything changes, the handler removed
  // after the install unless a zone runs on it.
  const emulation = arch === undefined ? undefined : await host.emulationFor(record, debianToNode(arch));
  const run = async (): Promise<InstalledUserland> => {
    const root = zoneRoot(record.zonepath);
    // An earlier, interrupted install (or clone) is restarted from an empty root,
    // unmounted and forgotten by its storage driver first.
    await host.removeRoot(record);
    await mkdir(record.zonepath, { recursive: true, mode: 0o700 });
    await chmod(record.zonepath, 0o700);
    await mkdir(root, { mode: 0o755 });

    try {
      return await populate(root);
    } finally {
      if (emulation?.handler?.startsWith(HANDLER_PREFIX) === true) await host.pruneHandlers(record.name);
    }
  };
  const populate = async (root: string): Promise<InstalledUserland> => {
    const vars = { zone: name, hostname: configValue(record.config, 'hostname') ?? name };
    let populated: Populated;
    const limits = req.limits ?? DEFAULT_LIMITS;
    if (method === 'recipe' && recipe !== undefined) {
      populated = await populateFromRecipe(root, recipe, vars, emit, { arch: arch ?? (hostArches()[0] as string), mirrors: req.mirrors ?? [], limits, cacheDir });
    } else if (inPlace !== undefined) {
      emit({ type: 'phase', zone: name, phase: 'in-place', message: `using ${inPlace} in place as the zone root` });
      populated = { arch: (await userlandArch(inPlace)) ?? 'unknown' };
    } else if (method === 'source' && sourcePath !== undefined && source !== undefined) {
      populated = await populateFromSource(root, sourcePath, source, { zone: name, limits, emit });
    } else populated = await populateSkeleton(root, { of: brand.name, layout: brand.install.skeleton ?? {} }, vars, emit);
    traceStep('install');
    if (inPlace === undefined)
      await prepareHostPaths(
        root,
        (brand['host-paths'] ?? []).map((h) => h.path),
      );
    await runInZone(host, record, brand, populated, emit);

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
    await warnVsyscall(await makeBootPlan(record, { state: 'installed', since: userland.installedAt, userland }, brand), emit);
    return userland;
  };
  return { run };
}
