// Changing a zone's configuration from --set/--unset: every assignment checked before
// any is applied, zonepath only while the zone is configured. One place for every host.
import { assertKnownKey, checkAssignment, isConfiguredOnly, parseAssignment } from './config.js';
import { ZoneError } from './errors.js';
import type { ZoneRecord, ZoneState } from './zone.js';

/** A whole new configuration (a zonecfg file) may not move an installed zone's files
 * or change what it is: zonepath and brand change only while it is configured. */
export function assertFixedOnceInstalled(before: ZoneRecord, after: ZoneRecord, state: ZoneState): void {
  if (state === 'configured' || (after.zonepath === before.zonepath && after.brand === before.brand)) return;
  throw new ZoneError('wrong-state', `cannot change the zonepath or brand of zone "${before.name}": it is ${state}`, {
    zone: before.name,
    hint: `they can change only while the zone is configured (zonectl uninstall -F ${before.name} first)`,
  });
}

export function applySets(record: ZoneRecord, sets: string[], unsets: string[], configured: boolean): ZoneRecord {
  const next: ZoneRecord = { ...record, config: { ...record.config } };
  for (const text of sets) {
    const a = parseAssignment(text);
    const value = checkAssignment(a, record.name);
    if (isConfiguredOnly(a.key) && !configured) {
      throw new ZoneError('wrong-state', `cannot change ${a.key} of zone "${record.name}": it is installed`, {
        zone: record.name,
        hint: `${a.key} can change only while the zone is configured (zonectl uninstall -F ${record.name} first)`,
      });
    }
    if (a.key === 'zonepath') next.zonepath = value;
    else next.config[a.key] = value;
  }
  for (const key of unsets) {
    assertKnownKey(key, record.name);
    if (key === 'zonepath') throw new ZoneError('invalid-config', 'zonepath cannot be unset', { zone: record.name });
    delete next.config[key];
  }
  return next;
}
