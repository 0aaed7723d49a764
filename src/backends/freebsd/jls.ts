// `jls --libxo json` (usr.sbin/jls/jls.c, JLS_XO_VERSION "2"): the jails that exist.
// The default shape has jid, ipv4, hostname, path; -v adds name, state (ACTIVE or
// DYING), cpusetid and address lists; -n (or named parameters) uses the parameter
// names (host.hostname, dying) with values as strings. Keys we do not know are ignored.
import { ZoneError } from '../../core/errors.js';
import type { ZoneState } from '../../core/zone.js';

export interface JailInfo {
  jid: number;
  name?: string;
  path?: string;
  hostname?: string;
  state: 'ACTIVE' | 'DYING';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** libxo prints %d fields as numbers; -n exports them as strings. */
function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function jailInfo(j: Record<string, unknown>): JailInfo | undefined {
  const jid = num(j.jid);
  if (jid === undefined) return undefined;
  const dying = j.dying === true || j.dying === 'true' || str(j.state) === 'DYING';
  const info: JailInfo = { jid, state: dying ? 'DYING' : 'ACTIVE' };
  const name = str(j.name);
  const path = str(j.path);
  const hostname = str(j.hostname) ?? str(j['host.hostname']);
  if (name !== undefined) info.name = name;
  if (path !== undefined) info.path = path;
  if (hostname !== undefined) info.hostname = hostname;
  return info;
}

/** The jails in jls's JSON, by name (by jid where the shape has no name). */
export function parseJlsJson(text: string): Map<string, JailInfo> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ZoneError('runtime', `jls --libxo json printed something that is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const list = isRecord(doc) && isRecord(doc['jail-information']) ? doc['jail-information'].jail : undefined;
  const out = new Map<string, JailInfo>();
  if (list === undefined) return out;
  if (!Array.isArray(list)) throw new ZoneError('runtime', 'jls --libxo json: "jail-information"."jail" is not a list');
  for (const j of list) {
    const info = isRecord(j) ? jailInfo(j) : undefined;
    if (info !== undefined) out.set(info.name ?? String(info.jid), info);
  }
  return out;
}

/** A jail as a zone state: it runs, or it is being torn down. */
export function jailZoneState(info: JailInfo): ZoneState {
  return info.state === 'DYING' ? 'shutting_down' : 'running';
}
