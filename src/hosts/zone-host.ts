// The one interface every host fills: what a verb needs from the machine its zones
// run on. Linux (runc, storage drivers, brand plans, ABI gates) and the hosts whose own
// tools keep the zones (FreeBSD's jail(8), illumos's zonecfg/zoneadm) answer every call,
// or refuse it in one line that names the host and the reason; a verb never asks which
// host it has. Where hosts really differ, `differences` says so, and the README's table
// is made from it (scripts/host-table.mjs).
import type { Brand } from '../brands/brand.js';
import type { ZoneStore } from '../core/store.js';
import type { InstalledUserland, SnapshotView, ZoneRecord, ZoneState, ZoneStatus, ZoneView } from '../core/zone.js';

export type { SnapshotView };
import type { HostKind } from '../transport/host-os.js';
import type { DoctorReport } from '../probes/check.js';
import type { InstallEvent } from '../install/methods.js';

export type { HostKind };

/** Work a host has checked and set up but not started: the verb records `status`
 * with the state that announces the work, then calls run(). */
export interface Prepared<T> {
  status?: Partial<Omit<ZoneStatus, 'state' | 'since'>>;
  run(): Promise<T>;
}

export interface InstallRequest {
  recipe?: string;
  /** A path or URL (on a FreeBSD or illumos host: a path on that host). */
  source?: string;
  /** A release to fetch when no source is given (FreeBSD: 14.1-RELEASE). */
  release?: string;
  /** Solaris branded installs: zoneadm install -u (unconfigure) or -p (preserve). */
  identity?: 'unconfigure' | 'preserve';
  /** Bounds on what an archive may unpack to (archive bombs). */
  limits?: { maxBytes: number; maxEntries: number };
  /** --arch (Debian name) for recipes that install several. */
  arch?: string;
  /** --mirror: replaces the recipe's mirror base URLs, in order. */
  mirrors?: string[];
  /** --in-place: a directory --source becomes the zone root where it is. */
  inPlace?: boolean;
}

export interface ExecRequest {
  argv: string[];
  user?: string;
  cwd?: string;
  env: string[];
  tty: boolean;
}

export interface ShutdownResult {
  /** True when the userland stopped by itself in time; false when it had to be killed. */
  clean: boolean;
  /** What asked it to stop: the init's halt signal, exec.stop, zoneadm shutdown. */
  signal: string;
}

/** What `brands show` prints for a brand (and a zone) on this host. */
export interface BrandDescription {
  text: string;
  json: unknown;
}

/** Where hosts differ in what users see. Each entry is a fact of the host, stated
 * once here and listed in the README's table; verbs read them, never the host kind. */
export interface HostDifferences {
  /** A zone can be set up without its first process (zoneadm ready; runc create). */
  hasReadyState: boolean;
  /** What `ready` does here, or why there is no such state. */
  readyState: string;
  /** A failed install leaves the zone configured (the host's tool undoes its own work)
   * or incomplete (zonectl's install restarts from an empty root, or uninstall clears it). */
  failedInstallLeaves: 'configured' | 'incomplete';
  /** install's inputs here. */
  installFrom: string;
  /** Rootfs recipes install here (and so `install --brand B RECIPE`). */
  installsRecipes: boolean;
  /** How a clone is made. */
  cloneBy: string;
  /** A fixed net-address of the source: taken from the address pool again (auto) or dropped. */
  cloneAddress: 'auto' | 'dropped';
  /** delete/uninstall --promote-clones can make dependent clones independent here. */
  promotesClones: boolean;
  /** How clones and their origin part (delete --promote-clones), or why they cannot. */
  promoteClones: string;
  /** How a clean shutdown is asked for. */
  shutdownBy: string;
  /** The zone's console. */
  console: string;
  /** Who exec's --user, --cwd and --env are applied by. */
  execOptions: string;
  /** What caps are made of. */
  caps: string;
  /** `import --jail-conf` makes zones of the host's jails (not only --dry-run). */
  importsJails: boolean;
}

export interface ZoneHost {
  readonly kind: HostKind;
  /** "this machine", or the ssh target: named in every refusal. */
  readonly target: string;
  readonly differences: HostDifferences;
  /** The zone store, kept where the zones are (on a host reached over ssh, there). */
  readonly store: ZoneStore;

