// A ZoneHost that does nothing but record what the verbs ask of it, in order, and
// answer as a test scripts it: which calls fail, what the host observes of each zone.
// With the real differences of each host kind (Linux, FreeBSD, illumos), it shows that
// every verb takes the same path on every host and that a host's difference is the only
// thing that changes what users see.
import type { Brand } from '../src/brands/brand.js';
import { loadBrand } from '../src/brands/brand.js';
import { ZoneError } from '../src/core/errors.js';
import type { ZoneStore } from '../src/core/store.js';
import type { InstalledUserland, ZoneRecord, ZoneState, ZoneStatus, ZoneView } from '../src/core/zone.js';
import type { DoctorReport } from '../src/probes/check.js';
import type { BrandDescription, ExecRequest, HostDifferences, HostKind, InstallRequest, Prepared, ShutdownResult, SnapshotView, ZoneHost } from '../src/hosts/zone-host.js';

export interface Call {
  method: string;
  zone?: string;
  /** The zone's stored state when the host was called (what the verb had recorded). */
  stored?: ZoneState;
  detail?: unknown;
}

export class ScriptedHost implements ZoneHost {
  readonly calls: Call[] = [];
  /** Methods (or "method:zone") that throw when called. */
  readonly failing = new Set<string>();
  /** What the host says of a zone (undefined: nothing). */
  readonly observed = new Map<string, ZoneState | undefined>();
  readonly target = 'scripted';
  private readonly snapshots = new Map<string, SnapshotView[]>();
  clones: string[] = [];

  constructor(
    readonly kind: HostKind,
    readonly differences: HostDifferences,
    readonly store: ZoneStore,
  ) {}

  private async record(method: string, zone?: string, detail?: unknown): Promise<void> {
    const stored = zone === undefined ? undefined : (await this.store.tryRead(zone))?.status.state;
    this.calls.push({ method, ...(zone === undefined ? {} : { zone }), ...(stored === undefined ? {} : { stored }), ...(detail === undefined ? {} : { detail }) });
    if (this.failing.has(method) || (zone !== undefined && this.failing.has(`${method}:${zone}`))) {
      throw new ZoneError('runtime', `scripted failure of ${method}${zone === undefined ? '' : ` on zone "${zone}"`}`, zone === undefined ? {} : { zone });
    }
  }

  /** The calls' method names, in order (the host's view of a verb). */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  defaultZonepath(name: string): string {
    return `/zones/${name}`;
  }

  async brand(name: string): Promise<Brand> {
    return loadBrand(name);
  }

  assertNew(record: ZoneRecord, filling: boolean): Promise<void> {
    return this.record('assertNew', record.name, { filling });
  }

  configure(record: ZoneRecord): Promise<void> {
    return this.record('configure', record.name, { config: record.config });
  }

  unconfigure(record: ZoneRecord): Promise<void> {
    return this.record('unconfigure', record.name);
  }

  async prepareInstall(record: ZoneRecord, _brand: Brand, req: InstallRequest): Promise<Prepared<InstalledUserland>> {
    await this.record('prepareInstall', record.name, req);
    return {
      run: async () => {
        await this.record('install', record.name);
        return { method: 'source', arch: 'amd64', installedAt: new Date().toISOString(), ...(req.source === undefined ? {} : { source: req.source }) };
      },
    };
  }

  uninstall(record: ZoneRecord): Promise<void> {
    return this.record('uninstall', record.name);
  }

  async prepareStart(record: ZoneRecord, _status: ZoneStatus, _brand: Brand, mode: 'ready' | 'boot'): Promise<Prepared<void>> {
    await this.record('prepareStart', record.name, mode);
    if (mode === 'ready' && !this.differences.hasReadyState) {
      throw new ZoneError('refused', `zone "${record.name}": ${this.differences.readyState}`, { zone: record.name });
    }
    return {
      status: { runtime: `${this.kind}-runtime` },
      run: async () => {
        await this.record(mode, record.name);
        this.observed.set(record.name, mode === 'ready' ? 'ready' : 'running');
      },
    };
  }

