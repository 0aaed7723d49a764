// Recipes (rootfs-recipes/*.yaml): how a userland is put on disk, as data.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { findDataFile, listDataNames, loadDataFile } from '../core/datafiles.js';
import { assertHaltSignal, type InitField } from '../core/signals.js';
import type { Layout } from './layout.js';
import type { DebootstrapMethod } from './debootstrap.js';
import type { RpmBootstrapMethod } from './rpm/bootstrap.js';
import type { Edit } from './edits.js';

export interface HostBusyboxMethod {
  kind: 'host-busybox';
  package?: string;
}
/** `archive` takes any format --source does; the others insist on theirs. */
export type ArchiveKind = 'archive' | 'tarball' | 'oci' | 'flar' | 'zip' | 'cpio';

export interface ArchiveMethod {
  kind: ArchiveKind;
  mirrors: string[];
  files: Record<string, { path: string; sha256?: string; size?: number }>;
}
export type RecipeMethod = HostBusyboxMethod | DebootstrapMethod | ArchiveMethod | RpmBootstrapMethod;

export interface RecipeAttributes {
  'kernel-version'?: string;
  vsyscall?: 'required' | 'not-needed';
}

export interface Recipe {
  name: string;
  description: string;
  brands: string[];
  method: RecipeMethod;
  /** Debian-style names of the architectures it installs; absent: the host's. */
  arches?: string[];
  /** Zone attributes the userland needs, recorded at install. */
  attributes?: RecipeAttributes;
  layout?: Layout;
  edits?: Edit[];
  init?: InitField;
  file: string;
}

export function recipeNames(): string[] {
  return listDataNames('recipe');
}

export function recipeExists(name: string): boolean {
  return findDataFile('recipe', name) !== undefined;
}

/** A recipe by name, or by path to a recipe file of the user's own (contains a "/"). */
export async function loadRecipe(name: string): Promise<Recipe> {
  if (name.includes('/')) return loadRecipeFile(name);
  const file = findDataFile('recipe', name);
  if (file === undefined) {
    throw new ZoneError('not-found', `unknown recipe "${name}"`, {
      hint: `known recipes: ${recipeNames().join(', ')} (zonectl recipes)`,
    });
  }
  const data = await loadDataFile<Omit<Recipe, 'file'>>('recipe', file);
  if (data.name !== name) {
    throw new ZoneError('invalid-file', `recipe file ${file}: name is "${data.name}", expected "${name}" (the file name)`);
  }
  assertHaltSignal(data.init, file, 'recipe');
  return { ...data, file };
}

async function loadRecipeFile(path: string): Promise<Recipe> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ZoneError('not-found', `recipe file ${path}: no such file`);
  const data = await loadDataFile<Omit<Recipe, 'file'>>('recipe', file);
  assertHaltSignal(data.init, file, 'recipe');
  return { ...data, file };
}

/** The architecture to install: the one asked for, else the first the recipe offers
 * that this host runs natively. Debian names. */
export function chooseArch(recipe: Recipe, asked: string | undefined, hostArches: string[]): string {
  const offered = recipe.arches ?? [hostArches[0] as string];
  if (asked !== undefined) {
    if (!offered.includes(asked)) {
      throw new ZoneError('usage', `recipe ${recipe.name} installs ${offered.join(', ')}, not ${asked}`, { hint: `use --arch ${offered.join(' or --arch ')}` });
    }
    if (!hostArches.includes(asked)) {
      throw new ZoneError('refused', `this host (${hostArches[0]}) cannot run ${asked} userlands`, { hint: `it runs: ${hostArches.join(', ')}` });
    }
    return asked;
  }
  const fit = offered.find((a) => hostArches.includes(a));
  if (fit === undefined) throw new ZoneError('refused', `recipe ${recipe.name} installs ${offered.join(', ')}; this host runs ${hostArches.join(', ')}`);
  return fit;
}
