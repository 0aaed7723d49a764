// FreeBSD jails as zones. Each zone is one jail.conf(5) file of its own,
// /etc/jail.conf.d/NAME.conf (and its fstab), that jail(8) reads at every start and
// stop: `jail -f FILE -c NAME` runs its mounts, network commands and exec.start;
// `jail -f FILE -r NAME` its exec.stop, kills what is left and undoes the rest. Caps
// are rctl(8) rules by jail name. Everything runs through the Executor, here or on a
// host reached over ssh.
import { ZoneError } from '../../core/errors.js';
import type { InstalledUserland, ZoneRecord, ZoneState } from '../../core/zone.js';
import { lastLine, mustRun, type ExecResult, type Executor } from '../../hosts/executor.js';
import type { HostOs } from '../../hosts/host-os.js';
import type { ZoneUsage } from '../backend.js';
import type { DoctorCheck } from '../../doctor/doctor.js';
import type { InstallRequest, ManagedBackend, ManagedSnapshot, ProgressSink } from '../managed.js';
import { freebsdDoctor, linuxFix, linuxModule, RACCT_FIX } from './doctor.js';
import { writeHostFile } from './host-files.js';
import { installJail } from './install.js';
import { formatJailBlock } from './jail-conf-format.js';
import { assertJailName, jailKind, jailPaths, type BrandMapping, type JailKind } from './jail-kind.js';
import { epairNames } from './jail-net.js';
import { zoneToJailParams } from './jail-zone.js';
import { jailZoneState, parseJlsJson } from './jls.js';
import { CAP_KEYS, hasCaps, parseRctlUsage, rctlRules } from './rctl.js';
import { rollback, snapshotCreate, snapshotDestroy, snapshotList } from './snapshots.js';
import { cloneZoneFiles, removeZoneFiles } from './storage.js';

/** jail(8) on a jail that does not exist: removal has nothing left to do. */
function notRunning(r: ExecResult): boolean {
  return /not found|no such jail/i.test(`${r.stderr}\n${r.stdout}`);
}

/** rctl -r with no rule left (ESRCH), or on a kernel without RACCT: nothing to remove. */
function noRules(r: ExecResult): boolean {
  return /No such process|RACCT\/RCTL/.test(`${r.stderr}\n${r.stdout}`);
}

export class FreeBsdBackend implements ManagedBackend {
  constructor(readonly executor: Executor, readonly host: HostOs) {}

  /** The jail file's text: a header saying whose it is, then the zone's block. */
  jailFile(record: ZoneRecord, brand: BrandMapping): { conf: string; fstab: string } {
    assertJailName(record.name);
    const gen = zoneToJailParams(record, brand, jailPaths(record.name));
    const header = `# zonectl zone ${record.name} (brand ${brand.name}): rewritten at every zonectl configure.\n`;
    return { conf: header + formatJailBlock(record.name, gen.params), fstab: gen.fstab };
  }

  async configure(record: ZoneRecord, brand: BrandMapping): Promise<void> {
    const files = this.jailFile(record, brand);
    const paths = jailPaths(record.name);
    // The fstab first: the conf that names it must never point at a missing one.
    if (files.fstab === '') await mustRun(this.executor, ['rm', '-f', paths.fstab], { zone: record.name });
    else await writeHostFile(this.executor, paths.fstab, files.fstab, record.name);
    await writeHostFile(this.executor, paths.conf, files.conf, record.name);
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
  }

  async install(record: ZoneRecord, brand: BrandMapping, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
    return installJail(this.executor, this.host, record, jailKind(brand), req, progress);
  }

