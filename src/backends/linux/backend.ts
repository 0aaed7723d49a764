// The Linux backend: a zone is an OCI container run by runc (or crun). This file wires
// the pieces (bundle, runtime, uname supervisor, CNI) for hosts/linux/host.ts.
import { readFile, readlink, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostLine } from '../../core/terminal-text.js';
import { procStatFields } from '../../core/lock.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZoneError } from '../../core/errors.js';
import type { BootPlan } from '../../brands/plan.js';
import type { ExecRequest, RuntimeState, ZoneHandle } from './types.js';
import { buildOciConfig, hostWideId, parseNofileHard, type OciConfig } from './bundle.js';
import { cniAdd, cniDel, readCniState } from './cni.js';
import { OciRuntime } from './runtime.js';
import { personalityPrefix } from './personality.js';
import { runCapture } from '../../transport/local.js';
import {
  mountProcFiles,
  removeSupervisor,
  reviveSupervisor,
  runtimeSupportsListener,
  shimAvailability,
  shimSocket,
  startSupervisor,
  supervisorStatus,
  writeProcFiles,
  SHIM_PROGRAM,
} from './uname-shim.js';
import type { ShimAvailability } from '../../brands/plan.js';
import type { HelperProcess, ZoneAddress, ZoneUsage } from './types.js';
import { zoneUsage } from './cgroup-usage.js';
import { traceStep } from '../../core/trace.js';

const POLL_MS = 100;
/** How often, and how long at most, boot looks for the zone's init to have started (it
 * is usually there at the first look; a loaded host may take a moment). */
const INIT_POLL_MS = 5;
const INIT_EXEC_TIMEOUT_MS = 30_000;

/** The runtime's own process before it execs the zone's init: runc re-executes itself
 * from a sealed memfd copy, crun runs as itself. */
function isRuntimeExe(exe: string): boolean {
  return /^\/memfd:runc|\/runc( \(deleted\))?$|\/crun( \(deleted\))?$/.test(exe);
}

/** 'gone' for a process that has exited (or is a zombie waiting for its reaper). */
function processState(pid: number): 'alive' | 'gone' {
  const state = procStatFields(pid)?.[0];
  return state === undefined || state === 'Z' || state === 'X' ? 'gone' : 'alive';
}

/** The console's last non-empty line, printable (what the runtime or init said last). */
async function lastConsoleLine(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const line = text.trimEnd().split('\n').pop()?.trim();
  return line === undefined || line === '' ? undefined : hostLine(line.slice(-300));
}

export class LinuxBackend {
  private readonly runtime: OciRuntime;

  constructor(
    private readonly stateRoot: string,
    private readonly runtimeProgram: string,
  ) {
    this.runtime = new OciRuntime(runtimeProgram, stateRoot);
  }

  bundleDir(zone: ZoneHandle): string {
    return join(zone.dir, 'bundle');
  }

