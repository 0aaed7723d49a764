// `zonectl install`: the plain form installs an existing zone; the one-step form
// (`install --brand B RECIPE [--name Z]`) creates the zone from a recipe and installs
// it, and removes it again if the install fails, so a failed one-step leaves nothing.
import type { Context } from '../verbs/context.js';
import { ZoneError } from '../core/errors.js';
import type { ZoneView } from '../core/zone.js';
import type { OutputMode } from './render.js';
import { followProgress } from './progress.js';
import type { InstallArgs } from './actions.js';
import { installZone } from '../verbs/install.js';
import * as zones from '../verbs/config.js';
import { loadRecipe, recipeExists, recipeNames } from '../install/recipe.js';
import { loadBrand } from '../brands/brand.js';
import { parseCount, parseSize } from '../core/units.js';
import { DEFAULT_LIMITS } from '../install/writer.js';

export async function installCommand(ctx: Context, a: InstallArgs, mode: OutputMode): Promise<ZoneView> {
  const limits = {
    maxBytes: a.maxSize === undefined ? DEFAULT_LIMITS.maxBytes : parseSize(a.maxSize, '--max-size'),
    maxEntries: a.maxEntries === undefined ? DEFAULT_LIMITS.maxEntries : parseCount(a.maxEntries, '--max-entries'),
  };
  if (a.zone === undefined) {
    throw new ZoneError('usage', 'install needs a zone name, or --brand BRAND RECIPE to create one from a recipe', {
      hint: 'zonectl install NAME [--recipe R | --source PATH], or zonectl install --brand native busybox',
    });
  }
  const existing = a.name === undefined ? await ctx.store.tryRead(a.zone) : undefined;
  if (existing !== undefined || a.brand === undefined) {
    if (a.name !== undefined) throw new ZoneError('usage', '--name goes with --brand (it names the zone created from a recipe)');
    if (existing !== undefined && a.brand !== undefined && existing.record.brand !== a.brand) {
      throw new ZoneError('refused', `zone "${a.zone}" exists with brand ${existing.record.brand}, not ${a.brand}`, { zone: a.zone });
    }
    const req = {
      limits,
      mirrors: a.mirrors,
      inPlace: a.inPlace,
      ...(a.arch === undefined ? {} : { arch: a.arch }),
      ...(a.recipe === undefined ? {} : { recipe: a.recipe }),
      ...(a.source === undefined ? {} : { source: a.source }),
      ...(a.release === undefined ? {} : { release: a.release }),
      ...(a.identity === undefined ? {} : { identity: a.identity }),
    };
    await followProgress(await installZone(ctx, a.zone, req), mode);
    return zones.zoneInfo(ctx, a.zone);
  }

  // One-step form: RECIPE names a recipe; check it all before creating anything.
  if (!ctx.host.differences.installsRecipes) {
    throw new ZoneError('usage', `install --brand ${a.brand} RECIPE makes a zone from a recipe, which ${ctx.host.target} does not install from`, {
      hint: `zonectl create NAME --brand ${a.brand}, then zonectl install NAME with ${ctx.host.differences.installFrom}`,
    });
  }
  const recipeName = a.recipe ?? a.zone;
  if (!recipeName.includes('/') && !recipeExists(recipeName)) {
    throw new ZoneError('not-found', `no zone and no recipe named "${recipeName}"`, {
      hint: `recipes: ${recipeNames().join(', ')}; or create the zone first (zonectl create NAME --brand ${a.brand})`,
    });
  }
  const recipe = await loadRecipe(recipeName);
  const brand = await loadBrand(a.brand);
  if (!recipe.brands.includes(brand.name)) {
    throw new ZoneError('refused', `recipe ${recipe.name} does not install into brand ${brand.name}`, {
      hint: `recipe ${recipe.name} is for: ${recipe.brands.join(', ')}`,
    });
  }
  const zoneName = a.name ?? recipe.name;
  await zones.createZone(ctx, { name: zoneName, brand: brand.name, config: {} });
  try {
    const req = { recipe: recipeName, limits, mirrors: a.mirrors, ...(a.arch === undefined ? {} : { arch: a.arch }) };
    await followProgress(await installZone(ctx, zoneName, req), mode);
  } catch (e) {
    await zones.deleteZone(ctx, zoneName, true).catch(() => undefined);
    throw e;
  }
  return zones.zoneInfo(ctx, zoneName);
}
