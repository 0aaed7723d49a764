// Post-install edits from a recipe: declarative line changes inside the zone root,
// the way lxc's templates and lx_boot fix up an unpacked userland, but as data.
import { readFile, writeFile, lstat } from 'node:fs/promises';
import { ZoneError } from '../core/errors.js';
import { resolveInRoot } from './root-path.js';

export type Edit = { 'replace-lines': { path: string; match: string; with: string } } | { 'delete-lines': { path: string; match: string } };

function pattern(match: string, recipe: string): RegExp {
  try {
    return new RegExp(`^(?:${match})$`);
  } catch (e) {
    throw new ZoneError('invalid-file', `recipe ${recipe}: edit pattern "${match}": ${(e as Error).message}`);
  }
}

/** Applies edits in order; each names a file that must exist in the zone (a recipe
 * whose edit finds no file is wrong, not quietly skipped). */
export async function applyEdits(root: string, edits: Edit[], recipe: string, zone: string): Promise<number> {
  let changed = 0;
  for (const edit of edits) {
    const spec = 'replace-lines' in edit ? edit['replace-lines'] : edit['delete-lines'];
    const real = await resolveInRoot(root, spec.path);
    const st = real === undefined ? undefined : await lstat(real);
    if (real === undefined || st?.isFile() !== true) {
      throw new ZoneError('install-failed', `recipe ${recipe}: edit of /${spec.path}: no such file in zone "${zone}"`, { zone });
    }
    const re = pattern(spec.match, recipe);
    const r = await rewriteLines(real, re, () => ('replace-lines' in edit ? edit['replace-lines'].with : null));
    changed += r.matched;
  }
  return changed;
}

/** Rewrites the lines of `file` that `re` matches with `change`'s result (null drops the
 * line), leaving those `keep` says to; writes only when something changed. The one line
 * editor of recipe edits and brand fixups. */
export async function rewriteLines(
  file: string,
  re: RegExp,
  change: (line: string) => string | null,
  keep: (line: string) => boolean = () => false,
): Promise<{ matched: number; changed: number }> {
  const out: string[] = [];
  let matched = 0;
  let changed = 0;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (keep(line) || !re.test(line)) {
      out.push(line);
      continue;
    }
    matched++;
    const next = change(line);
    if (next !== line) changed++;
    if (next !== null) out.push(next);
  }
  if (changed > 0) await writeFile(file, out.join('\n'));
  return { matched, changed };
}
