// The command file that turns an installed zone's configuration (read back with
// `zonecfg -z Z export`) into another one without `create` (refused once installed).
// In a command file zonecfg stops at the first failing command and then commits what it
// has done (cleanup() commits when need_to_commit), so every command here must succeed
// on the configuration as it stands (illumos-gate usr/src/cmd/zonecfg/zonecfg.c):
//  - `remove -F TYPE` of a type with no instance is an error ("No such resource");
//  - export writes capped-cpu as its zone.cpu-cap rctl, and capped-memory's swap and
//    locked as zone.max-swap / zone.max-locked-memory rctls: remove capped-cpu and
//    capped-memory first (they take those rctls with them), then the rctls left;
//  - the aliased globals (cpu-shares, max-lwps, ...) are rctls too: once the rctls are
//    removed, `clear` of one fails (remove_aliased_rctl), so they are not cleared then;
//  - dedicated-cpu and capped-cpu exclude each other: all removals come before any add.
import type { ZoneResource } from '../../core/zone.js';
import type { ZonecfgModel } from './zonecfg.js';
import { simpleText } from './zonecfg-value.js';
import { writeZonecfg } from './zonecfg-writer.js';

type Model = { globals: Record<string, string>; resources: ZoneResource[] };

// Globals that are rctls (libzonecfg aliases[]).
const ALIASED_GLOBALS = ['cpu-shares', 'max-lwps', 'max-processes', 'max-msg-ids', 'max-sem-ids', 'max-shm-ids', 'max-shm-memory'];
// Globals never cleared: identity, fixed after install, or always set again.
const NEVER_CLEARED = ['zonename', 'zonepath', 'brand', 'uuid', 'ip-type'];
// Solaris 10's inherit-pkg-dir cannot be removed or added once the zone is installed.
const KEPT_TYPES = ['inherit-pkg-dir'];
// The rctls that capped-cpu / capped-memory stand for (removing those removes these).
const CAP_RCTLS: Record<string, string> = { 'zone.cpu-cap': 'capped-cpu', 'zone.max-swap': 'capped-memory', 'zone.max-locked-memory': 'capped-memory' };

function rctlName(r: ZoneResource): string {
  const v = r.props.find((p) => p.name === 'name')?.value ?? '';
  return simpleText(v) ?? v;
}

/** The `remove -F TYPE` types, in an order where each one still has an instance. */
export function typesToRemove(current: ZonecfgModel): string[] {
  const present = new Set(current.resources.map((r) => r.type));
  const rctls = current.resources.filter((r) => r.type === 'rctl').map(rctlName);
  const caps = new Set(rctls.flatMap((n) => (Object.hasOwn(CAP_RCTLS, n) ? [CAP_RCTLS[n] as string] : [])));
  const first = ['capped-cpu', 'capped-memory', 'dedicated-cpu'].filter((t) => present.has(t) || caps.has(t));
  const rctl = rctls.some((n) => !Object.hasOwn(CAP_RCTLS, n)) ? ['rctl'] : [];
  const rest = [...present].filter((t) => !first.includes(t) && t !== 'rctl' && !KEPT_TYPES.includes(t));
  return [...first, ...rctl, ...rest];
}

/** The globals set now that the new configuration does not set again. */
export function globalsToClear(current: ZonecfgModel, desired: Model, rctlsRemoved: boolean): string[] {
  return Object.entries(current.globals)
    .filter(([g, v]) => v !== '' && !(g in desired.globals) && !NEVER_CLEARED.includes(g))
    .filter(([g]) => !(rctlsRemoved && ALIASED_GLOBALS.includes(g)))
    .map(([g]) => g);
}

/** The update command file from `current` (an export, read) to `desired`. */
export function updateZonecfg(current: ZonecfgModel, desired: Model): string {
  const removeTypes = typesToRemove(current);
  const rctlsRemoved = current.resources.some((r) => r.type === 'rctl');
  return writeZonecfg(
    { globals: desired.globals, resources: desired.resources.filter((r) => !KEPT_TYPES.includes(r.type)) },
    { mode: 'update', removeTypes, clearGlobals: globalsToClear(current, desired, rctlsRemoved) },
  );
}
