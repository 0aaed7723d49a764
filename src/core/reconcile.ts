// The stored state against what the runtime reports: a zone whose init died is
// installed, not running; a crash between starting the runtime and recording it is
// running, not installed. The store is the intent, the runtime the truth.
// (A stored 'installed' never has a runtime container; see mayHaveRuntime.)
import type { RuntimeState } from '../backends/backend.js';
import type { ZoneState } from './zone.js';

export function reconcile(stored: ZoneState, runtime: RuntimeState): ZoneState {
  switch (stored) {
    case 'configured':
    case 'incomplete':
    case 'installed':
      return stored;
    case 'ready':
    case 'running':
      if (runtime === 'running' || runtime === 'paused') return 'running';
      if (runtime === 'created') return 'ready';
      return 'installed';
    case 'shutting_down':
    case 'down':
      return runtime === 'running' || runtime === 'paused' || runtime === 'created' ? stored : 'installed';
  }
}

/** Whether a state can have anything in the runtime (so it is worth asking). */
export function mayHaveRuntime(stored: ZoneState): boolean {
  // Boot records ready before it starts the runtime and halt records down before it
  // stops it, so a zone stored as installed (or earlier) has nothing in the runtime.
  return stored === 'ready' || stored === 'running' || stored === 'shutting_down' || stored === 'down';
}
