// FreeBSD jails as zones. Each zone is one jail.conf(5) file of its own,
// /etc/jail.conf.d/NAME.conf (and its fstab), that configure writes. Boot freezes a
// copy of both in /var/run/zonectl (without exec.stop) and `jail -f COPY -c NAME` runs
// its mounts, network commands and exec.start; halt's `jail -f COPY -r NAME` kills
// what is left and undoes the same mounts and network, whatever configure changed
// since. Shutdown first runs exec.stop inside, under timeout(1). Caps are rctl(8)
// rules by jail name, there before the jail starts and gone before it stops.
// Everything runs through the Executor, here or on a host reached over ssh.
import { ZoneError } from '../../core/errors.js';
import { printable, zoneRoot, type InstalledUserland, type SnapshotView, type ZoneRecord, type ZoneState } from '../../core/zone.js';
import { lastLine, mustRun, type ExecResult, type Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import type { ZoneUsage } from '../../core/zone.js';
import type { InstallRequest, ToolBackend, ProgressSink } from '../tool-backend.js';
import { hostnameOf, identitySteps, resetIdentity } from '../clone-identity.js';
import { linuxFix, linuxModule, RACCT_FIX } from './host-features.js';
import { writeHostFile } from './host-files.js';
import { installJail } from './install.js';
import { formatJailBlock } from './jail-conf-format.js';
import { configValue } from '../../core/config.js';
import { devfsArgv, LX_DEVFS_RULESET } from './devfs.js';
import { parseJailConf } from './jail-conf.js';
import { assertJailName, jailKind, jailPaths, runPaths, type BrandMapping, type JailKind, type JailPaths } from './jail-kind.js';
import { epairNames } from './jail-net.js';
import { destroyIfArgv, frozenParams, mountpointsArgv, stopCommands, timedStopArgv } from './jail-run.js';
import { jailRoot, zoneToJailParams } from './jail-zone.js';
import { jailZoneState, parseJlsJson } from './jls.js';
import { CAP_KEYS, hasCaps, parseRctlUsage, rctlRules } from './rctl.js';
import { cloneZoneFiles, removeZoneFiles, within } from './storage.js';
import { FREEBSD_ZFS } from '../zfs/flavour.js';
import { ZoneSnapshots } from '../zfs/snapshots.js';

/** jail(8) on a jail that does not exist: removal has nothing left to do. */
function notRunning(r: ExecResult): boolean {
  return /not found|no such jail/i.test(`${r.stderr}\n${r.stdout}`);
}

/** rctl -r with no rule left (ESRCH), or on a kernel without RACCT: nothing to remove. */
function noRules(r: ExecResult): boolean {
  return /No such process|RACCT\/RCTL/.test(`${r.stderr}\n${r.stdout}`);
}

/** Why a jail's dataset does not hold the jail: its root (a kept path parameter) is
 * outside it, so a snapshot of the dataset would not hold the jail's files. */
function rootOutside(record: ZoneRecord, dataset: string): string | undefined {
  const root = jailRoot(record);
  return within(root, record.zonepath) ? undefined : `its jail's root ${printable(root)} is outside its dataset ${dataset}`;
}

export class FreeBsdBackend implements ToolBackend {
  private readonly snapshots: ZoneSnapshots;

  constructor(
    readonly executor: Executor,
    readonly host: HostOs,
  ) {
    this.snapshots = new ZoneSnapshots(executor, FREEBSD_ZFS, { notHeld: rootOutside });
  }

  /** The jail file's text: a header saying whose it is, then the zone's block. */
  jailFile(record: ZoneRecord, brand: BrandMapping): { conf: string; fstab: string } {
    assertJailName(record.name);
    const gen = zoneToJailParams(record, brand, jailPaths(record.name));
    const header = `# zonectl zone ${record.name} (brand ${brand.name}): rewritten at every zonectl configure.\n`;
    return { conf: header + formatJailBlock(record.name, gen.params), fstab: gen.fstab };
  }

  /** The frozen copy boot starts the jail from: its fstab there too, no exec.stop. */
  frozenFile(record: ZoneRecord, brand: BrandMapping): { conf: string; fstab: string } {
    assertJailName(record.name);
    const gen = zoneToJailParams(record, brand, runPaths(record.name));
    const header = `# zonectl zone ${record.name}: the copy it was booted with (jail -r removes it with this).\n`;
    return { conf: header + formatJailBlock(record.name, frozenParams(gen.params)), fstab: gen.fstab };
  }

  /** The fstab first: a conf that names it must never point at a missing one. */
  private async writeFiles(zone: string, paths: JailPaths, files: { conf: string; fstab: string }): Promise<void> {
    if (files.fstab === '') await mustRun(this.executor, ['rm', '-f', paths.fstab], { zone });
    else await writeHostFile(this.executor, paths.fstab, files.fstab, zone);
    await writeHostFile(this.executor, paths.conf, files.conf, zone);
  }

  async configure(record: ZoneRecord, brand: BrandMapping): Promise<void> {
    await this.writeFiles(record.name, jailPaths(record.name), this.jailFile(record, brand));
  }

  /** A jail file of that name (ours or the admin's), or a jail of that name that exists. */
  async knows(name: string): Promise<boolean> {
    const paths = jailPaths(name);
    const files = await this.executor.run(['test', '-e', paths.conf]);
    return files.code === 0 || (await this.states()).has(name);
  }

  async unconfigure(record: ZoneRecord): Promise<void> {
    const paths = jailPaths(record.name);
    await mustRun(this.executor, ['rm', '-f', paths.conf, paths.fstab], { zone: record.name });
    await this.dropEpair(record);
  }

  /** Best effort: the host end of an exclusive-IP zone's epair, if one was left behind
   * (a failed jail -c runs no exec.poststop). Destroying it takes the jail end too. */
  private async dropEpair(record: ZoneRecord): Promise<void> {
    if (configValue(record.config, 'ip-type') === 'shared') return;
    await this.executor.run(destroyIfArgv(epairNames(record.name).host)).catch(() => undefined);
  }

  async install(record: ZoneRecord, brand: BrandMapping, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
    return installJail(this.executor, this.host, record, jailKind(brand), req, progress);
  }

  async uninstall(record: ZoneRecord): Promise<void> {
    await removeZoneFiles(this.executor, record);
    await this.dropEpair(record);
  }

  /** A jail exists only with processes in it or `persist`, and jail -c runs exec.start:
   * there is no state with the jail's resources up and nothing started. */
  async ready(record: ZoneRecord): Promise<void> {
    throw new ZoneError('refused', `zone "${record.name}": FreeBSD jails have no ready state (jail -c starts exec.start at once)`, {
      zone: record.name,
      hint: `zonectl boot ${record.name}`,
    });
  }

  /** The Linuxulator's ELF handler for the host's ABI must be loaded. */
  private async assertLinux(record: ZoneRecord): Promise<void> {
    const { module } = linuxModule(this.host);
    const r = await this.executor.run(['kldstat', '-q', '-m', module]);
    if (r.code === 0) return;
    throw new ZoneError('host-missing', `zone "${record.name}" is a Linux jail and ${this.executor.target} has not loaded the Linuxulator (kernel module ${module})`, {
      zone: record.name,
      hint: linuxFix(this.host),
    });
  }

  /** rctl needs RACCT, which GENERIC kernels leave off until the loader turns it on. */
  private async assertRacct(record: ZoneRecord): Promise<void> {
    const r = await this.executor.run(['sysctl', '-n', 'kern.racct.enable']);
    if (r.code === 0 && r.stdout.trim() === '1') return;
    const caps = CAP_KEYS.filter((k) => record.config[k] !== undefined).join(', ');
    const why = r.code === 0 ? 'kern.racct.enable is 0' : 'its kernel has no RACCT (no kern.racct.enable)';
    throw new ZoneError('host-missing', `zone "${record.name}" has ${caps}, which rctl enforces, and on ${this.executor.target} ${why}`, {
      zone: record.name,
      hint: RACCT_FIX,
    });
  }

  /** zonectl's devfs ruleset for Linux jails (jail + /dev/shm), loaded if missing. */
  private async loadDevfsRules(record: ZoneRecord): Promise<void> {
    const r = await this.executor.run(devfsArgv());
    if (r.code === 0) return;
    const why = `devfs ruleset ${LX_DEVFS_RULESET} (zonectl's for Linux zones) cannot be loaded on ${this.executor.target}: ${lastLine(r)}`;
    throw new ZoneError(r.code === 3 ? 'refused' : 'runtime', `zone "${record.name}": ${why}`, {
      zone: record.name,
      hint: `zonectl doctor checks it; ruleset ${LX_DEVFS_RULESET} must hold only zonectl's rules (devfs rule -s ${LX_DEVFS_RULESET} show)`,
    });
  }

  /** The fs mount points under the root, made before jail(8) mounts there; refused when
   * the guest made any part of one a symbolic link. */
  private async makeMountpoints(record: ZoneRecord): Promise<void> {
    const dirs = (record.fs ?? []).map((f) => f.dir);
    if (dirs.length === 0) return;
    const r = await this.executor.run(mountpointsArgv(jailRoot(record), dirs));
    if (r.code === 0) return;
    const kind = r.code === 3 ? 'refused' : 'runtime';
    throw new ZoneError(kind, `zone "${record.name}": cannot make its fs mount points on ${this.executor.target}: ${lastLine(r)}`, { zone: record.name });
  }

  /** Checks and readies the host (modules, RACCT, devfs rules, mount points, the frozen
   * copy, the caps: rctl subjects resolve by jail name, so rules added first bind the
   * jail from its first process), then starts it. A failure takes the rules and a
   * leftover epair away again. */
  async boot(record: ZoneRecord, brand: BrandMapping): Promise<void> {
    const kind: JailKind = jailKind(brand);
    const frozen = this.frozenFile(record, brand);
    if (kind === 'linux') await this.assertLinux(record);
    const rules = rctlRules(record);
    if (hasCaps(record)) await this.assertRacct(record);
    if (kind === 'linux') await this.loadDevfsRules(record);
    await this.makeMountpoints(record);
    const run = runPaths(record.name);
    await this.writeFiles(record.name, run, frozen);
    try {
      for (const rule of rules) await mustRun(this.executor, ['rctl', '-a', rule], { zone: record.name });
      await mustRun(this.executor, ['jail', '-f', run.conf, '-c', record.name], { zone: record.name });
    } catch (e) {
      if (rules.length > 0) await this.removeRules(record).catch(() => undefined);
      await this.dropEpair(record);
      throw e;
    }
  }

  private async removeRules(record: ZoneRecord): Promise<void> {
    const r = await this.executor.run(['rctl', '-r', `jail:${record.name}`]);
    if (r.code !== 0 && !noRules(r)) {
      throw new ZoneError('runtime', `rctl -r jail:${record.name} failed on ${this.executor.target}: ${lastLine(r)}`, { zone: record.name });
    }
  }

  /** The frozen copy the jail was booted with; the configured file for a jail started
   * without one (by rc.d/jail, or an older zonectl). */
  private async stopConf(record: ZoneRecord): Promise<string> {
    const run = runPaths(record.name).conf;
    return (await this.executor.run(['test', '-e', run])).code === 0 ? run : jailPaths(record.name).conf;
  }

  private async remove(record: ZoneRecord): Promise<ExecResult> {
    return this.executor.run(['jail', '-f', await this.stopConf(record), '-r', record.name]);
  }

  /** The rules go first (a maxproc cap must not stop the stop), then `jail -r` with the
   * frozen copy: no exec.stop there, so no shutdown scripts; SIGTERM, stop.timeout,
   * SIGKILL, then its exec.poststop and unmounts. */
  async halt(record: ZoneRecord): Promise<void> {
    await this.removeRules(record);
    const r = await this.remove(record);
    if (r.code !== 0 && !notRunning(r)) {
      throw new ZoneError('runtime', `jail -r ${record.name} failed on ${this.executor.target}: ${lastLine(r)}`, { zone: record.name });
    }
  }

  /** The configured exec.stop commands (rc.shutdown; /bin/true for Linux jails). */
  private async stopCommandsOf(record: ZoneRecord): Promise<string[] | undefined> {
    const conf = jailPaths(record.name).conf;
    const r = await this.executor.run(['cat', conf]);
    if (r.code !== 0) return undefined;
    try {
      return stopCommands(parseJailConf(r.stdout, conf).find((j) => j.name === record.name)?.params ?? []);
    } catch {
      return undefined;
    }
  }

  /** exec.stop inside the jail under timeout(1), so only the guest's part is bounded,
   * then `jail -r` untimed (jail(8) itself must never be killed halfway through its
   * unmounts). False when the stop did not finish in time or failed: the engine halts. */
  async shutdown(record: ZoneRecord, timeoutMs: number): Promise<boolean> {
    const commands = await this.stopCommandsOf(record);
    if (commands === undefined) return false;
    await this.removeRules(record);
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    for (const command of commands) {
      const r = await this.executor.run(timedStopArgv(record.name, seconds, command), { timeoutMs: timeoutMs + 30_000 });
      if (r.code !== 0 && !notRunning(r)) return false;
    }
    const r = await this.remove(record);
    return r.code === 0 || notRunning(r);
  }

  async reboot(record: ZoneRecord, brand: BrandMapping): Promise<void> {
    await this.halt(record);
    await this.boot(record, brand);
  }

  /** Every jail that exists, running or dying (jls -d), by name. */
  async states(): Promise<Map<string, ZoneState>> {
    const r = await mustRun(this.executor, ['jls', '--libxo', 'json', '-d', '-v']);
    const out = new Map<string, ZoneState>();
    for (const [name, info] of parseJlsJson(r.stdout)) if (info.name !== undefined) out.set(name, jailZoneState(info));
    return out;
  }

  async exec(record: ZoneRecord, argv: string[], tty: boolean, user?: string): Promise<number> {
    if (argv.length === 0) throw new ZoneError('usage', `exec in zone "${record.name}": no command given`, { zone: record.name });
    return this.executor.attach(['jexec', '-l', ...(user === undefined ? [] : ['-U', user]), record.name, ...argv], { tty });
  }

  login(record: ZoneRecord, user = 'root'): Promise<number> {
    return this.executor.attach(['jexec', '-l', record.name, 'login', '-f', user], { tty: true });
  }

  async console(record: ZoneRecord): Promise<number> {
    throw new ZoneError('refused', `zone "${record.name}" has no console: a jail has no terminal of its own (no init on a console)`, {
      zone: record.name,
      hint: `zonectl login ${record.name} enters it with a login shell`,
    });
  }

  /** rctl -u (exact numbers; -h would round to three digits). Undefined when the jail
   * is not running (rctl -u of an absent jail prints zeros: jls asks first) or the
   * host has no RACCT. */
  async usage(record: ZoneRecord): Promise<ZoneUsage | undefined> {
    if ((await this.executor.run(['jls', '-j', record.name, 'jid'])).code !== 0) return undefined;
    const r = await this.executor.run(['rctl', '-u', `jail:${record.name}`]);
    return r.code === 0 ? parseRctlUsage(r.stdout) : undefined;
  }

  /** The target's root filled from the source's (a zfs clone or a copy), then given
   * its own identity (clone-identity.ts). A clone that cannot be given one is removed
   * again: it would answer ssh with the source's host keys. */
  async clone(source: ZoneRecord, target: ZoneRecord, brand: BrandMapping): Promise<void> {
    const steps = identitySteps(jailKind(brand) === 'linux' ? 'linux' : 'freebsd', hostnameOf(source), hostnameOf(target));
    await cloneZoneFiles(this.executor, source, target);
    try {
      // No etc in the root (a Linux jail's bare rootfs): no keys or ids to reset.
      await resetIdentity(this.executor, zoneRoot(target.zonepath), steps, target.name);
    } catch (e) {
      await removeZoneFiles(this.executor, target).catch(() => undefined);
      throw e;
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

  describe(record: ZoneRecord, brand: BrandMapping): string[] {
    try {
      const kind = jailKind(brand);
      assertJailName(record.name);
      const paths = jailPaths(record.name);
      const { params, fstab } = zoneToJailParams(record, brand, paths);
      const lines = [
        `jail: ${paths.conf} (jail -f ${paths.conf} -c ${record.name})`,
        kind === 'linux' ? 'userland: Linux, through the Linuxulator (linux=new)' : 'userland: FreeBSD (exec.start /bin/sh /etc/rc)',
      ];
      const addr = params.find((p) => p.name === 'ip4.addr')?.value;
      if (params.some((p) => p.name === 'vnet' && p.value === true)) {
        const ends = epairNames(record.name);
        lines.push(`network: own stack (vnet), epair ${ends.host} on the host's bridge, ${ends.jail} in the jail`);
      } else lines.push(`network: the host's stack${Array.isArray(addr) ? `, ip4.addr ${addr.join(', ')}` : ', no address of its own'}`);
      if (fstab !== '') lines.push(`mounts: ${paths.fstab} (${fstab.trimEnd().split('\n').length} lines)`);
      for (const rule of rctlRules(record)) lines.push(`rctl: ${rule}`);
      const native = record.native?.jail ?? [];
      if (native.length > 0) lines.push(`kept jail parameters: ${native.map((p) => p.name).join(', ')}`);
      return lines;
    } catch (e) {
      return [`jail: cannot be made: ${(e as Error).message}`];
    }
  }
}
