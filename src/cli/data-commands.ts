// `zonectl brands` and `zonectl recipes`: the data files, listed or shown; `brands show`
// also prints the plan the brand makes for a zone on this host.
import type { Context } from '../verbs/context.js';
import { ZoneError } from '../core/errors.js';
import { loadBrand, brandNames } from '../brands/brand.js';
import { loadRecipe, recipeNames, type Recipe } from '../install/recipe.js';
import { formatTable, printJson, type OutputMode } from './render.js';

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
    if (mode.json) printJson(brands.map((b) => ({ name: b.name, description: b.description, hosts: Object.keys(b.hosts) })));
    else
      process.stdout.write(
        `${formatTable(
          ['BRAND', 'HOSTS', 'DESCRIPTION'],
          brands.map((b) => [b.name, Object.keys(b.hosts).join(','), b.description]),
        )}\n`,
      );
    return failed === 0 ? 0 : 1;
  }
  if (name === undefined) throw new ZoneError('usage', 'brands show needs a brand name', { hint: `brands: ${brandNames().join(', ')}` });
  const brand = await loadBrand(name);
  const z = zone === undefined ? undefined : await ctx.store.read(zone);
  if (z !== undefined && z.record.brand !== brand.name) throw new ZoneError('usage', `zone "${zone}" has brand ${z.record.brand}, not ${brand.name}`, { zone });
  const d = await ctx.host.describe(brand, z);
  if (mode.json) printJson(d.json);
  else process.stdout.write(`${d.text}\n`);
  return 0;
}

/** What a recipe will download, per architecture, from its first mirror. */
function downloads(r: Recipe): string[] {
  const m = r.method;
  if (m.kind === 'debootstrap')
    return [
      `arches: ${(r.arches ?? []).join(', ')}`,
      `downloads: Debian ${m.suite} (${m.variant ?? 'default'} variant${m.include === undefined ? '' : ` + ${m.include.join(', ')}`}) from ${m.mirrors.join(' or ')}`,
    ];
  if ('files' in m) {
    return Object.entries(m.files).map(([arch, f]) => {
      const what = [f.size === undefined ? undefined : `${f.size} bytes`, f.sha256 === undefined ? 'no checksum' : `sha256 ${f.sha256}`].filter((x) => x !== undefined).join(', ');
      return `downloads (${arch}): ${m.mirrors[0]?.replace(/\/+$/, '')}/${f.path} (${what})`;
    });
  }
  if (m.kind === 'rpm-bootstrap') {
    const repos = Object.entries(m.repos).map(
      ([arch, paths]) =>
        `downloads (${arch}): the packages ${m.packages.join(', ')} and what they require, from ${paths.map((p) => `${m.mirrors[0]?.replace(/\/+$/, '')}/${p}`).join(' and ')}`,
    );
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
        `${formatTable(
          ['RECIPE', 'BRANDS', 'DESCRIPTION'],
          recipes.map((r) => [r.name, r.brands.join(','), r.description]),
        )}\n`,
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