  async halt(record: ZoneRecord): Promise<void> {
    await this.record('halt', record.name);
    this.observed.delete(record.name);
  }

  async shutdown(record: ZoneRecord, _status: ZoneStatus, _brand: Brand, timeoutMs: number): Promise<ShutdownResult> {
    await this.record('shutdown', record.name, { timeoutMs });
    return { clean: true, signal: this.differences.shutdownBy };
  }

  release(record: ZoneRecord): Promise<void> {
    return this.record('release', record.name);
  }

  async observe(zones: Array<{ record: ZoneRecord; status: ZoneStatus }>): Promise<Map<string, ZoneState | undefined>> {
    await this.record(
      'observe',
      undefined,
      zones.map((z) => z.record.name),
    );
    return new Map(zones.map((z) => [z.record.name, this.observed.get(z.record.name)]));
  }

  async details(_record: ZoneRecord, _status: ZoneStatus, full: boolean): Promise<Partial<ZoneView>> {
    return full ? { usage: { processes: 1 } } : {};
  }

  async exec(record: ZoneRecord, _status: ZoneStatus, req: ExecRequest): Promise<number> {
    await this.record('exec', record.name, req);
    return 7;
  }

  async login(record: ZoneRecord, _status: ZoneStatus, user: string | undefined): Promise<number> {
    await this.record('login', record.name, user);
    return 0;
  }

  async console(record: ZoneRecord): Promise<number> {
    await this.record('console', record.name);
    return 0;
  }

  async prepareClone(source: ZoneRecord, _status: ZoneStatus, target: ZoneRecord): Promise<Prepared<void>> {
    await this.record('prepareClone', source.name, { target: target.name, targetExists: await this.store.exists(target.name) });
    return { run: () => this.record('clone', target.name, { from: source.name, config: target.config }) };
  }

  async clonesOf(record: ZoneRecord): Promise<string[]> {
    await this.record('clonesOf', record.name);
    return this.clones;
  }

  async promoteClone(origin: ZoneRecord, clone: ZoneRecord): Promise<void> {
    await this.record('promoteClone', clone.name, origin.name);
    this.clones = this.clones.filter((c) => c !== clone.name);
  }

  async snapshotCreate(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<SnapshotView> {
    await this.record('snapshotCreate', record.name, name);
    const s = { name, createdAt: new Date().toISOString(), bytes: 0 };
    this.snapshots.set(record.name, [...(this.snapshots.get(record.name) ?? []), s]);
    return s;
  }

  async snapshotList(record: ZoneRecord): Promise<SnapshotView[]> {
    await this.record('snapshotList', record.name);
    return this.snapshots.get(record.name) ?? [];
  }

  async snapshotDelete(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<number> {
    await this.record('snapshotDelete', record.name, name);
    this.snapshots.set(
      record.name,
      (this.snapshots.get(record.name) ?? []).filter((s) => s.name !== name),
    );
    return 0;
  }

  rollback(record: ZoneRecord, _status: ZoneStatus, name: string): Promise<void> {
    return this.record('rollback', record.name, name);
  }

  async describe(brand: Brand): Promise<BrandDescription> {
    await this.record('describe', undefined, brand.name);
    return { text: brand.name, json: { brand: brand.name } };
  }

  async doctor(): Promise<DoctorReport> {
    await this.record('doctor');
    return { host: { os: this.kind, kernel: '1', arch: 'x' }, summary: this.kind, checks: [], ok: true };
  }

  async readHostFile(): Promise<string | undefined> {
    return undefined;
  }

  async adopt(record: ZoneRecord, root: string): Promise<InstalledUserland | undefined> {
    await this.record('adopt', record.name, root);
    return undefined;
  }
}
