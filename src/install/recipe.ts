// Recipes (rootfs-recipes/*.yaml): how a userland is put on disk, as data.
import { ZoneError } from '../core/errors.js';
import { findDataFile, listDataNames, loadDataFile } from '../core/datafiles.js';
import { assertHaltSignal, type InitField } from '../brands/brand.js';
import type { Layout } from './layout.js';

export interface HostBusyboxMethod {
  kind: 'host-busybox';
  package?: string;
}
export type RecipeMethod = HostBusyboxMethod;

export interface Recipe {
  name: string;
  description: string;
  brands: string[];
  method: RecipeMethod;
  layout?: Layout;
  init?: InitField;
  file: string;
}

export function recipeNames(): string[] {
  return listDataNames('recipe');
}

export function recipeExists(name: string): boolean {
  return findDataFile('recipe', name) !== undefined;
}

export async function loadRecipe(name: string): Promise<Recipe> {
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
