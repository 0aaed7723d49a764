// Writes a zonecfg command file that `zonecfg -z Z -f FILE` replays into exactly the
// model given, in the shape `zonecfg export` prints (create -b, globals, one add ... end
// per resource, commit). Values are quoted where zonecfg's lexer needs it and refused
// where no quoting can express them (see zonecfg-value.ts).
import { ZoneError } from '../../core/errors.js';
import { printable, type ZoneResource } from '../../core/zone.js';
import { LIST_PROPS } from './zonecfg.js';
import { formatValue, parseValue, simple } from './zonecfg-value.js';

export interface WriteOptions {
  /** new: `create -b`; overwrite: `create -F -b` (a zone that is only configured);
   * update: no create at all (an installed zone, where zonecfg refuses create): the
   * resource types in removeTypes are removed first and clearGlobals cleared, then
   * everything is set again. Both lists must name only what the zone has: zonecfg
   * fails on the others (zonecfg-update.ts computes them from the zone's export). */
  mode?: 'new' | 'overwrite' | 'update';
  removeTypes?: string[];
  clearGlobals?: string[];
}

// zonecfg refuses to change these once the zone is installed, even to the same value;
// SmartOS's uuid is the zone's identity, not a setting to write back.
const FIXED_AFTER_INSTALL = ['zonepath', 'brand', 'uuid'];

// Property and resource names are words: anything else (a newline above all) could
// smuggle a command into the file.
const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name)) throw new ZoneError('invalid-config', `zonecfg ${what} name "${printable(name)}" is not a word`);
  return name;
}

/** A prop value re-read and re-quoted: what the file says is what zonecfg will read. */
function canonical(text: string, what: string): string {
  try {
    return formatValue(parseValue(text));
  } catch (e) {
    if (e instanceof SyntaxError) throw new ZoneError('invalid-config', `${what}: "${printable(text)}" is not a zonecfg value: ${e.message}`);
    throw e;
  }
}

/** Whether a prop is written `add NAME VALUE` (appending to a list) or `set NAME=VALUE`. */
function isListProp(r: ZoneResource, name: string, value: string): boolean {
  const known = Object.hasOwn(LIST_PROPS, r.type) ? LIST_PROPS[r.type] : undefined;
  if (known !== undefined) return known.includes(name);
  // Types we do not know (Solaris 11's anet, ...): a repeated or complex property can
  // only have been added.
  return r.props.filter((p) => p.name === name).length > 1 || parseValue(value).kind === 'complex';
}

function resourceLines(r: ZoneResource): string[] {
  const lines = [`add ${checkName(r.type, 'resource')}`];
  for (const p of r.props) {
    checkName(p.name, 'property');
    const value = canonical(p.value, `${r.type} ${p.name}`);
    // `add` takes no empty list; only `set` does.
    lines.push(isListProp(r, p.name, value) && value !== '[]' ? `add ${p.name} ${value}` : `set ${p.name}=${value}`);
  }
  lines.push('end');
  return lines;
}

/** The command file for a model: globals (decoded strings) then resources. */
export function writeZonecfg(model: { globals: Record<string, string>; resources: ZoneResource[] }, opts: WriteOptions = {}): string {
  const mode = opts.mode ?? 'new';
  const lines: string[] = [];
  if (mode === 'new') lines.push('create -b');
  if (mode === 'overwrite') lines.push('create -F -b');
  if (mode === 'update') {
    for (const t of opts.removeTypes ?? []) lines.push(`remove -F ${checkName(t, 'resource')}`);
    for (const g of opts.clearGlobals ?? []) if (!(g in model.globals)) lines.push(`clear ${checkName(g, 'property')}`);
  }
  for (const [name, value] of Object.entries(model.globals)) {
    if (mode === 'update' && FIXED_AFTER_INSTALL.includes(name)) continue;
    lines.push(`set ${checkName(name, 'property')}=${simple(value)}`);
  }
  for (const r of model.resources) lines.push(...resourceLines(r));
  lines.push('commit');
  return `${lines.join('\n')}\n`;
}
