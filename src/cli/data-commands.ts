// `zonectl brands` and `zonectl recipes`: the data files, listed or shown; `brands show`
// also prints the plan the brand makes for a zone on this host.
import type { Context } from '../core/context.js';
import { ZoneError } from '../core/errors.js';
import { loadBrand, brandNames, type Brand } from '../brands/brand.js';
import { buildBootPlan, sharedDirectories, type BootPlan } from '../brands/plan.js';
import { loadRecipe, recipeNames, type Recipe } from '../install/recipe.js';
import { userlandRoot, type ZoneRecord, type ZoneStatus } from '../core/zone.js';
import { formatTable, printJson, type OutputMode } from './render.js';
import { personalityPrefix } from '../backends/linux/personality.js';

/** The plan for a real zone, or for a zone of this brand as it would be created now. */
async function planFor(ctx: Context, brand: Brand, zone: string | undefined): Promise<BootPlan> {
  if (zone !== undefined) {
    const { record, status } = await ctx.store.read(zone);
    if (record.brand !== brand.name) {
      throw new ZoneError('usage', `zone "${zone}" has brand ${record.brand}, not ${brand.name}`, { zone });
    }
    return buildBootPlan(record, status, brand, await sharedDirectories(userlandRoot(record, status), brand));
  }
  const record: ZoneRecord = { name: 'example', brand: brand.name, zonepath: ctx.store.defaultZonepath('example'), config: {}, createdAt: '' };
  const status: ZoneStatus = { state: 'configured', since: '' };
  // Without an installed zone, what would be shared is what the host has as directories.
  const { lstat } = await import('node:fs/promises');
  const dirs: string[] = [];
  for (const { path } of brand['host-paths'] ?? []) if ((await lstat(path).catch(() => undefined))?.isDirectory() === true) dirs.push(path);
  return buildBootPlan(record, status, brand, dirs);
}

function planText(brand: Brand, plan: BootPlan): string {
  const lines = [
    `brand: ${brand.name} (${brand.file})`,
    `  ${brand.description}`,
    `zone: ${plan.zone}`,
    `init: ${plan.init.command.join(' ')} (halt signal ${plan.init.haltSignal} = ${plan.haltSignalNumber})`,
    `login: ${brand.login.command.join(' ')}`,
    `hostname: ${plan.hostname}`,
    `network: ${plan.network === 'shared' ? "the host's (ip-type shared)" : 'own namespace, loopback only (ip-type exclusive)'}`,
    `userland architecture: ${plan.arch}${personalityPrefix(plan.arch).length > 0 ? ' (run under the LINUX32 personality: uname -m says i686)' : ''}`,
    `capabilities: ${plan.capabilities.join(' ')}`,
    `seccomp: allow by default; ${plan.seccomp.errno} for ${plan.seccomp.deny.join(' ')}`,
    `install methods: ${brand.install.methods.join(', ')}`,
    `host requirements: ${(brand.requires ?? []).join(', ') || 'none'}`,
  ];
  if (plan.binds.length > 0) lines.push(`shared read-only from the host: ${plan.binds.map((b) => b.source).join(' ')}`);
  return lines.join('\n');
}

/** Loads every file of a kind; a broken one is reported on stderr and makes the exit
 * status 1, but does not hide the good ones. */
async function loadAll<T>(names: string[], load: (n: string) => Promise<T>): Promise<{ items: T[]; failed: number }> {
  const results = await Promise.allSettled(names.map((n) => load(n)));
  const items: T[] = [];
  let failed = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') items.push(r.value);
    else {
      failed++;
      process.stderr.write(`zonectl: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}\n`);
    }
  }
  return { items, failed };
}

export async function brandsCommand(ctx: Context, action: string, name: string | undefined, zone: string | undefined, mode: OutputMode): Promise<number> {
  if (action === 'list') {
    const { items: brands, failed } = await loadAll(brandNames(), loadBrand);
    if (mode.json) printJson(brands.map((b) => ({ name: b.name, description: b.description })));
    else process.stdout.write(`${formatTable(['BRAND', 'DESCRIPTION'], brands.map((b) => [b.name, b.description]))}\n`);
    return failed === 0 ? 0 : 1;
  }
  if (name === undefined) throw new ZoneError('usage', 'brands show needs a brand name', { hint: `brands: ${brandNames().join(', ')}` });
  const brand = await loadBrand(name);
  const plan = await planFor(ctx, brand, zone);
  if (mode.json) printJson({ brand, plan });
  else process.stdout.write(`${planText(brand, plan)}\n`);
  return 0;
}

/** What a recipe will download, per architecture, from its first mirror. */
function downloads(r: Recipe): string[] {
  const m = r.method;
  if (m.kind === 'debootstrap') return [`arches: ${(r.arches ?? []).join(', ')}`, `downloads: Debian ${m.suite} (${m.variant ?? 'default'} variant${m.include === undefined ? '' : ` + ${m.include.join(', ')}`}) from ${m.mirrors.join(' or ')}`];
  if ('files' in m) {
    return Object.entries(m.files).map(([arch, f]) => {
      const what = [f.size === undefined ? undefined : `${f.size} bytes`, f.sha256 === undefined ? 'no checksum' : `sha256 ${f.sha256}`].filter((x) => x !== undefined).join(', ');
      return `downloads (${arch}): ${m.mirrors[0]?.replace(/\/+$/, '')}/${f.path} (${what})`;
    });
  }
  if (m.kind === 'rpm-bootstrap') {
    const repos = Object.entries(m.repos).map(([arch, paths]) => `downloads (${arch}): the packages ${m.packages.join(', ')} and what they require, from ${paths.map((p) => `${m.mirrors[0]?.replace(/\/+$/, '')}/${p}`).join(' and ')}`);
    return [`arches: ${(r.arches ?? []).join(', ')}`, ...repos];
  }
  return ['downloads: nothing'];
}

export async function recipesCommand(action: string, name: string | undefined, mode: OutputMode): Promise<number> {
  if (action === 'list') {
    const { items: recipes, failed } = await loadAll(recipeNames(), loadRecipe);
    if (mode.json) printJson(recipes.map((r) => ({ name: r.name, description: r.description, brands: r.brands })));
    else
      process.stdout.write(
        `${formatTable(['RECIPE', 'BRANDS', 'DESCRIPTION'], recipes.map((r) => [r.name, r.brands.join(','), r.description]))}\n`,
      );
    return failed === 0 ? 0 : 1;
  }
  if (name === undefined) throw new ZoneError('usage', 'recipes show needs a recipe name', { hint: `recipes: ${recipeNames().join(', ')}` });
  const r = await loadRecipe(name);
  if (mode.json) {
    printJson(r);
    return 0;
  }
  const lines = [
    `recipe: ${r.name} (${r.file})`,
    `  ${r.description}`,
    `brands: ${r.brands.join(', ')}`,
    `method: ${r.method.kind}${'package' in r.method && r.method.package !== undefined ? ` (host package ${r.method.package})` : ''}`,
    ...downloads(r),
  ];
  if (r.init !== undefined) lines.push(`init: ${r.init.command.join(' ')} (halt signal ${r.init['halt-signal']})`);
  for (const [k, v] of Object.entries(r.attributes ?? {})) lines.push(`${k}: ${v}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
