// A host whose own tools keep the zones (FreeBSD's jail(8), illumos's and Solaris's
// zonecfg/zoneadm), behind the ZoneHost interface: the backend drives the tools through
// an executor (this machine, or one reached over ssh), and zonectl's store lives there.
// What differs between FreeBSD and illumos is in each one's backend and `differences`
// (hosts/freebsd.ts, hosts/illumos.ts).
import { loadBrand, type Brand } from '../brands/brand.js';
import type { ToolBackend } from '../backends/tool-backend.js';
import { ZoneError } from '../core/errors.js';
import type { ZoneStore } from '../core/store.js';
import type { InstalledUserland, ZoneRecord, ZoneState, ZoneStatus, ZoneView } from '../core/zone.js';
import type { InstallEvent } from '../install/methods.js';
import type { DoctorCheck, DoctorReport } from '../probes/check.js';
import { hostMappingLines } from '../brands/brand.js';
import { reconcile } from '../core/reconcile.js';
import type { BrandDescription, ExecRequest, HostDifferences, InstallRequest, Prepared, ShutdownResult, SnapshotView, ZoneHost } from './zone-host.js';

const OS_NAME = { linux: 'Linux', freebsd: 'FreeBSD', illumos: 'illumos', solaris: 'Solaris' } as const;

export interface ToolHostTraits {
  differences: HostDifferences;
  /** What the host calls a zone ("jail", "zone"), and how a user removes one made by hand. */
  noun: string;
  removeByHand: string;
  /** Where zones live by default (zoneadm wants a root-owned 0700 zonepath of its own;
   * FreeBSD's handbook keeps jails under /usr/local/jails). */
  zonesDir: string;
  /** What a clean shutdown is called in messages (the host's own mechanism). */
  shutdownSignal: string;
  /** Whether a root holding an /etc can be adopted as an installed zone (import). */
  adoptsRoots: boolean;
  /** What the host has and lacks for zones (its doctor script), the store under stateRoot. */
  doctor(stateRoot: string): Promise<DoctorCheck[]>;
}

export class ToolHost implements ZoneHost {
  readonly kind;
  readonly target: string;
  readonly differences: HostDifferences;

  constructor(
    readonly backend: ToolBackend,
    readonly store: ZoneStore,
    private readonly traits: ToolHostTraits,
  ) {
    this.kind = backend.host.kind;
    this.target = backend.executor.target;
    this.differences = traits.differences;
  }

  defaultZonepath(name: string): string {
    return `${this.traits.zonesDir}/${name}`;
  }

  async brand(name: string, zone?: string): Promise<Brand> {
    const brand = await loadBrand(name);
    if (brand.hosts[this.kind] === undefined) {
      throw new ZoneError('refused', `brand "${brand.name}" does not run on ${OS_NAME[this.kind]} hosts (${this.target})`, {
        ...(zone === undefined ? {} : { zone }),
        hint: `it runs on: ${Object.keys(brand.hosts).join(', ')}`,
      });
    }
    return brand;
  }

  async assertNew(record: ZoneRecord, filling: boolean): Promise<void> {
    if (await this.backend.knows(record.name)) {
      throw new ZoneError('exists', `${this.target} already has a ${this.traits.noun} named "${record.name}" that zonectl did not make`, {
        zone: record.name,
        hint: `pick another name, or ${this.traits.removeByHand}`,
      });
    }
    // A clone fills a new zonepath; one that is there already is someone's data.
    if (filling && (await this.backend.executor.run(['test', '-e', record.zonepath])).code === 0) {
      throw new ZoneError('exists', `${record.zonepath} already exists on ${this.target}; zone "${record.name}" would be cloned into it`, {
        zone: record.name,
        hint: `remove it, or create ${record.name} with another zonepath and install it`,
      });
    }
  }

  configure(record: ZoneRecord, brand: Brand): Promise<void> {
    return this.backend.configure(record, brand);
  }

  unconfigure(record: ZoneRecord): Promise<void> {
    return this.backend.unconfigure(record);
  }

  /** A source (URL or a path on that host) or a release; recipes and Linux-only options
   * are refused by name. On failure the backend has undone what it made (only it knows
   * what was there before: an existing root is never removed). */
  async prepareInstall(record: ZoneRecord, brand: Brand, req: InstallRequest, emit: (e: InstallEvent) => void): Promise<Prepared<InstalledUserland>> {
    if (req.recipe !== undefined || req.inPlace === true || (req.mirrors ?? []).length > 0 || req.arch !== undefined) {
      throw new ZoneError('usage', `zone "${record.name}": on ${this.target}, install takes ${this.differences.installFrom}`, { zone: record.name });
    }
    const hostReq = {
      ...(req.source === undefined ? {} : { source: req.source }),
      ...(req.release === undefined ? {} : { release: req.release }),
      ...(req.identity === undefined ? {} : { identity: req.identity }),
    };
    return { run: () => this.backend.install(record, brand, hostReq, (line) => emit({ type: 'phase', zone: record.name, phase: 'host', message: line })) };
  }

  uninstall(record: ZoneRecord): Promise<void> {
    return this.backend.uninstall(record);
  }

  async prepareStart(record: ZoneRecord, _status: ZoneStatus, brand: Brand, mode: 'ready' | 'boot'): Promise<Prepared<void>> {
    // Refused before anything is written or run, not after.
    if (mode === 'ready' && !this.differences.hasReadyState) {
      throw new ZoneError('refused', `zone "${record.name}": ${this.differences.readyState}`, { zone: record.name, hint: `zonectl boot ${record.name}` });
    }
    return {
      status: { runtime: this.kind },
      run: () => (mode === 'ready' ? this.backend.ready(record, brand) : this.backend.boot(record, brand)),
    };
  }

