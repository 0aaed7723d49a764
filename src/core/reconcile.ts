// The stored state against what the host reports: the host (the OCI runtime, jls,
// zoneadm list) is the truth about what runs, the store about what was intended. A zone
// whose init died is installed, not running; a crash between starting it and recording
// that is running, not installed; a zone booted, installed or uninstalled with the
// host's own tools takes the host's state. `observed` is undefined where the host says
// nothing of the zone (Linux for a zone not started; FreeBSD for a jail that does not exist).
import type { ZoneState } from './zone.js';

const UP: readonly ZoneState[] = ['running', 'ready'];
const DOWN_OR_GONE: readonly ZoneState[] = ['configured', 'incomplete', 'installed'];

export function reconcile(stored: ZoneState, observed: ZoneState | undefined): ZoneState {
  switch (stored) {
    case 'configured':
    case 'incomplete':
    case 'installed':
      return observed !== undefined && (UP.includes(observed) || DOWN_OR_GONE.includes(observed)) ? observed : stored;
    case 'ready':
    case 'running':
      if (observed !== undefined && UP.includes(observed)) return observed;
      return observed === 'configured' || observed === 'incomplete' ? observed : 'installed';
    case 'shutting_down':
    case 'down':
      if (observed !== undefined && (UP.includes(observed) || observed === 'shutting_down' || observed === 'down')) return stored;
      return observed === 'configured' || observed === 'incomplete' ? observed : 'installed';
  }
}

/** Whether a state can have anything running on the host (so it is worth asking). */
export function mayHaveRuntime(stored: ZoneState): boolean {
  // Boot records ready before it starts anything and halt records down before it
  // stops it, so a zone stored as installed (or earlier) has nothing running.
  return stored === 'ready' || stored === 'running' || stored === 'shutting_down' || stored === 'down';
}
