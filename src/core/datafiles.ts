// Brands and recipes are YAML data files, validated against JSON Schemas shipped in
// schemas/ (compiled to code at build time). This module finds, parses and validates
// them; it knows no brand or recipe.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { Validate } from '../generated/validators.js';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZoneError, errnoCode } from './errors.js';
import { cjsNamed } from './interop.js';

export type DataKind = 'brand' | 'recipe';

const KIND_DIR: Record<DataKind, string> = { brand: 'brands', recipe: 'rootfs-recipes' };
const KIND_ENV: Record<DataKind, string> = { brand: 'ZONECTL_BRAND_PATH', recipe: 'ZONECTL_RECIPE_PATH' };
const KIND_SCHEMA: Record<DataKind, string> = { brand: 'brand.schema.json', recipe: 'recipe.schema.json' };

let pkgDir: string | undefined;

/** The installed package's top directory (holds brands/, rootfs-recipes/, schemas/),
 * found from this module whether it runs bundled (dist/) or from source (src/core/). */
export function packageDir(): string {
  if (pkgDir !== undefined) return pkgDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'brands'))) return (pkgDir = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('zonectl: cannot find the package directory (brands/ next to package.json)');
    dir = up;
  }
}

/** zonectl's own version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Directories searched for a kind, in order: the user's (env, colon-separated), then ours. */
export function searchDirs(kind: DataKind): string[] {
  const extra = (process.env[KIND_ENV[kind]] ?? '').split(':').filter((d) => d !== '');
  return [...extra, join(packageDir(), KIND_DIR[kind])];
}

export function listDataNames(kind: DataKind): string[] {
  const names = new Set<string>();
  for (const dir of searchDirs(kind)) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    for (const f of entries) if (f.endsWith('.yaml')) names.add(f.slice(0, -'.yaml'.length));
  }
  return [...names].sort();
}

export function findDataFile(kind: DataKind, name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return undefined;
  for (const dir of searchDirs(kind)) {
    const p = join(dir, `${name}.yaml`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The schema's validation function, compiled at build time (scripts/gen-validators.mjs). */
async function validatorFor(kind: DataKind): Promise<Validate> {
  const validators = await import('../generated/validators.js');
  return validators[kind];
}

interface BuildCacheEntry {
  mtimeMs: number;
  size: number;
  data: unknown;
  /** The build validated it: a recipe file, or the brand of this name as merged from
   * the packaged files of its inherits chain (scripts/build.mjs). */
  valid?: boolean;
}
let buildCache: Record<string, BuildCacheEntry> | null | undefined;

/** The packaged brand and recipe files are parsed once at build time into
 * dist/yaml-cache.json (loading the YAML parser is most of a boot's own cost).
 * An entry is used only while the file's size and mtime are what the build saw,
 * so a file edited after the build is parsed afresh. */
function buildEntry(path: string): BuildCacheEntry | undefined {
  if (buildCache === undefined) {
    try {
      buildCache = JSON.parse(readFileSync(join(packageDir(), 'dist', 'yaml-cache.json'), 'utf8')) as Record<string, BuildCacheEntry>;
    } catch {
      buildCache = null;
    }
  }
  if (buildCache === null) return undefined;
  const rel = relative(packageDir(), path);
  const entry = buildCache[rel];
  if (entry === undefined) return undefined;
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  return st.mtimeMs === entry.mtimeMs && st.size === entry.size ? entry : undefined;
}

/** Whether the file is a packaged one, as the build parsed it. */
export function unchangedSinceBuild(path: string): boolean {
  return buildEntry(path) !== undefined;
}

/** Whether the build validated the file, unchanged since (see BuildCacheEntry.valid):
 * then validating it again would only cost loading the validators (~5 ms of a boot). */
export function validatedAtBuild(path: string): boolean {
  return buildEntry(path)?.valid === true;
}

/** Reads and parses one YAML data file, without validating it. */
export async function parseDataFile(kind: DataKind, path: string): Promise<unknown> {
  const cached = buildEntry(path);
  if (cached !== undefined) return cached.data;
  const { parse } = cjsNamed(await import('yaml'), 'parse');
  try {
    return parse(readFileSync(path, 'utf8'), { prettyErrors: false }) as unknown;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? 'parse error';
    throw new ZoneError('invalid-file', `${kind} file ${path}: not valid YAML: ${msg}`);
  }
}

/** Validates parsed data against its kind's schema; errors name the file and the field. */
export async function validateData<T>(kind: DataKind, data: unknown, path: string): Promise<T> {
  const validate = await validatorFor(kind);
  if (!validate(data)) {
    const err = validate.errors?.[0];
    const where = err?.instancePath === '' || err === undefined ? 'top level' : err.instancePath;
    const extra = err?.params !== undefined && 'additionalProperty' in err.params ? ` ("${String(err.params.additionalProperty)}")` : '';
    throw new ZoneError('invalid-file', `${kind} file ${path}: ${where}: ${err?.message ?? 'invalid'}${extra}`, {
      hint: `the format is schemas/${KIND_SCHEMA[kind]} in the zonectl package`,
    });
  }
  return data as T;
}

export async function loadDataFile<T>(kind: DataKind, path: string): Promise<T> {
  if (validatedAtBuild(path)) return (await parseDataFile(kind, path)) as T;
  return validateData<T>(kind, await parseDataFile(kind, path), path);
}
