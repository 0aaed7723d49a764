// Backends that drive a host's own zone tools (FreeBSD's jail(8), illumos's and
// Solaris's zonecfg/zoneadm): those tools keep the zone, and every call goes through an
// Executor, so the same code drives this machine or one reached over ssh, and tests
// replay the tools' real output. hosts/tool-host.ts puts one behind the ZoneHost
// interface; zonectl's own store (zone.json/state.json) is kept on the host as everywhere.
import type { Executor } from '../transport/executor.js';
import type { HostOs } from '../transport/host-os.js';
import type { Brand } from '../brands/brand.js';
import type { InstalledUserland, SnapshotView, ZoneRecord, ZoneState } from '../core/zone.js';
import type { ZoneUsage } from '../core/zone.js';

export interface InstallRequest {
  /** A URL, or a path on the host, of an archive or image to install from. */
  source?: string;
  /** A release to fetch when no source is given (FreeBSD: 14.1-RELEASE). */
  release?: string;
  /** Solaris 8/9/10 branded installs: -u (sys-unconfig) or -p (preserve identity). */
  identity?: 'unconfigure' | 'preserve';
}

/** One line of progress from a long host command (download, unpack, zoneadm install). */
export type ProgressSink = (line: string) => void;

export interface ToolBackend {
  readonly host: HostOs;
  readonly executor: Executor;
  /** Makes the host's own record of the zone match ours (zonecfg -f FILE; the jail's
   * conf file). Called at create and at every configure. */
  configure(record: ZoneRecord, brand: Brand): Promise<void>;
  /** Whether the host already has a zone or jail of this name (made by hand or by another
   * tool): create and clone refuse it rather than take it over; import adopts jails. */
  knows(name: string): Promise<boolean>;
  /** Removes the host's own record of the zone (zonecfg delete -F; the conf file). */
  unconfigure(record: ZoneRecord): Promise<void>;
  /** On failure it undoes what it made, and only that (a root that was there before is
   * kept), leaving the host's zone configured (zoneadm uninstall -F of an incomplete one). */
  install(record: ZoneRecord, brand: Brand, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland>;
  uninstall(record: ZoneRecord): Promise<void>;
  ready(record: ZoneRecord, brand: Brand): Promise<void>;
  boot(record: ZoneRecord, brand: Brand): Promise<void>;
  /** Stops everything at once, no shutdown scripts; idempotent. */
  halt(record: ZoneRecord): Promise<void>;
  /** Clean stop through the userland's own shutdown; true if it was down in time. */
  shutdown(record: ZoneRecord, timeoutMs: number): Promise<boolean>;
  reboot(record: ZoneRecord, brand: Brand): Promise<void>;
  /** The state the host itself reports for each zone it knows (illumos: every
   * configured zone; FreeBSD: the running jails). A zone not in the map is unknown to it. */
  states(): Promise<Map<string, ZoneState>>;
  /** As `user` (root when undefined): jexec -U, zlogin -l. */
  exec(record: ZoneRecord, argv: string[], tty: boolean, user?: string): Promise<number>;
  login(record: ZoneRecord, user?: string): Promise<number>;
  console(record: ZoneRecord): Promise<number>;
  usage(record: ZoneRecord): Promise<ZoneUsage | undefined>;
  /** Copy-on-write where the host's storage allows (ZFS), a copy otherwise. */
  clone(source: ZoneRecord, target: ZoneRecord, brand: Brand): Promise<void>;
  /** Lines for `brands show` / `info`: what the zone becomes on this host. */
  describe(record: ZoneRecord, brand: Brand): string[];
  /** ZFS snapshots of the zone's own dataset (the zone is halted); refused in one line,
   * with the reason, where its zonepath is not a dataset of its own. */
  snapshotCreate(record: ZoneRecord, name: string): Promise<SnapshotView>;
  snapshotList(record: ZoneRecord): Promise<SnapshotView[]>;
  snapshotDestroy(record: ZoneRecord, name: string): Promise<void>;
  /** The zone's dataset back to the snapshot (newer snapshots are refused by name, as
   * zfs rollback without -r refuses them). */
  rollback(record: ZoneRecord, name: string): Promise<void>;
}
