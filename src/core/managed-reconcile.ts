// A managed host's zone state against the store's: the host (zoneadm list, jls) is
// the truth about what runs, the store about what was intended. illumos reports every
// zone it knows (configured, incomplete, installed...); FreeBSD only the jails that
// exist, so a zone missing from its map is simply not running.
import type { ZoneState } from './zone.js';

const UP: readonly ZoneState[] = ['running', 'ready'];
const DOWN_OR_GONE: readonly ZoneState[] = ['configured', 'incomplete', 'installed'];

export function reconcileManaged(stored: ZoneState, host: ZoneState | undefined): ZoneState {
  switch (stored) {
    case 'configured':
    case 'incomplete':
    case 'installed':
      // Booted, installed or uninstalled with the host's own tools: its state stands.
      return host !== undefined && (UP.includes(host) || DOWN_OR_GONE.includes(host)) ? host : stored;
    case 'ready':
    case 'running':
      if (host !== undefined && UP.includes(host)) return host;
      return host === 'configured' || host === 'incomplete' ? host : 'installed';
    case 'shutting_down':
    case 'down':
      if (host !== undefined && (UP.includes(host) || host === 'shutting_down' || host === 'down')) return stored;
      return host === 'configured' || host === 'incomplete' ? host : 'installed';
  }
}
