// The illumos and Solaris backend: zonecfg keeps the zone's configuration, zoneadm moves
// it through its states, zlogin enters it. Every call is an argument vector through the
// Executor (this machine, or the host over ssh); the one file we write on the host, the
// zonecfg command file, goes through stdin and is removed after use.
import { randomBytes } from 'node:crypto';
import { ZoneError } from '../../core/errors.js';
import { configValue } from '../../core/config.js';
import { printable, zoneRoot, type InstalledUserland, type SnapshotView, type ZoneRecord, type ZoneState } from '../../core/zone.js';
import { lastLine, mustRun, type Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import { brandNames, loadBrand, type Brand } from '../../brands/brand.js';
import type { ZoneUsage } from '../../core/zone.js';
import type { InstallRequest, ToolBackend, ProgressSink } from '../tool-backend.js';
import { hostnameOf, identitySteps, resetIdentity, type IdentityStep } from '../clone-identity.js';
import { describeHost, hostZoneBrand, resolveHostBrand, type HostZoneBrand } from './host-brand.js';
import { downloadPath, fetchOnHost, imageFlagByFileOutput, imageFlagByName, isDatasetName, isUrl, refuseCompressedStream, type ImageFlag } from './install-source.js';
import { parseUsage, usageSelectors } from './kstat-usage.js';
import { zoneToZonecfg } from './zone-config.js';
import { netPhysicals, vnicName } from './zone-net.js';
import { zfsFlavourOf } from '../zfs/flavour.js';
import { ZoneSnapshots } from '../zfs/snapshots.js';
import { parseZoneList, type ZoneListEntry } from './zoneadm.js';
import { readZonecfg, type ZonecfgModel } from './zonecfg.js';
import { updateZonecfg } from './zonecfg-update.js';
import { writeZonecfg } from './zonecfg-writer.js';

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

// SmartOS zone brands whose install wants an imported image (jinstall -t TEMPLATE
// dataset; lx -t IMAGE-UUID, cloned from zones/UUID@final), which imgadm manages.
const SMARTOS_IMAGE_BRANDS = ['joyent', 'joyent-minimal', 'lx'];

/** Why zonectl cannot install this zone brand on this host, or undefined. */
function smartosImageOnly(host: HostOs, hb: HostZoneBrand): string | undefined {
  if (host.distro !== 'smartos' || !SMARTOS_IMAGE_BRANDS.includes(hb.zoneBrand)) return undefined;
  return `zonectl cannot install ${hb.zoneBrand} zones on SmartOS: zoneadm install there takes an image imported with imgadm (-t), which vmadm manages`;
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

export class IllumosBackend implements ToolBackend {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => string;
  private readonly pollMs: number;
  /** The zonectl brands doctor weighs against the host's. */
  readonly brands: () => Promise<Brand[]>;
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
    this.snapshots = new ZoneSnapshots(executor, zfsFlavourOf(host));
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
    this.refuseGlobalNic(record);
    const zones = await this.list();
    await this.refuseVnicClash(record, zones);
    const zone = record.name;
    const current = zones.find((z) => z.name === zone);
    if (current === undefined) {
      // A failed file may have committed part of a zone that did not exist: delete it.
      return this.applyOrRestore(zone, writeZonecfg(model, { mode: 'new' }), async () => {
        await this.executor.run(['zonecfg', '-z', zone, 'delete', '-F']);
      });
    }
    const saved = await this.exportConfig(zone);
    if (current.state === 'configured' || current.state === 'incomplete') {
      return this.applyOrRestore(zone, writeZonecfg(model, { mode: 'overwrite' }), () => this.applyZonecfg(zone, writeZonecfg(saved, { mode: 'overwrite' })));
    }
    // Installed: edit in place from what the host has; on failure the same way back to
    // the saved configuration, from what the failed file left.
    return this.applyOrRestore(zone, updateZonecfg(saved, model), async () => this.applyZonecfg(zone, updateZonecfg(await this.exportConfig(zone), saved)));
  }

  /** The zone's configuration as the host has it now. */
  private async exportConfig(zone: string): Promise<ZonecfgModel> {
    const argv = ['zonecfg', '-z', zone, 'export'];
    const r = await mustRun(this.executor, argv, { zone });
    return readZonecfg(r.stdout, argv.join(' '));
  }

  /** Applies a command file; when it fails, runs restore (best effort: its own failure
   * is only told in the hint) and throws zonecfg's error. */
  private async applyOrRestore(zone: string, text: string, restore: () => Promise<void>): Promise<void> {
    try {
      await this.applyZonecfg(zone, text);
    } catch (e) {
      if (!(e instanceof ZoneError)) throw e;
      let hint = "the zone's previous configuration is back in place";
      try {
        await restore();
      } catch {
        hint = `the previous configuration could not be restored: zonecfg -z ${zone} export shows what the host has now`;
      }
      throw new ZoneError(e.code, e.message, { zone, hint });
    }
  }

  /** Solaris 10 and 11 zonecfg have no global-nic, which zonectl's exclusive-IP network
   * (a VNIC made at boot over net-interface) needs: refused before the host is touched. */
  private refuseGlobalNic(record: ZoneRecord): void {
    if (this.host.kind !== 'solaris' || record.config['net-interface'] === undefined) return;
    if ((configValue(record.config, 'ip-type') ?? 'exclusive') === 'shared') return;
    throw new ZoneError(
      'invalid-config',
      `an exclusive-IP network on net-interface cannot be configured on ${describeHost(this.host)}: zonectl makes its VNIC with zonecfg global-nic, which only illumos (OmniOS, SmartOS) has`,
      {
        zone: record.name,
        hint:
          this.host.distro === 'solaris10'
            ? 'set ip-type shared, or give the zone a NIC of its own with a net resource (no defrouter) in a zonecfg file: zonectl configure -f FILE keeps it as a native resource'
            : 'set ip-type shared, or write an anet resource in a zonecfg file: zonectl configure -f FILE keeps it as a native resource',
      },
    );
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
      throw new ZoneError(
        'invalid-config',
        `zone "${record.name}" would get VNIC ${vnic}, which zone "${other.name}" has already: a VNIC name keeps only the letters, digits and '_' of the first 30 characters of the zone's`,
        {
          zone: record.name,
          hint: `choose a zone name that differs from "${other.name}" in a letter, digit or '_' within its first 30 characters, or use ip-type shared`,
        },
      );
    }
  }

  async unconfigure(record: ZoneRecord): Promise<void> {
    const zone = record.name;
    const state = (await this.entry(zone))?.state;
    // Already gone from the host is what was asked for.
    if (state === undefined) return;
    // Deleting an installed zone's configuration would orphan its root and dataset.
    if (state !== 'configured') {
      throw new ZoneError('wrong-state', `zone "${zone}" is ${state}${this.where()}: only a configured zone's configuration can be deleted`, {
        zone,
        hint: `uninstall it first (zoneadm -z ${zone} uninstall -F)`,
      });
    }
    const argv = ['zonecfg', '-z', zone, 'delete', '-F'];
    const r = await this.executor.run(argv);
    if (r.code !== 0 && (await this.entry(zone)) !== undefined) {
      throw new ZoneError('runtime', `${argv.join(' ')} failed${this.where()}: ${lastLine(r)}`, { zone });
    }
  }

  private where(): string {
    return this.executor.target === 'local' ? '' : ` on ${this.executor.target}`;
  }

  async install(record: ZoneRecord, brand: Brand, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
    const hb = hostZoneBrand(record, brand, this.host);
    const smartos = smartosImageOnly(this.host, hb);
    if (smartos !== undefined) throw new ZoneError('usage', smartos, { zone: record.name, hint: 'use imgadm import and vmadm create on the SmartOS host' });
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
   * uninstall: clear it so the zone is configured again (the ToolBackend contract).
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
    refuseCompressedStream(req.source, zone);
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
    if (before === 'running') await this.startShutdown(record.name);
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const state = (await this.entry(record.name))?.state;
      if (state === 'installed' || state === undefined) return true;
      const left = deadline - this.now();
      if (left <= 0) return false;
      await this.sleep(Math.min(this.pollMs, left));
    }
  }

  /** zoneadm shutdown, or on Solaris 10, which has none, what it does: init 0 in the
   * zone (Oracle: "equivalent to running /usr/sbin/init 0 in the zone"). zlogin's status
   * is not trusted (the zone going down may cut it off): the polling decides. */
  private async startShutdown(zone: string): Promise<void> {
    if (this.host.distro === 'solaris10') await this.executor.run(['zlogin', zone, '/usr/sbin/init', '0']);
    else await this.zoneadm(zone, 'shutdown');
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

  async exec(record: ZoneRecord, argv: string[], tty: boolean, user?: string): Promise<number> {
    if (argv.length === 0) throw new ZoneError('usage', 'exec needs a command to run in the zone', { zone: record.name });
    // No -t: illumos zlogin gives a utility no terminal in the zone; tty asks ssh for one.
    return this.executor.attach(['zlogin', ...(user === undefined ? [] : ['-l', user]), record.name, ...argv.map(zoneShellQuote)], { tty });
  }

  async login(record: ZoneRecord, user?: string): Promise<number> {
    return this.executor.attach(['zlogin', ...(user === undefined ? [] : ['-l', user]), record.name], { tty: true });
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
    // zoneadm clones only an installed (halted) source: said before the target exists.
    const state = (await this.entry(source.name))?.state;
    if (state !== 'installed') {
      throw new ZoneError('wrong-state', `zone "${source.name}" is ${state ?? 'not on the host'}${this.where()}: zoneadm clones only an installed, halted zone`, {
        zone: source.name,
        ...(state === 'running' || state === 'ready' ? { hint: `halt it first (zonectl stop ${source.name})` } : {}),
      });
    }
    const userland = hostZoneBrand(target, brand, this.host).zoneBrand === 'lx' ? 'linux' : 'solaris';
    const steps = identitySteps(userland, hostnameOf(source), hostnameOf(target));
    await this.configure(target, brand);
    const argv = ['zoneadm', '-z', target.name, 'clone', source.name];
    const r = await this.executor.run(argv);
    if (r.code !== 0) {
      // A clone cut short leaves the target incomplete; its configuration is the
      // caller's to remove (the core unconfigures it).
      const cleared = await this.clearIncomplete(target.name);
      throw new ZoneError('runtime', `${argv.join(' ')} failed${this.where()}: ${lastLine(r)}`, {
        zone: target.name,
        ...(cleared ? {} : { hint: `the zone may be left incomplete on the host: zoneadm -z ${target.name} uninstall -F clears it` }),
      });
    }
    try {
      await this.resetCloneIdentity(target, steps);
    } catch (e) {
      // A clone with the source's identity (its ssh host keys, its node name) is not
      // kept: uninstalled, so the zone is configured again for the caller to remove.
      const undone = (await this.executor.run(['zoneadm', '-z', target.name, 'uninstall', '-F']).catch(() => undefined))?.code === 0;
      if (!(e instanceof ZoneError)) throw e;
      throw new ZoneError(e.code, e.message, {
        zone: target.name,
        hint: undone
          ? `the clone was uninstalled again${e.hint === undefined ? '' : `; ${e.hint}`}`
          : `the clone may be left installed with the source's identity: zoneadm -z ${target.name} uninstall -F removes it`,
      });
    }
  }

  /** The identity steps on the clone's root, ZONEPATH/root. Where that is not mounted
   * while the zone is installed (ipkg, lipkg: the root is the ROOT/zbe dataset,
   * canmount=noauto, which the brand mounts on the way to ready: ipkg's prestate hook;
   * its clone hook unmounts it again), the zone is readied for the steps and halted
   * again; nothing runs in a ready zone. */
  private async resetCloneIdentity(target: ZoneRecord, steps: IdentityStep[]): Promise<void> {
    const zone = target.name;
    const root = zoneRoot(target.zonepath);
    if ((await resetIdentity(this.executor, root, steps, zone)) === 'done') return;
    await this.zoneadm(zone, 'ready');
    let reset: 'done' | 'no-etc';
    try {
      reset = await resetIdentity(this.executor, root, steps, zone);
    } catch (e) {
      await this.halt(target).catch(() => undefined);
      throw e;
    }
    await this.halt(target);
    if (reset === 'no-etc') {
      throw new ZoneError('runtime', `zone "${zone}": its root ${printable(root)} has no etc directory${this.where()}, even with the zone ready`, { zone });
    }
  }

  snapshotCreate(record: ZoneRecord, name: string): Promise<SnapshotView> {
    return this.snapshots.create(record, name);
  }

  snapshotList(record: ZoneRecord): Promise<SnapshotView[]> {
    return this.snapshots.list(record);
  }

  snapshotDestroy(record: ZoneRecord, name: string): Promise<void> {
    return this.snapshots.destroy(record, name);
  }

  rollback(record: ZoneRecord, name: string): Promise<void> {
    return this.snapshots.rollback(record, name);
  }

  describe(record: ZoneRecord, brand: Brand): string[] {
    const lines = [`host: ${describeHost(this.host)}`];
    const hb = resolveHostBrand(record, brand, this.host);
    if (hb instanceof ZoneError) return [...lines, `not available: ${hb.message}`];
    lines.push(`zone brand: ${hb.zoneBrand}`);
    const smartos = smartosImageOnly(this.host, hb);
    lines.push(
      smartos !== undefined
        ? `install: not available: ${smartos}`
        : hb.install === 'image'
          ? 'install: zoneadm install -s STREAM (.zfs, .zfs.gz, pool/dataset) or -t TARBALL (.tar, .tar.gz), from a path on the host or a URL'
          : hb.install === 'archive'
            ? 'install: zoneadm install -a ARCHIVE with -u (sys-unconfig) or -p (preserve identity), from a path on the host or a URL'
            : "install: zoneadm install, from the brand's own packages",
    );
    const nic = record.config['net-interface'];
    const shared = configValue(record.config, 'ip-type') === 'shared';
    lines.push(
      this.host.kind === 'solaris' && !shared && nic !== undefined
        ? `network: not available: exclusive IP on ${nic} needs zonecfg global-nic, which Solaris has not (use ip-type shared, or your own net/anet via configure -f)`
        : shared
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