  halt(record: ZoneRecord): Promise<void> {
    return this.backend.halt(record);
  }

  async shutdown(record: ZoneRecord, _status: ZoneStatus, _brand: Brand, timeoutMs: number): Promise<ShutdownResult> {
    // The userland's own shutdown (rc.shutdown, init 0) rather than a signal we send.
    return { clean: await this.backend.shutdown(record, timeoutMs), signal: this.traits.shutdownSignal };
  }

  /** Nothing of a stopped jail or zone is ours to free: the host's tools keep it. */
  async release(): Promise<void> {}

  async observe(zones: Array<{ record: ZoneRecord; status: ZoneStatus }>): Promise<Map<string, ZoneState | undefined>> {
    const states = await this.backend.states();
    return new Map(zones.map((z) => [z.record.name, states.get(z.record.name)]));
  }

  async details(record: ZoneRecord, _status: ZoneStatus, full: boolean): Promise<Partial<ZoneView>> {
    if (!full) return {};
    const usage = await this.backend.usage(record);
    return usage === undefined ? {} : { usage };
  }

  /** The host's word on whether it runs (a jail stopped by hand is not running). */
  private async assertRunning(record: ZoneRecord, status: ZoneStatus, verb: string): Promise<void> {
    const state = reconcile(status.state, (await this.backend.states()).get(record.name));
    if (state === 'running') return;
    throw new ZoneError('wrong-state', `cannot ${verb} zone "${record.name}": it is ${state}; ${verb} needs a running zone`, {
      zone: record.name,
      ...(state === 'installed' || state === 'ready' ? { hint: `run zonectl boot ${record.name} first` } : {}),
    });
  }

  async exec(record: ZoneRecord, status: ZoneStatus, req: ExecRequest): Promise<number> {
    await this.assertRunning(record, status, 'exec');
    // --cwd and --env through the zone's own sh and env (both in every jail and zone
    // userland; Bourne syntax for Solaris 10), the user through jexec -U / zlogin -l.
    const env = req.env.length === 0 ? [] : ['/usr/bin/env', ...req.env];
    const cwd = req.cwd === undefined ? [] : ['/bin/sh', '-c', 'cd "$1" || exit 1; shift; exec "$@"', 'sh', req.cwd];
    return this.backend.exec(record, [...cwd, ...env, ...req.argv], req.tty, req.user);
  }

  async login(record: ZoneRecord, status: ZoneStatus, user: string | undefined): Promise<number> {
    await this.assertRunning(record, status, 'login');
    return this.backend.login(record, user);
  }

  console(record: ZoneRecord): Promise<number> {
    return this.backend.console(record);
  }

  async prepareClone(source: ZoneRecord, _sourceStatus: ZoneStatus, target: ZoneRecord, brand: Brand): Promise<Prepared<void>> {
    return { run: () => this.backend.clone(source, target, brand) };
  }

  /** Not tracked by zonectl here: a clone is a ZFS clone, and zfs destroy itself refuses
   * an origin whose snapshots have clones, naming them (differences.promoteClones). */
  async clonesOf(): Promise<string[]> {
    return [];
  }

  async promoteClone(origin: ZoneRecord): Promise<void> {
    throw new ZoneError('refused', `--promote-clones (zone "${origin.name}"): ${this.differences.promoteClones}`, { zone: origin.name });
  }

  snapshotCreate(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<SnapshotView> {
    return this.backend.snapshotCreate(record, name);
  }

  snapshotList(record: ZoneRecord): Promise<SnapshotView[]> {
    return this.backend.snapshotList(record);
  }

  /** A ZFS snapshot frees its own space at once; there are no layers to count. */
  async snapshotDelete(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<number> {
    await this.backend.snapshotDestroy(record, name);
    return 0;
  }

  rollback(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<void> {
    return this.backend.rollback(record, name);
  }

  async describe(brand: Brand, zone?: { record: ZoneRecord; status: ZoneStatus }): Promise<BrandDescription> {
    const lines = [`brand: ${brand.name} (${brand.file})`, `  ${brand.description}`, ...hostMappingLines(brand)];
    if (zone !== undefined) lines.push(`zone ${zone.record.name} on ${this.target}:`, ...this.backend.describe(zone.record, brand).map((l) => `  ${l}`));
    return { text: lines.join('\n'), json: { brand, hosts: hostMappingLines(brand) } };
  }

  async doctor(): Promise<DoctorReport> {
    const checks = await this.traits.doctor(this.store.root);
    const h = this.backend.host;
    const host = { os: h.distro ?? h.kind, kernel: h.release, arch: h.machine, target: this.target };
    return { host, summary: `host: ${host.target}: ${host.os}, release ${host.kernel}, ${host.arch}`, checks, ok: checks.every((c) => c.status !== 'missing') };
  }

  async readHostFile(path: string): Promise<string | undefined> {
    const r = await this.backend.executor.run(['cat', path]);
    return r.code === 0 ? r.stdout : undefined;
  }

  async adopt(_record: ZoneRecord, root: string): Promise<InstalledUserland | undefined> {
    if (!this.traits.adoptsRoots) throw new ZoneError('refused', `import makes zones of jails on a FreeBSD host; ${this.target} is not one`);
    if ((await this.backend.executor.run(['test', '-d', `${root}/etc`])).code !== 0) return undefined;
    return { method: 'import', source: root, arch: this.backend.host.machine, installedAt: new Date().toISOString() };
  }
}
