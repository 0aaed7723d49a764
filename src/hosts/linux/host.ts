// A Linux host: a zone is an OCI container run by runc (or crun), its root kept by a
// storage driver, its boot shaped by the brand's plan and checked by the ABI gates.
// This composes those pieces behind the ZoneHost interface.
import { readFile, rm } from 'node:fs/promises';
import { asLinuxBrand, hostMappingLines, loadBrand, type Brand, type LinuxBrand } from '../../brands/brand.js';
import { makeBootPlan } from '../../brands/plan.js';
import { prepareUserland } from '../../brands/prepare.js';
import { LinuxBackend } from '../../backends/linux/backend.js';
import type { RuntimeState, ZoneHandle } from '../../backends/linux/types.js';
import { configValue } from '../../core/config.js';
import { ZoneError } from '../../core/errors.js';
import { mayHaveRuntime } from '../../core/reconcile.js';
import type { ZoneStore } from '../../core/store.js';
import { zoneRoot, type Emulation, type InstalledUserland, type ZoneRecord, type ZoneState, type ZoneStatus, type ZoneView } from '../../core/zone.js';
import type { InstallEvent } from '../../install/methods.js';
import type { DoctorReport } from '../../probes/check.js';
import type { BrandDescription, ExecRequest, HostDifferences, InstallRequest, Prepared, ShutdownResult, SnapshotView, ZoneHost } from '../zone-host.js';
import { assertVsyscall, ia32Reason } from './abi-gates.js';
import { chooseEmulation, emulatorBinary, emulatorFor, HANDLER_PREFIX, registerHandler, removeUnusedHandlers, type EmulationSetting } from '../../backends/linux/emulation.js';
import { abiOfArch, hostAbi, interpreterVersion, probeAbi } from '../../probes/abi.js';
import { assertBrandHostFeatures } from './brand-features.js';
import { execInZone, loginZone } from './enter.js';
import * as storage from './storage.js';

export const LINUX_DIFFERENCES: HostDifferences = {
  hasReadyState: true,
  readyState: 'namespaces and mounts set up, init not started (runc create)',
  failedInstallLeaves: 'incomplete',
  installFrom: 'a recipe (--recipe, --arch, --mirror), a directory, archive or image (--source PATH|URL, --in-place), or the brand skeleton',
  installsRecipes: true,
  cloneBy: 'the storage driver: an overlay layer both zones share, a btrfs snapshot, or a reflink copy',
  cloneAddress: 'auto',
  promotesClones: true,
  promoteClones: 'the clones keep the layers they share; only their dependency on the origin is dropped',
  shutdownBy: "the userland's halt signal to its init (the brand's or recipe's), then kill after --timeout",
  console: "none: login enters the zone; the init writes to the zone's console.log",
  execOptions: "zonectl (the zone's /etc/passwd, its PATH)",
  caps: 'cgroups through the OCI runtime',
  importsJails: false,
};

/** What the runtime reports, as a zone state (undefined: nothing to say). */
export function observedOf(stored: ZoneState, runtime: RuntimeState): ZoneState | undefined {
  if (!mayHaveRuntime(stored)) return undefined;
  if (runtime === 'running' || runtime === 'paused') return 'running';
  if (runtime === 'created') return 'ready';
  return 'installed';
}

export class LinuxHost implements ZoneHost {
  readonly kind = 'linux' as const;
  readonly target = 'this machine';
  readonly differences = LINUX_DIFFERENCES;
  private readonly backends = new Map<string, LinuxBackend>();

