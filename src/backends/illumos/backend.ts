// The illumos and Solaris backend: zonecfg keeps the zone's configuration, zoneadm moves
// it through its states, zlogin enters it. Every call is an argument vector through the
// Executor (this machine, or the host over ssh); the one file we write on the host, the
// zonecfg command file, goes through stdin and is removed after use.
import { randomBytes } from 'node:crypto';
import { ZoneError } from '../../core/errors.js';
import { configValue } from '../../core/config.js';
import { printable, type InstalledUserland, type ZoneRecord, type ZoneState } from '../../core/zone.js';
import { lastLine, mustRun, type Executor } from '../../hosts/executor.js';
import type { HostOs } from '../../hosts/host-os.js';
import { brandNames, loadBrand, type Brand } from '../../brands/brand.js';
import type { DoctorCheck } from '../../doctor/doctor.js';
import type { ZoneUsage } from '../backend.js';
import type { InstallRequest, ManagedBackend, ManagedSnapshot, ProgressSink } from '../managed.js';
import { DOCTOR_SCRIPT, doctorChecks, parseDoctorProbe } from './doctor.js';
import { describeHost, hostZoneBrand, resolveHostBrand, type HostZoneBrand } from './host-brand.js';
import { downloadPath, fetchOnHost, imageFlagByFileOutput, imageFlagByName, isDatasetName, isUrl, type ImageFlag } from './install-source.js';
import { parseUsage, usageSelectors } from './kstat-usage.js';
import { zoneToZonecfg } from './zone-config.js';
import { netPhysicals, vnicName } from './zone-net.js';
import { ZoneSnapshots } from './zfs-snapshots.js';
import { parseZoneList, type ZoneListEntry } from './zoneadm.js';
import { writeZonecfg, type WriteOptions } from './zonecfg-writer.js';

export interface IllumosBackendOptions {
  /** Waits between state polls (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** The random part of temporary file names on the host (tests fix it). */
  random?: () => string;
  pollMs?: number;
  /** The zonectl brands doctor weighs against the host's (default: every brand file). */
  brands?: () => Promise<Brand[]>;
}

/** An argument as the zone's shell reads it: zlogin joins a utility's arguments with
 * spaces and hands the line to `su -c` in the zone (zlogin.c prep_args()). */
export function zoneShellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Node-style architecture of a zone's userland from the host's uname -m. */
function userlandArch(machine: string): string {
  if (machine === 'i86pc') return 'x64';
  if (machine.startsWith('sun4')) return 'sparc';
  return machine;
}

// Resource types and globals an installed zone's configuration is cleared of before it
// is set again (create is refused once a zone is installed). Each host knows only some:
// an unknown name fails the whole command file.
function removableTypes(host: HostOs): string[] {
  const types = ['fs', 'net', 'device', 'rctl', 'attr', 'dataset', 'dedicated-cpu', 'capped-cpu', 'capped-memory'];
  if (host.distro !== 'solaris10') types.push('admin');
  if (host.kind === 'illumos') types.push('security-flags');
  if (host.distro === 'solaris11') types.push('anet');
  return types;
}

function clearableGlobals(host: HostOs): string[] {
  const globals = ['autoboot', 'bootargs', 'pool', 'limitpriv', 'scheduling-class', 'cpu-shares', 'max-lwps', 'max-shm-memory', 'max-shm-ids', 'max-msg-ids', 'max-sem-ids'];
  if (host.distro !== 'solaris10') globals.push('hostid', 'fs-allowed', 'max-processes');
  return globals;
}

/** Progress without the blank lines tools print between their steps. */
function nonEmpty(progress: ProgressSink): (line: string) => void {
  return (line) => {
    if (line.trim() !== '') progress(line);
  };
}

/** Every brand file that loads; a broken one is left out of doctor's brand check (the
 * verbs using it say what is wrong with it). */
