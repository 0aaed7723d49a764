// `zoneadm list -cp` and zone states. The parsable line is
//   zoneid:zonename:state:zonepath:uuid:brand:ip-type
// (zoneadm.c zone_print()): zoneid is `-` for a zone not running, uuid may be empty,
// ip-type is `shared` or `excl`; only the `:` of a zonepath is escaped (`\:`), a
// backslash is not. illumos-joyent appends a debug id field, and Solaris 10 before
// 8/07 printed only the first four: extra fields are ignored, missing ones undefined.
import { ZoneError } from '../../core/errors.js';
import { printable, type ZoneState } from '../../core/zone.js';

export interface ZoneListEntry {
  /** The running zone's id; undefined for `-`. */
  id?: number;
  name: string;
  /** The state word as zoneadm printed it. */
  rawState: string;
  state: ZoneState;
  zonepath: string;
  uuid?: string;
  brand?: string;
  ipType?: 'shared' | 'exclusive';
}

// zone_state_str() of libzonecfg, onto zonectl's states. A mounted zone is an installed
// one whose root is scratch-mounted for admin tools; Solaris 11's unavailable is an
// installed zone whose storage is missing (boot then fails with zoneadm's own reason).
const STATES: Record<string, ZoneState> = {
  configured: 'configured',
  incomplete: 'incomplete',
  installed: 'installed',
  ready: 'ready',
  running: 'running',
  shutting_down: 'shutting_down',
  down: 'down',
  mounted: 'installed',
  unavailable: 'installed',
};

export function zoneState(word: string): ZoneState | undefined {
  return Object.hasOwn(STATES, word) ? STATES[word] : undefined;
}

/** Splits on the colons not escaped by a backslash; `\:` becomes `:`. Only the zonepath
 * field is escaped, so other backslashes are kept as they are. */
export function splitParsable(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && line[i + 1] === ':') {
      cur += ':';
      i++;
    } else if (c === ':') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

/** One line of zoneadm list -p. */
export function parseListLine(line: string): ZoneListEntry {
  const [id = '', name = '', rawState = '', zonepath = '', uuid, brand, ip] = splitParsable(line);
  const state = zoneState(rawState);
  if (name === '' || state === undefined) {
    throw new ZoneError('runtime', `cannot read zoneadm list output: "${printable(line)}"${name === '' ? '' : `: unknown state "${printable(rawState)}"`}`);
  }
  return {
    ...(/^\d+$/.test(id) ? { id: Number(id) } : {}),
    name,
    rawState,
    state,
    zonepath,
    ...(uuid === undefined || uuid === '' ? {} : { uuid }),
    ...(brand === undefined || brand === '' ? {} : { brand }),
    ...(ip === 'excl' ? { ipType: 'exclusive' as const } : ip === 'shared' ? { ipType: 'shared' as const } : {}),
  };
}

/** Every non-global zone in zoneadm list -cp output. */
export function parseZoneList(stdout: string): ZoneListEntry[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseListLine)
    .filter((z) => z.name !== 'global');
}