  /** `runtime`: --runtime, which overrides the zones' runtime config for boots of this run. */
  constructor(
    readonly store: ZoneStore,
    private readonly runtime?: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  handle(name: string): ZoneHandle {
    return { name, dir: this.store.dir(name) };
  }

  /** The runtime a boot would use now: --runtime, else the zone's config. */
  runtimeFor(record: ZoneRecord): string {
    return this.runtime ?? configValue(record.config, 'runtime') ?? 'runc';
  }

  /** The backend that runs (or would run) this zone: the one it booted with, if any. */
  backendFor(record: ZoneRecord, status: ZoneStatus): LinuxBackend {
    return this.backend(status.runtime ?? this.runtimeFor(record));
  }

  backend(runtime: string): LinuxBackend {
    let b = this.backends.get(runtime);
    if (b === undefined) {
      b = new LinuxBackend(this.store.root, runtime);
      this.backends.set(runtime, b);
    }
    return b;
  }

  defaultZonepath(name: string): string {
    return this.store.defaultZonepath(name);
  }

  async brand(name: string): Promise<LinuxBrand> {
    return asLinuxBrand(await loadBrand(name));
  }

  /** Nothing but zonectl names Linux zones: a leftover container of the name is removed at boot. */
  async assertNew(): Promise<void> {}

  async configure(_record: ZoneRecord, brand: Brand): Promise<void> {
    asLinuxBrand(brand);
  }

  async unconfigure(): Promise<void> {}

  // Install, describe and doctor load their modules when they run: exec and boot, which
  // share this file, must not pay for them at start-up (scripts/build.mjs).
  async prepareInstall(record: ZoneRecord, brand: Brand, req: InstallRequest, emit: (e: InstallEvent) => void): Promise<Prepared<InstalledUserland>> {
    return (await import('./install.js')).prepareLinuxInstall(this, record, asLinuxBrand(brand), req, emit);
  }

  /** The root, unmounted and forgotten by its storage driver, then removed. */
  async removeRoot(record: ZoneRecord): Promise<void> {
    await storage.removeLayeredRoot(this.store, record);
    await rm(zoneRoot(record.zonepath), { recursive: true, force: true });
  }

  async uninstall(record: ZoneRecord, status: ZoneStatus): Promise<void> {
    await this.removeRoot(record);
    await this.backendFor(record, status).removeFiles(this.handle(record.name));
  }

  async prepareStart(record: ZoneRecord, status: ZoneStatus, anyBrand: Brand, mode: 'ready' | 'boot'): Promise<Prepared<void>> {
    const brand = asLinuxBrand(anyBrand);
    const name = record.name;
    const fromReady = status.state === 'ready';
    // A layered root is mounted (after a host reboot) and any interrupted step finished.
    if (!fromReady) await storage.ensureRoot(this.store, record);
    await assertBrandHostFeatures(brand, name);
    const runtime = fromReady ? (status.runtime ?? this.runtimeFor(record)) : this.runtimeFor(record);
    const backend = this.backend(runtime);
    const plan = await makeBootPlan(record, status, brand, () => backend.unameShim());
    // Ready's choice stands for its boot; a fresh start chooses (and registers) anew.
    let emulation = fromReady ? status.emulation : await this.emulationFor(record, status.userland?.arch ?? process.arch);
    // QEMU answers uname itself, and raises a release below its own minimum (2.4.21 would
    // read 3.8.0 on arm64): told the zone's kernel-version, it reports exactly that.
    if (emulation?.mode === 'qemu' && plan.kernel.requested !== undefined) {
      emulation = { ...emulation, release: plan.kernel.requested };
      plan.env.push(`QEMU_UNAME=${plan.kernel.requested}`);
    }
    if (!fromReady) {
      await assertVsyscall(plan);
      // The brand's boot-time fixups, before the zone's init can see its files.
      const prepared = await prepareUserland(plan, brand, this.store.dir(name));
      for (const w of prepared.warnings) this.warn(`zone "${name}": ${w}`);
    }
    return {
      status: { runtime, personality: plan.personality, ...(emulation === undefined ? {} : { emulation }) },
      run: () => (mode === 'ready' ? backend.ready(this.handle(name), plan) : backend.boot(this.handle(name), plan, fromReady)),
    };
  }

  async halt(record: ZoneRecord, status: ZoneStatus): Promise<void> {
    await this.backendFor(record, status).halt(this.handle(record.name));
    if (status.emulation?.handler?.startsWith(HANDLER_PREFIX) === true) await this.pruneHandlers(record.name);
  }

  /** How the zone's programs (at boot, or an install's steps in its root) will run: natively where this host runs its ABI (found by
   * executing a program of it), else under QEMU, with zonectl's binfmt_misc handler
   * registered for it; as the zone's emulation setting allows. */
  async emulationFor(record: ZoneRecord, nodeArch: string): Promise<Emulation | undefined> {
    const abi = abiOfArch(nodeArch);
    if (abi === undefined) return undefined;
    const setting = (configValue(record.config, 'emulation') ?? 'auto') as EmulationSetting;
    // Node itself runs as the host's own ABI: nothing to find out by executing.
    if (abi === hostAbi() && setting !== 'qemu') return { mode: 'native' };
    const probe = probeAbi(abi, this.store.root);
    const why = probe.mode === 'cannot run' && abi === 'i386' ? await ia32Reason() : undefined;
    const choice = chooseEmulation(record.name, abi, setting, probe, emulatorFor(abi) !== undefined, why);
    if (choice !== 'register') return choice;
    const handler = await registerHandler(abi);
    return { mode: 'qemu', handler, emulator: interpreterVersion(emulatorBinary(abi)) };
  }

  /** zonectl's binfmt_misc handlers that no ready or running zone but `except` uses go. */
  async pruneHandlers(except: string): Promise<void> {
    const names = (await this.store.names()).filter((n) => n !== except);
    const inUse = new Set<string>();
    for (const read of await this.store.readMany(names)) {
      try {
        const z = read();
        const h = z?.status.emulation?.handler;
        if (h !== undefined && mayHaveRuntime(z?.status.state ?? 'configured')) inUse.add(h);
      } catch {
        // A zone that cannot be read: keep what it might use.
        return;
      }
    }
    removeUnusedHandlers(inUse);
  }

  async shutdown(record: ZoneRecord, status: ZoneStatus, anyBrand: Brand, timeoutMs: number): Promise<ShutdownResult> {
    const brand = asLinuxBrand(anyBrand);
    const backend = this.backendFor(record, status);
    const plan = await makeBootPlan(record, status, brand, () => backend.unameShim());
    await backend.signal(this.handle(record.name), plan.haltSignalNumber);
    const clean = await backend.waitForStop(this.handle(record.name), timeoutMs);
    return { clean, signal: plan.init.haltSignal };
  }

  release(record: ZoneRecord, status: ZoneStatus): Promise<void> {
    return this.halt(record, status);
  }

  async observe(zones: Array<{ record: ZoneRecord; status: ZoneStatus }>): Promise<Map<string, ZoneState | undefined>> {
    const out = new Map<string, ZoneState | undefined>();
    const asked = zones.filter((z) => mayHaveRuntime(z.status.state));
    if (asked.length === 1) {
      // One zone (info, a verb): the runtime's state of that container alone.
      const [z] = asked as [{ record: ZoneRecord; status: ZoneStatus }];
      out.set(z.record.name, observedOf(z.status.state, await this.backendFor(z.record, z.status).state(this.handle(z.record.name))));
      return out;
    }
    // Many (list): one runtime listing per runtime in use, not one call per zone.
    const listings = new Map<string, Map<string, RuntimeState>>();
    for (const z of asked) {
      const rt = z.status.runtime ?? this.runtimeFor(z.record);
      if (!listings.has(rt)) listings.set(rt, await this.backend(rt).states());
      out.set(z.record.name, observedOf(z.status.state, listings.get(rt)?.get(z.record.name) ?? 'absent'));
    }
    return out;
  }

  async details(record: ZoneRecord, status: ZoneStatus, full: boolean): Promise<Partial<ZoneView>> {
    const backend = this.backendFor(record, status);
    const zone = this.handle(record.name);
    const helpers = await backend.helpers(zone);
    const out: Partial<ZoneView> = helpers.length === 0 ? {} : { helpers };
    if (!full) return out;
    const [usage, addresses] = await Promise.all([backend.usage(zone), backend.addresses(zone)]);
    return { ...out, ...(usage === undefined ? {} : { usage }), ...(addresses.length === 0 ? {} : { addresses }) };
  }

  exec(record: ZoneRecord, status: ZoneStatus, req: ExecRequest): Promise<number> {
    return execInZone(this, record, status, req);
  }

  async login(record: ZoneRecord, status: ZoneStatus, user: string | undefined): Promise<number> {
    return loginZone(this, record, status, await this.brand(record.brand), user);
  }

  async console(record: ZoneRecord): Promise<number> {
    throw new ZoneError('refused', `zones on Linux hosts have no console device (zone "${record.name}")`, {
      zone: record.name,
      hint: `zonectl login ${record.name} gives a shell; the init's output is in the zone's console.log (zonectl info ${record.name})`,
    });
  }

  prepareClone(source: ZoneRecord, sourceStatus: ZoneStatus, target: ZoneRecord): Promise<Prepared<void>> {
    return storage.prepareCloneRoot(this.store, { record: source, status: sourceStatus }, target);
  }

  clonesOf(record: ZoneRecord): Promise<string[]> {
    return storage.clonesOf(this.store, record.name);
  }

  promoteClone(_origin: ZoneRecord, clone: ZoneRecord): Promise<void> {
    return storage.promoteClone(this.store, clone.name);
  }

  snapshotCreate(record: ZoneRecord, status: ZoneStatus, name: string): Promise<SnapshotView> {
    return storage.snapshotCreate(this.store, { record, status }, name);
  }

  snapshotList(record: ZoneRecord): Promise<SnapshotView[]> {
    return storage.snapshotList(this.store, record.name);
  }

  snapshotDelete(record: ZoneRecord, status: ZoneStatus, name: string): Promise<number> {
    return storage.snapshotDelete(this.store, { record, status }, name);
  }

  rollback(record: ZoneRecord, status: ZoneStatus, name: string): Promise<void> {
    return storage.rollbackRoot(this.store, { record, status }, name);
  }

  async describe(brand: Brand, zone?: { record: ZoneRecord; status: ZoneStatus }): Promise<BrandDescription> {
    if (brand.hosts.linux === undefined) {
      const lines = [`brand: ${brand.name} (${brand.file})`, `  ${brand.description}`, ...hostMappingLines(brand)];
      return { text: lines.join('\n'), json: { brand, hosts: hostMappingLines(brand) } };
    }
    return (await import('./describe.js')).describeOnLinux(this, asLinuxBrand(brand), zone);
  }

  async doctor(): Promise<DoctorReport> {
    return (await import('./doctor.js')).runDoctor({ stateRoot: this.store.root, ...(this.runtime === undefined ? {} : { runtime: this.runtime }) });
  }

  readHostFile(path: string): Promise<string | undefined> {
    return readFile(path, 'utf8').catch(() => undefined);
  }

  async adopt(): Promise<InstalledUserland | undefined> {
    throw new ZoneError('refused', 'import makes zones of jails on a FreeBSD host; this is not one', {
      hint: 'run it with --host FREEBSD-HOST, or add --dry-run to see the zones the file describes',
    });
  }
}
