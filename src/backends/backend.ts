// The Backend interface: what the engine asks of a host's zone mechanism. Linux drives
// an OCI runtime; FreeBSD (jail) and illumos (zones) plug in behind the same calls.
import type { BootPlan, Personality, ShimAvailability } from '../brands/plan.js';

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

export interface Backend {
  readonly name: string;
  /** Namespaces and mounts set up, the zone's first process not yet started. */
  ready(zone: ZoneHandle, plan: BootPlan): Promise<void>;
  /** Starts the zone's init, from nothing or from ready. */
  boot(zone: ZoneHandle, plan: BootPlan, fromReady: boolean): Promise<void>;
  /** Kills everything in the zone and releases what the runtime holds; idempotent. */
  halt(zone: ZoneHandle): Promise<void>;
  signal(zone: ZoneHandle, signal: number): Promise<void>;
  /** Resolves true once the zone's init has exited, false on timeout. */
  waitForStop(zone: ZoneHandle, timeoutMs: number): Promise<boolean>;
  state(zone: ZoneHandle): Promise<RuntimeState>;
  /** All zones this backend knows, by name: one call for `list`. */
  states(): Promise<Map<string, RuntimeState>>;
  /** Runs a command in the zone with our stdio; resolves to its exit status. */
  exec(zone: ZoneHandle, req: ExecRequest): Promise<number>;
  /** Runs one command as the only process of a zone that is not booted (install
   * steps the guest's own tools do); resolves to its status and output. */
  runOnce(zone: ZoneHandle, plan: BootPlan, argv: string[]): Promise<{ code: number; output: string }>;
  /** Whether this host can show a zone its exact kernel-version (uname and /proc). */
  unameShim(): Promise<ShimAvailability>;
  /** Helper processes a running zone has besides its own (a uname supervisor). */
  helpers(zone: ZoneHandle): Promise<HelperProcess[]>;
  /** What a running zone uses now (memory, processes, CPU time); undefined if not running. */
  usage(zone: ZoneHandle): Promise<ZoneUsage | undefined>;
  /** The addresses a running zone's own interfaces have (none on the host's stack). */
  addresses(zone: ZoneHandle): Promise<ZoneAddress[]>;
}

export interface ZoneAddress {
  /** CIDR, e.g. 10.88.0.2/16. */
  address: string;
  bridge: string;
}

export interface ZoneUsage {
  memoryBytes?: number;
  processes?: number;
  cpuSeconds?: number;
}

export interface HelperProcess {
  name: string;
  pid: number;
  rssKb: number;
}