  async uninstall(record: ZoneRecord): Promise<void> {
    return removeZoneFiles(this.executor, record);
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

  /** Checks the host, starts the jail, then applies the caps; a failing cap takes the
   * jail down again. (rctl rules name the jail, so they outlive a restart: halt removes them.) */
  async boot(record: ZoneRecord, brand: BrandMapping): Promise<void> {
    const kind: JailKind = jailKind(brand);
    if (kind === 'linux') await this.assertLinux(record);
    const rules = rctlRules(record);
    if (hasCaps(record)) await this.assertRacct(record);
    const conf = jailPaths(record.name).conf;
    await mustRun(this.executor, ['jail', '-f', conf, '-c', record.name], { zone: record.name });
    try {
      for (const rule of rules) await mustRun(this.executor, ['rctl', '-a', rule], { zone: record.name });
    } catch (e) {
      await this.halt(record).catch(() => undefined);
      throw e;
    }
  }

  private async removeRules(record: ZoneRecord): Promise<void> {
    const r = await this.executor.run(['rctl', '-r', `jail:${record.name}`]);
    if (r.code !== 0 && !noRules(r)) {
      throw new ZoneError('runtime', `rctl -r jail:${record.name} failed on ${this.executor.target}: ${lastLine(r)}`, { zone: record.name });
    }
  }

  /** jail -r: jail(8) runs exec.stop whenever it removes a jail through its conf (only
   * -R skips it, and -R also skips the unmounts and exec.poststop, leaving mounts and
   * the epair behind), so halt is the conf's removal, bounded by stop.timeout. */
  async halt(record: ZoneRecord): Promise<void> {
    const r = await this.executor.run(['jail', '-f', jailPaths(record.name).conf, '-r', record.name]);
    if (r.code !== 0 && !notRunning(r)) {
      throw new ZoneError('runtime', `jail -r ${record.name} failed on ${this.executor.target}: ${lastLine(r)}`, { zone: record.name });
    }
    await this.removeRules(record);
  }

  /** The same removal, its exec.stop (rc.shutdown) given `timeoutMs`; false when it
   * did not finish in time or failed (the engine then halts). */
  async shutdown(record: ZoneRecord, timeoutMs: number): Promise<boolean> {
    const r = await this.executor.run(['jail', '-f', jailPaths(record.name).conf, '-r', record.name], { timeoutMs });
    if (r.code !== 0 && !notRunning(r)) return false;
    await this.removeRules(record);
    return true;
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

  async exec(record: ZoneRecord, argv: string[], tty: boolean): Promise<number> {
    if (argv.length === 0) throw new ZoneError('usage', `exec in zone "${record.name}": no command given`, { zone: record.name });
    return this.executor.attach(['jexec', '-l', record.name, ...argv], { tty });
  }

  login(record: ZoneRecord): Promise<number> {
    return this.executor.attach(['jexec', '-l', record.name, 'login', '-f', 'root'], { tty: true });
  }

  async console(record: ZoneRecord): Promise<number> {
    throw new ZoneError('refused', `zone "${record.name}" has no console: a jail has no terminal of its own (no init on a console)`, {
      zone: record.name,
      hint: `zonectl login ${record.name} enters it with a login shell`,
    });
  }

  /** rctl -u (exact numbers; -h would round to three digits). Undefined when the jail
   * is not running or the host has no RACCT. */
  async usage(record: ZoneRecord): Promise<ZoneUsage | undefined> {
    const r = await this.executor.run(['rctl', '-u', `jail:${record.name}`]);
    return r.code === 0 ? parseRctlUsage(r.stdout) : undefined;
  }

  async clone(source: ZoneRecord, target: ZoneRecord): Promise<void> {
    return cloneZoneFiles(this.executor, source, target);
  }

  snapshotCreate(record: ZoneRecord, name: string): Promise<ManagedSnapshot> {
    return snapshotCreate(this.executor, record, name);
  }

  snapshotList(record: ZoneRecord): Promise<ManagedSnapshot[]> {
    return snapshotList(this.executor, record);
  }

  snapshotDestroy(record: ZoneRecord, name: string): Promise<void> {
    return snapshotDestroy(this.executor, record, name);
  }

  rollback(record: ZoneRecord, name: string): Promise<void> {
    return rollback(this.executor, record, name);
  }

  doctor(stateRoot: string): Promise<DoctorCheck[]> {
    return freebsdDoctor(this.executor, this.host, stateRoot);
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