  /** Writes a bundle afresh (one left by a crash would carry stale settings); `adjust`
   * may change the config first. */
  private async writeBundle(bundle: string, plan: BootPlan, adjust: (c: OciConfig) => void = () => undefined, listenerPath?: string): Promise<string> {
    // Synchronous: small local files on boot's path (each async call is a thread-pool
    // round trip of start-up time).
    rmSync(bundle, { recursive: true, force: true });
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    const limits = { nofileHard: parseNofileHard(readFileSync('/proc/self/limits', 'utf8')) ?? 1024 };
    const config = buildOciConfig(plan, this.stateRoot, limits, process.arch, listenerPath);
    adjust(config);
    // Not fsync'd: a bundle is written afresh at every boot, so a crash loses nothing.
    writeFileSync(join(bundle, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return bundle;
  }

  private async launch(zone: ZoneHandle, plan: BootPlan, createOnly: boolean): Promise<void> {
    const shim = plan.kernel.shim;
    const bundle = await this.writeBundle(this.bundleDir(zone), plan, undefined, shim === undefined ? undefined : shimSocket(zone.dir));
    // Work between runc create and start, before the zone's init runs: /proc files for
    // the uname shim (whose supervisor listens before create), the network through CNI.
    const staged = shim !== undefined || plan.net !== undefined;
    const procFiles = shim === undefined ? [] : await writeProcFiles(zone.dir, shim);
    const start = async (): Promise<void> => {
      if (shim !== undefined) {
        // A supervisor per attempt: one whose zone went away has exited.
        await startSupervisor(zone.dir, zone.name, shim);
        traceStep('boot-shim');
      }
      await this.runtime.start(zone.name, bundle, join(zone.dir, 'console.log'), join(zone.dir, 'runtime.log'), staged || createOnly, personalityPrefix(plan.personality));
      if (!staged) return;
      const pid = await this.initPid(zone);
      if (pid === undefined) throw new ZoneError('runtime', `zone "${zone.name}": the runtime wrote no pid for its init`, { zone: zone.name });
      if (shim !== undefined) await mountProcFiles(pid, zone.name, procFiles);
      if (plan.net !== undefined) {
        await cniAdd(zone.dir, zone.name, plan.net, hostWideId(this.stateRoot, zone.name), `/proc/${pid}/ns/net`);
        traceStep('boot-net');
      }
      if (!createOnly) await this.runtime.startCreated(zone.name);
    };
    try {
      await start();
    } catch (e) {
      // A leftover container of the same name (say, a crash between the runtime
      // starting it and zonectl recording it) blocks a new one: remove it, try once
      // more. Checked only on failure, to spare every boot a runtime call.
      if ((await this.runtime.state(zone.name)) === 'absent') throw e;
      await cniDel(zone.dir, zone.name, await this.liveNetns(zone));
      await this.runtime.delete(zone.name);
      await start();
    }
  }

  ready(zone: ZoneHandle, plan: BootPlan): Promise<void> {
    return this.launch(zone, plan, true);
  }

  async boot(zone: ZoneHandle, plan: BootPlan, fromReady: boolean): Promise<void> {
    if (fromReady && (await this.runtime.state(zone.name)) === 'created') {
      await this.runtime.startCreated(zone.name);
    } else {
      await this.launch(zone, plan, false);
    }
    await this.confirmInit(zone, plan);
  }

  /** The runtime's start returns once it has told its init process to exec the zone's
   * init; whether that exec worked shows only after. Watches the process until it is
   * the zone's program (its executable is no longer the runtime's) or is gone, and
   * says why in the second case, quoting the console's last line. */
  private async confirmInit(zone: ZoneHandle, plan: BootPlan): Promise<void> {
    const pid = await this.initPid(zone);
    if (pid === undefined) throw new ZoneError('runtime', `zone "${zone.name}": the runtime wrote no pid for its init`, { zone: zone.name });
    const deadline = Date.now() + INIT_EXEC_TIMEOUT_MS;
    for (;;) {
      const state = processState(pid);
      if (state === 'gone') break;
      const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
      if (exe !== undefined && !isRuntimeExe(exe)) return;
      if (Date.now() > deadline) {
        throw new ZoneError('runtime', `zone "${zone.name}": its init (${plan.init.command[0]}) was not started within ${INIT_EXEC_TIMEOUT_MS / 1000} s of boot`, {
          zone: zone.name,
          hint: `see ${join(zone.dir, 'runtime.log')} and ${join(zone.dir, 'console.log')}`,
        });
      }
      await sleep(INIT_POLL_MS);
    }
    const said = await lastConsoleLine(join(zone.dir, 'console.log'));
    throw new ZoneError('runtime', `zone "${zone.name}": its init ${plan.init.command[0]} did not start${said === undefined ? '' : `: ${said}`}`, {
      zone: zone.name,
      hint: `zonectl brands show ${plan.brand} --zone ${zone.name} says what it runs; the whole console is ${join(zone.dir, 'console.log')}`,
    });
  }

  async runOnce(zone: ZoneHandle, plan: BootPlan, argv: string[]): Promise<{ code: number; output: string }> {
    const id = `${zone.name}.install`;
    // Its own bundle and cgroup: nothing of the zone's is reused or left behind.
    const bundle = await this.writeBundle(join(zone.dir, 'bundle-install'), { ...plan, init: { ...plan.init, command: argv } }, (c) => {
      c.linux.cgroupsPath = `${c.linux.cgroupsPath}-install`;
    });
    try {
      await this.runtime.delete(id);
      return await this.runtime.runForeground(id, bundle, personalityPrefix(plan.personality));
    } finally {
      await this.runtime.delete(id).catch(() => undefined);
      await rm(bundle, { recursive: true, force: true });
    }
  }

  async halt(zone: ZoneHandle): Promise<void> {
    // The network first, while the zone's namespace lives: the bridge plugin finds its
    // interface and masquerade rule there.
    await cniDel(zone.dir, zone.name, await this.liveNetns(zone));
    await this.runtime.delete(zone.name);
    await removeSupervisor(zone.dir);
  }

  /** Removes the runtime's files of an uninstalled zone (its bundle and logs). */
  async removeFiles(zone: ZoneHandle): Promise<void> {
    for (const f of ['bundle', 'console.log', 'runtime.log']) await rm(join(zone.dir, f), { recursive: true, force: true });
  }

  /** /proc/PID/ns/net of the zone's init while the runtime still has it, else ''. */
  private async liveNetns(zone: ZoneHandle): Promise<string> {
    const state = await this.runtime.state(zone.name);
    if (state === 'absent' || state === 'stopped') return '';
    const pid = await this.initPid(zone);
    return pid !== undefined && existsSync(`/proc/${pid}/ns/net`) ? `/proc/${pid}/ns/net` : '';
  }

  /** The zone's init as the runtime recorded it (--pid-file), if it did. (One small
   * read, made synchronously: exec's start-up pays for every thread-pool round trip.) */
  async initPid(zone: ZoneHandle): Promise<number | undefined> {
    let text = '';
    try {
      text = readFileSync(join(this.bundleDir(zone), 'init.pid'), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private listenerSupport: Promise<ShimAvailability> | undefined;

  /** The host (supervisor built, kernel) and this runtime (listenerPath) must both do it. */
  async unameShim(): Promise<ShimAvailability> {
    const host = await shimAvailability();
    if (!host.available) return host;
    this.listenerSupport ??= runCapture([this.runtimeProgram, '--version']).then(
      (r) => runtimeSupportsListener(this.runtimeProgram, r.stdout),
      () => ({ available: false, why: `${this.runtimeProgram} not found` }),
    );
    return this.listenerSupport;
  }

  async addresses(zone: ZoneHandle): Promise<ZoneAddress[]> {
    const state = await readCniState(zone.dir);
    const bridge = state?.confList.plugins.find((p) => p.type === 'bridge')?.bridge;
    return (state?.result?.ips ?? []).map((ip) => ({ address: ip.address, bridge: typeof bridge === 'string' ? bridge : '?' }));
  }

  async usage(zone: ZoneHandle): Promise<ZoneUsage | undefined> {
    const pid = await this.initPid(zone);
    return pid === undefined ? undefined : zoneUsage(pid);
  }

  async helpers(zone: ZoneHandle): Promise<HelperProcess[]> {
    const s = await supervisorStatus(zone.dir);
    return s === undefined ? [] : [{ name: SHIM_PROGRAM, ...s }];
  }

  signal(zone: ZoneHandle, signal: number): Promise<void> {
    return this.runtime.kill(zone.name, signal);
  }

  async waitForStop(zone: ZoneHandle, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.runtime.state(zone.name);
      if (s === 'stopped' || s === 'absent') return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  state(zone: ZoneHandle): Promise<RuntimeState> {
    return this.runtime.state(zone.name);
  }

  states(): Promise<Map<string, RuntimeState>> {
    return this.runtime.list();
  }

  async exec(zone: ZoneHandle, req: ExecRequest): Promise<number> {
    // The runtime hands each new process's notify fd to the zone's supervisor: if that
    // died, a new one serves the commands started from now on.
    await reviveSupervisor(zone.dir, zone.name);
    return this.runtime.exec(zone.name, req);
  }
}
