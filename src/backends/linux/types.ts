// What the Linux backend (an OCI runtime driven for zones) deals in: runtime states, a
// zone's runtime files, the process it execs, and what a running zone uses.
import type { Personality } from '../../brands/plan.js';

export type RuntimeState = 'absent' | 'created' | 'running' | 'stopped' | 'paused';

/** Where a zone's runtime files (bundle, logs, pid file) live on the host. */
export interface ZoneHandle {
  name: string;
  dir: string;
}

export interface ExecRequest {
  argv: string[];
  uid: number;
  gid: number;
  additionalGids: number[];
  cwd: string;
  env: string[];
  tty: boolean;
  /** The execution domain the zone's init runs under; its processes join it. */
  personality?: Personality;
}

export interface ZoneAddress {
  /** CIDR, e.g. 10.88.0.2/16. */
  address: string;
  bridge: string;
}

export type { ZoneUsage } from '../../core/zone.js';

export interface HelperProcess {
  name: string;
  pid: number;
  rssKb: number;
}