async function allBrands(): Promise<Brand[]> {
  const out: Brand[] = [];
  for (const name of brandNames()) {
    try {
      out.push(await loadBrand(name));
    } catch {
      // Left out, as said.
    }
  }
  return out;
}

function probeFailed(target: string, why: string): DoctorCheck {
  return { id: 'probe', title: 'host probe', status: 'missing', detail: `the probe script could not run on ${target}: ${why}` };
}

export class IllumosBackend implements ManagedBackend {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => string;
  private readonly pollMs: number;
  private readonly brands: () => Promise<Brand[]>;
  private readonly snapshots: ZoneSnapshots;

  constructor(
    readonly executor: Executor,
    readonly host: HostOs,
    opts: IllumosBackendOptions = {},
  ) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? (() => randomBytes(8).toString('hex'));
    this.pollMs = opts.pollMs ?? 500;
    this.brands = opts.brands ?? allBrands;
    this.snapshots = new ZoneSnapshots(executor, host);
  }

  private zoneadm(zone: string, ...verb: string[]): Promise<unknown> {
    return mustRun(this.executor, ['zoneadm', '-z', zone, ...verb], { zone });
  }

  private async list(): Promise<ZoneListEntry[]> {
    const r = await mustRun(this.executor, ['zoneadm', 'list', '-cp']);
    return parseZoneList(r.stdout);
  }

  private async entry(zone: string): Promise<ZoneListEntry | undefined> {
    return (await this.list()).find((z) => z.name === zone);
  }

  /** Writes the command file on the host (mode 600), runs zonecfg -f, removes it. */
  private async applyZonecfg(zone: string, text: string): Promise<void> {
    const file = `/tmp/zonectl.${this.random()}.zonecfg`;
    await mustRun(this.executor, ['sh', '-c', 'umask 077; cat > "$1"', 'sh', file], { zone, input: text });
    try {
      await mustRun(this.executor, ['zonecfg', '-z', zone, '-f', file], { zone });
    } finally {
      await this.executor.run(['rm', '-f', file]);
    }
  }

  async configure(record: ZoneRecord, brand: Brand): Promise<void> {
    const hb = hostZoneBrand(record, brand, this.host);
    const model = zoneToZonecfg(record, hb.zoneBrand);
    const zones = await this.list();
    await this.refuseVnicClash(record, zones);
    const current = zones.find((z) => z.name === record.name);
    const opts: WriteOptions =
      current === undefined
        ? { mode: 'new' }
        : current.state === 'configured' || current.state === 'incomplete'
          ? { mode: 'overwrite' }
          : { mode: 'update', removeTypes: removableTypes(this.host), clearGlobals: clearableGlobals(this.host) };
    await this.applyZonecfg(record.name, writeZonecfg(model, opts));
  }

  /** Two zone names that differ only in '.', '-' or past 30 characters get the same
   * VNIC; the second zone to be configured with one is refused here, naming the first,
   * rather than failing at boot on the duplicate link. */
  private async refuseVnicClash(record: ZoneRecord, zones: ZoneListEntry[]): Promise<void> {
    if (configValue(record.config, 'ip-type') === 'shared' || record.config['net-interface'] === undefined) return;
    const vnic = vnicName(record.name);
    for (const other of zones.filter((z) => z.name !== record.name && vnicName(z.name) === vnic)) {
      // Only a zone whose net really is that VNIC clashes (it may have no net, or its own name).
      const r = await this.executor.run(['zonecfg', '-z', other.name, 'info', 'net']);
      if (r.code === 0 && !netPhysicals(r.stdout).includes(vnic)) continue;
      throw new ZoneError('invalid-config', `zone "${record.name}" would get VNIC ${vnic}, which zone "${other.name}" has already: a VNIC name keeps only the letters, digits and '_' of the first 30 characters of the zone's`, {
        zone: record.name,
        hint: `choose a zone name that differs from "${other.name}" in a letter, digit or '_' within its first 30 characters, or use ip-type shared`,
      });
    }
  }

  async unconfigure(record: ZoneRecord): Promise<void> {
    const argv = ['zonecfg', '-z', record.name, 'delete', '-F'];
    const r = await this.executor.run(argv);
    // Already gone from the host is what was asked for.
    if (r.code !== 0 && (await this.entry(record.name)) !== undefined) {
      throw new ZoneError('runtime', `${argv.join(' ')} failed${this.where()}: ${lastLine(r)}`, { zone: record.name });
    }
  }

  private where(): string {
    return this.executor.target === 'local' ? '' : ` on ${this.executor.target}`;
  }

  async install(record: ZoneRecord, brand: Brand, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
    const hb = hostZoneBrand(record, brand, this.host);
    const cleanup: string[] = [];
    try {
      const args = await this.installArgs(record, brand, hb, req, progress, cleanup);
      const argv = ['zoneadm', '-z', record.name, 'install', ...args];
      progress(`${argv.join(' ')}`);
      // Each line of zoneadm's as it comes: an install runs for minutes.
      const r = await this.executor.run(argv, { onLine: nonEmpty(progress) });
      if (r.code !== 0) {
        // What zoneadm said last on stderr is the reason; its stdout is progress.
        const said = lastLine(r.stderr.trim() === '' ? r : { ...r, stdout: '' });
        const cleared = await this.clearIncomplete(record.name);
        throw new ZoneError('install-failed', `${argv.join(' ')} failed${this.where()}: ${said}`, {
          zone: record.name,
          hint: cleared ? 'the zone is configured again; fix the cause and install again' : `the zone may be left incomplete on the host: zoneadm -z ${record.name} uninstall -F clears it`,
        });
      }
    } finally {
      for (const f of cleanup) await this.executor.run(['rm', '-f', f]);
    }
    return {
      method: hb.install === 'packages' ? 'packages' : 'source',
      ...(req.source === undefined ? {} : { source: req.source }),
      arch: userlandArch(this.host.machine),
      installedAt: new Date(this.now()).toISOString(),
    };
  }

  /** A failed zoneadm install leaves the zone incomplete, where zoneadm accepts only
   * uninstall: clear it so the zone is configured again (the ManagedBackend contract).
   * True when the zone is configured afterwards. */
  private async clearIncomplete(zone: string): Promise<boolean> {
    const state = (await this.entry(zone).catch(() => undefined))?.state;
    if (state === 'configured') return true;
    if (state !== 'incomplete') return false;
    return (await this.executor.run(['zoneadm', '-z', zone, 'uninstall', '-F'])).code === 0;
  }

  /** zoneadm install's options for the brand's way of installing. */
  private async installArgs(record: ZoneRecord, brand: Brand, hb: HostZoneBrand, req: InstallRequest, progress: ProgressSink, cleanup: string[]): Promise<string[]> {
    const zone = record.name;
    if (hb.install === 'packages') {
      if (req.source !== undefined) {
        throw new ZoneError('usage', `brand ${brand.name} installs from the host's packages (zone brand ${hb.zoneBrand}); it takes no source`, { zone });
      }
      return [];
    }
    if (req.source === undefined) {
      const what = hb.install === 'image' ? 'a ZFS stream (.zfs, .zfs.gz), dataset or tarball (.tar, .tar.gz)' : 'a system archive (flash archive, cpio, pax, ufsdump)';
      throw new ZoneError('usage', `brand ${brand.name} installs from ${what}: give a source path on the host or a URL`, { zone });
    }
    if (hb.install === 'archive') {
      // Decided before anything is downloaded: zoneadm refuses an archive install without it.
      if (req.identity === undefined) {
        throw new ZoneError('usage', `brand ${brand.name} installs a whole system's archive and needs its identity decided`, {
          zone,
          hint: 'choose identity unconfigure (zoneadm -u: sys-unconfig, a fresh identity at first boot) or preserve (-p: the archived hostname and addresses)',
        });
      }
      const path = await this.hostPath(req.source, zone, progress, cleanup);
      return ['-a', path, req.identity === 'unconfigure' ? '-u' : '-p'];
    }
    const byName = imageFlagByName(req.source);
    // pool/ds[@snap]: -s clones it (OmniOS lx); images/x.tar.gz is a relative path instead.
    if (byName === undefined && isDatasetName(req.source)) return ['-s', req.source];
    const path = await this.hostPath(req.source, zone, progress, cleanup);
    return [byName ?? (await this.imageFlagByContent(path, zone)), path];
  }

  /** The source as an absolute path on the host, downloading a URL first. */
  private async hostPath(source: string, zone: string, progress: ProgressSink, cleanup: string[]): Promise<string> {
    if (isUrl(source)) {
      const dest = downloadPath(source, this.random());
      progress(`downloading ${source}`);
      cleanup.push(dest);
      await fetchOnHost(this.executor, source, dest, zone, nonEmpty(progress));
      return dest;
    }
    if (!source.startsWith('/')) {
      throw new ZoneError('usage', `source "${printable(source)}" must be an absolute path on the host or a URL`, { zone });
    }
    return source;
  }

  private async imageFlagByContent(path: string, zone: string): Promise<ImageFlag> {
    const r = await mustRun(this.executor, ['file', path], { zone });
    const flag = imageFlagByFileOutput(r.stdout);
    if (flag === undefined) {
      throw new ZoneError('usage', `cannot tell whether ${printable(path)} is a ZFS stream or a tarball (file says: ${printable(r.stdout.trim())})`, {
        zone,
        hint: 'name it .zfs or .zfs.gz (zfs send stream) or .tar, .tar.gz, .tar.xz (tarball)',
      });
    }
    return flag;
  }

  async uninstall(record: ZoneRecord): Promise<void> {
    await this.zoneadm(record.name, 'uninstall', '-F');
  }

  async ready(record: ZoneRecord): Promise<void> {
    await this.zoneadm(record.name, 'ready');
  }

  async boot(record: ZoneRecord): Promise<void> {
    await this.zoneadm(record.name, 'boot');
  }

  async halt(record: ZoneRecord): Promise<void> {
    const argv = ['zoneadm', '-z', record.name, 'halt'];
    const r = await this.executor.run(argv);
    if (r.code === 0) return;
    // Idempotent: a zone that is already down is halted.
    const state = (await this.entry(record.name))?.state;
    if (state === 'installed' || state === 'configured' || state === 'incomplete') return;
    throw new ZoneError('runtime', `${argv.join(' ')} failed${this.where()}: ${lastLine(r)}`, { zone: record.name });
  }

  async shutdown(record: ZoneRecord, timeoutMs: number): Promise<boolean> {
    const before = (await this.entry(record.name))?.state;
    if (before === 'installed' || before === 'configured' || before === undefined) return true;
    // A ready zone runs nothing to shut down cleanly: the caller halts it.
    if (before === 'ready') return false;
    if (before === 'running') await this.zoneadm(record.name, 'shutdown');
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const state = (await this.entry(record.name))?.state;
      if (state === 'installed' || state === undefined) return true;
      const left = deadline - this.now();
      if (left <= 0) return false;
      await this.sleep(Math.min(this.pollMs, left));
    }
  }

  async reboot(record: ZoneRecord): Promise<void> {
    await this.zoneadm(record.name, 'reboot');
  }

  /** zoneadm list -c shows every zone the host has, configured ones included. */
  async knows(name: string): Promise<boolean> {
    return (await this.states()).has(name);
  }

  async states(): Promise<Map<string, ZoneState>> {
    return new Map((await this.list()).map((z) => [z.name, z.state]));
  }

  async exec(record: ZoneRecord, argv: string[], tty: boolean): Promise<number> {
    if (argv.length === 0) throw new ZoneError('usage', 'exec needs a command to run in the zone', { zone: record.name });
    // No -t: illumos zlogin gives a utility no terminal in the zone; tty asks ssh for one.
    return this.executor.attach(['zlogin', record.name, ...argv.map(zoneShellQuote)], { tty });
  }

  async login(record: ZoneRecord): Promise<number> {
    return this.executor.attach(['zlogin', record.name], { tty: true });
  }

  async console(record: ZoneRecord): Promise<number> {
    return this.executor.attach(['zlogin', '-C', record.name], { tty: true });
  }

  async usage(record: ZoneRecord): Promise<ZoneUsage | undefined> {
    const z = await this.entry(record.name);
    if (z?.id === undefined || z.state !== 'running') return undefined;
    const r = await this.executor.run(['kstat', '-p', ...usageSelectors(z.id)]);
    // kstat exits 1 when nothing matched: no usage to report, not an error.
    return r.code === 0 ? parseUsage(r.stdout, z.id) : undefined;
  }

  async clone(source: ZoneRecord, target: ZoneRecord, brand: Brand): Promise<void> {
    await this.configure(target, brand);
    await this.zoneadm(target.name, 'clone', source.name);
  }

  snapshotCreate(record: ZoneRecord, name: string): Promise<ManagedSnapshot> {
    return this.snapshots.create(record, name);
  }

  snapshotList(record: ZoneRecord): Promise<ManagedSnapshot[]> {
    return this.snapshots.list(record);
  }

  snapshotDestroy(record: ZoneRecord, name: string): Promise<void> {
    return this.snapshots.destroy(record, name);
  }

  rollback(record: ZoneRecord, name: string): Promise<void> {
    return this.snapshots.rollback(record, name);
  }

  /** One round trip: the fixed probe script (doctor.ts), its tagged lines read here. */
  async doctor(stateRoot: string): Promise<DoctorCheck[]> {
    let out: string;
    try {
      const r = await this.executor.run(['sh', '-c', DOCTOR_SCRIPT, 'sh', stateRoot]);
      if (r.stdout.trim() === '') return [probeFailed(this.executor.target, lastLine(r))];
      out = r.stdout;
    } catch (e) {
      return [probeFailed(this.executor.target, e instanceof Error ? e.message : String(e))];
    }
    return doctorChecks(parseDoctorProbe(out), this.host, await this.brands(), stateRoot);
  }

  describe(record: ZoneRecord, brand: Brand): string[] {
    const lines = [`host: ${describeHost(this.host)}`];
    const hb = resolveHostBrand(record, brand, this.host);
    if (hb instanceof ZoneError) return [...lines, `not available: ${hb.message}`];
    lines.push(`zone brand: ${hb.zoneBrand}`);
    lines.push(
      hb.install === 'image'
        ? 'install: zoneadm install -s STREAM (.zfs, .zfs.gz, pool/dataset) or -t TARBALL (.tar, .tar.gz), from a path on the host or a URL'
        : hb.install === 'archive'
          ? 'install: zoneadm install -a ARCHIVE with -u (sys-unconfig) or -p (preserve identity), from a path on the host or a URL'
          : "install: zoneadm install, from the brand's own packages",
    );
    const nic = record.config['net-interface'];
    const shared = configValue(record.config, 'ip-type') === 'shared';
    lines.push(
      shared
        ? `network: shared IP${nic === undefined ? '' : ` on ${nic}`}`
        : `network: exclusive IP${nic === undefined ? ', no interface (set net-interface)' : `, VNIC ${vnicName(record.name)} on ${nic}`}`,
    );
    try {
      zoneToZonecfg(record, hb.zoneBrand);
    } catch (e) {
      if (e instanceof ZoneError) lines.push(`not available: ${e.message}`);
      else throw e;
    }
    return lines;
  }
}
