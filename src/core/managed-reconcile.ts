// A managed host's zone state against the store's: the host (zoneadm list, jls) is
// the truth about what runs, the store about what was intended.
import type { ZoneState } from './zone.js';

/** The store's state against the host's own: the host is the truth about what runs. */
export function reconcileManaged(stored: ZoneState, host: ZoneState | undefined): ZoneState {
  const up = host === 'running' || host === 'ready';
  switch (stored) {
    case 'configured':
    case 'incomplete':
    case 'installed':
      // Booted with the host's own tools (zoneadm boot, jail -c): it runs.
      return host === 'running' ? 'running' : stored;
    case 'ready':
    case 'running':
      return up ? (host as ZoneState) : 'installed';
    case 'shutting_down':
    case 'down':
      return up || host === 'shutting_down' || host === 'down' ? stored : 'installed';
  }
}