  defaultZonepath(name: string): string;
  /** The brand, refused in one line when it does not run on this host. */
  brand(name: string, zone?: string): Promise<Brand>;
  /** Refuses a zone the host already has something of that zonectl did not make: a
   * jail or zone of its name, or (`filling`: a clone about to fill it) its zonepath. */
  assertNew(record: ZoneRecord, filling: boolean): Promise<void>;
  /** Makes the host's own record of the zone match `record` (zonecfg -f; the jail's
   * conf file); checks what only the host can check. Called at create and configure. */
  configure(record: ZoneRecord, brand: Brand): Promise<void>;
  /** Removes the host's own record of the zone. */
  unconfigure(record: ZoneRecord): Promise<void>;

  /** Checks the request against the zone, the brand and the host before anything is written. */
  prepareInstall(record: ZoneRecord, brand: Brand, req: InstallRequest, emit: (e: InstallEvent) => void): Promise<Prepared<InstalledUserland>>;
  /** Removes the userland (and whatever the host keeps for it); idempotent. */
  uninstall(record: ZoneRecord, status: ZoneStatus): Promise<void>;

  /** Checks and prepares a start (ready: set up without the first process). */
  prepareStart(record: ZoneRecord, status: ZoneStatus, brand: Brand, mode: 'ready' | 'boot'): Promise<Prepared<void>>;
  /** Stops everything at once, no shutdown scripts; idempotent. */
  halt(record: ZoneRecord, status: ZoneStatus): Promise<void>;
  /** Asks the userland to stop, waits up to timeoutMs; the verb halts afterwards. */
  shutdown(record: ZoneRecord, status: ZoneStatus, brand: Brand, timeoutMs: number): Promise<ShutdownResult>;
  /** Frees what the host still holds for a zone whose processes are gone (a runtime
   * container, an address lease); idempotent. */
  release(record: ZoneRecord, status: ZoneStatus): Promise<void>;

  /** What the host itself says of each zone: a state, or undefined where it has none
   * (the store's state then stands, or, for a running zone, it is not running). */
  observe(zones: Array<{ record: ZoneRecord; status: ZoneStatus }>): Promise<Map<string, ZoneState | undefined>>;
  /** What a running zone shows besides its state: helpers, usage, addresses (`full`: info). */
  details(record: ZoneRecord, status: ZoneStatus, full: boolean): Promise<Partial<ZoneView>>;

  exec(record: ZoneRecord, status: ZoneStatus, req: ExecRequest): Promise<number>;
  login(record: ZoneRecord, status: ZoneStatus, user: string | undefined): Promise<number>;
  console(record: ZoneRecord, status: ZoneStatus): Promise<number>;

  /** Readies the halted source for cloning (an overlay's changes frozen into a layer)
   * before the target is recorded; run() then fills the recorded target and gives it
   * its own identity: host name, machine-id, ssh host keys. */
  prepareClone(source: ZoneRecord, sourceStatus: ZoneStatus, target: ZoneRecord, brand: Brand): Promise<Prepared<void>>;
  /** Zones cloned from this one that still depend on it. */
  clonesOf(record: ZoneRecord): Promise<string[]>;
  /** Makes one of those clones independent of its origin (the verb holds its lock). */
  promoteClone(origin: ZoneRecord, clone: ZoneRecord): Promise<void>;
  snapshotCreate(record: ZoneRecord, status: ZoneStatus, name: string): Promise<SnapshotView>;
  snapshotList(record: ZoneRecord): Promise<SnapshotView[]>;
  /** Resolves to the number of storage layers freed (0 where snapshots free their own space). */
  snapshotDelete(record: ZoneRecord, status: ZoneStatus, name: string): Promise<number>;
  rollback(record: ZoneRecord, status: ZoneStatus, name: string): Promise<void>;

  /** What the brand (and the zone, if given) becomes on this host. */
  describe(brand: Brand, zone?: { record: ZoneRecord; status: ZoneStatus }): Promise<BrandDescription>;
  /** What this host has and lacks for zones, each lack with its fix. */
  doctor(): Promise<DoctorReport>;
  /** A file on the host (an fstab a jail.conf names); undefined if it cannot be read. */
  readHostFile(path: string): Promise<string | undefined>;
  /** For a zone made from the host's own description of it (an imported jail): the
   * userland already at its root, if there is one. Refused where the host has no such
   * descriptions to import. */
  adopt(record: ZoneRecord, root: string): Promise<InstalledUserland | undefined>;
}
