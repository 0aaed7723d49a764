// A BootPlan is what a brand will do for one zone on this host: the generic,
// backend-neutral description that a backend turns into its own mechanism.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { configValue, parseForward, type PortForward } from '../core/config.js';
import { signalNumber } from '../core/signals.js';
import { userlandRoot, ZONE_PATH_ENV, type InitSpec, type ZoneRecord, type ZoneStatus } from '../core/zone.js';
import type { LinuxBrand } from './brand.js';
import { eraVersion, needsUname26, parseKernelVersion, uname26Release } from '../core/kernel-version.js';
import { glibcOlderThan, glibcVersion } from './glibc.js';
import { release as hostRelease } from 'node:os';
import { sizeBytes } from '../core/units.js';
import { ZoneError } from '../core/errors.js';

export interface BindMount {
  source: string; // host path
  destination: string; // path inside the zone
  readonly: boolean;
}

export interface SeccompPlan {
  defaultAction: 'allow';
  deny: string[];
  errno: string;
}

/** The execution domain: OCI cannot express it, so the runtime runs under setarch. */
export interface Personality {
  /** PER_LINUX32: a 32-bit userland on a 64-bit kernel (uname -m says i686). */
  linux32: boolean;
  /** UNAME26: uname -r says 2.6.x, for userlands that predate 3.0. */
  uname26: boolean;
}

/** What the uname shim answers (machine32 for callers under LINUX32). */
export interface UnameAnswer {
  release: string;
  version: string;
  machine: string;
  machine32: string;
}

export interface KernelPlan {
  /** The zone's kernel-version, expanded (2.4 = 2.4.21), when it has one. */
  requested?: string;
  /** What uname -r shows in the zone. */
  release: string;
  /** What uname -m shows. */
  machine: string;
  /** Whether `release` is exactly what was requested. */
  exact: boolean;
  /** Set when the host's uname shim answers uname and /proc agrees. */
  shim?: UnameAnswer;
  /** Why there is no shim for a zone that asked for a kernel-version, with the fix. */
  shimWhy?: string;
}

/** Whether the backend can answer uname exactly on this host, and why not. */
export interface ShimAvailability {
  available: boolean;
  why: string;
}

/** What the plan needs to know about the host, asked only when a zone needs it. */
export type HostProbe = () => Promise<ShimAvailability>;

export interface VsyscallPlan {
  needed: boolean;
  /** Why it is or is not, for messages and `brands show`. */
  reason: string;
}

export interface BootPlan {
  zone: string;
  brand: string;
  rootfs: string;
  hostname: string;
  init: InitSpec;
  haltSignalNumber: number;
  network: 'shared' | 'exclusive';
  capabilities: string[];
  binds: BindMount[];
  seccomp: SeccompPlan;
  env: string[];
  arch: string;
  personality: Personality;
  kernel: KernelPlan;
  vsyscall: VsyscallPlan;
  /** A FIFO bound at /dev/initctl for SysV init. */
  initctl: boolean;
  /** etc/hostname, etc/resolv.conf and etc/mtab written at every boot. */
  zoneFiles: boolean;
  /** LXCFS's /proc files bound in, where LXCFS runs. */
  lxcfs: boolean;
  /** The brand's fixup families, in order (which apply is found in the zone root at boot). */
  fixupFamilies: string[];
  resources: ResourcePlan;
  /** Set when the zone has its own interface on a bridge (CNI). */
  net?: NetPlan;
}

/** The zone's resource caps (zonecfg's capped-memory, capped-cpu, max-processes,
 * cpu-shares), as the kernel will enforce them. */
export interface ResourcePlan {
  memoryBytes?: number;
  /** CPU time per period, in microseconds (capped-cpu 0.5 = 50000 of 100000). */
  cpu?: { quota: number; period: number };
  shares?: number;
  pids?: number;
}

export const CPU_PERIOD_US = 100_000;

export function resourcePlan(config: Record<string, string>): ResourcePlan {
  const r: ResourcePlan = {};
  const mem = config['capped-memory'];
  if (mem !== undefined) r.memoryBytes = sizeBytes(mem) as number;
  const cpu = config['capped-cpu'];
  if (cpu !== undefined) r.cpu = { quota: Math.round(Number(cpu) * CPU_PERIOD_US), period: CPU_PERIOD_US };
  const shares = config['cpu-shares'];
  if (shares !== undefined) r.shares = Number(shares);
  const pids = config['max-processes'];
  if (pids !== undefined) r.pids = Number(pids);
  return r;
}

/** A zone's own network on a host bridge (ip-type exclusive with net-address). */
export interface NetPlan {
  bridge: string;
  subnet: string;
  /** A fixed address; absent: the next free one of the subnet. */
  address?: string;
  forwards: PortForward[];
}

export function netPlan(config: Record<string, string>, zone: string): NetPlan | undefined {
  const address = config['net-address'];
  if (address === undefined) return undefined;
  if (configValue(config, 'ip-type') === 'shared') {
    throw new ZoneError('invalid-config', `zone "${zone}" has net-address but ip-type shared: a zone on the host's stack has no interface of its own`, {
      zone,
      hint: `zonectl configure ${zone} --unset net-address, or --set ip-type=exclusive`,
    });
  }
  return {
    bridge: configValue(config, 'net-bridge') as string,
    subnet: configValue(config, 'net-subnet') as string,
    ...(address === 'auto' ? {} : { address }),
    forwards: (config['net-forward'] ?? '')
      .split(',')
      .filter((f) => f !== '')
      .map((f) => parseForward(f) as PortForward),
  };
}

/** What the plan needs to know about the installed userland, read from its files. */
export interface UserlandFacts {
  /** glibc version ("2.12", ">=2.34"), when there is one. */
  glibc?: string;
  /** Whether exact uname emulation can run (asked only for zones with a kernel-version). */
  unameShim?: ShimAvailability;
}

const MACHINE: Record<string, string> = { x64: 'x86_64', ia32: 'i686', arm64: 'aarch64', arm: 'armv8l' };

/** UNAME26 is the fallback for a kernel-version below 3.0 where the shim cannot run. */
export function personalityFor(brand: LinuxBrand, userlandArch: string, kernelVersion: string | undefined, hostArch: string, shim = false): Personality {
  const linux32 = (userlandArch === 'ia32' && hostArch === 'x64') || (userlandArch === 'arm' && hostArch === 'arm64');
  const k = kernelVersion === undefined ? undefined : parseKernelVersion(kernelVersion);
  const uname26 = !shim && brand.shims?.['kernel-version'] === true && k !== undefined && !('bad' in k) && needsUname26(k);
  return { linux32, uname26 };
}

function kernelPlan(requested: string | undefined, p: Personality, arch: string, hostArch: string, shim: ShimAvailability | undefined): KernelPlan {
  const k = requested === undefined ? undefined : parseKernelVersion(requested);
  const parsed = k === undefined || 'bad' in k ? undefined : k;
  const machine = MACHINE[arch] ?? arch;
  if (parsed !== undefined && shim?.available === true) {
    // machine32: what a LINUX32 caller sees on this host (i686 on x86_64, armv8l on arm64).
    const machine32 = (hostArch === 'arm64' ? MACHINE.arm : MACHINE.ia32) as string;
    const answer = { release: parsed.release, version: eraVersion(parsed), machine: MACHINE[hostArch] ?? hostArch, machine32 };
    return { requested: parsed.release, release: parsed.release, machine, exact: true, shim: answer };
  }
  const release = p.uname26 ? uname26Release(hostRelease()) : hostRelease();
  return {
    ...(parsed === undefined ? {} : { requested: parsed.release }),
    release,
    machine,
    exact: parsed === undefined || parsed.release === release,
    ...(parsed === undefined || shim === undefined ? {} : { shimWhy: shim.why }),
  };
}

function vsyscallPlan(brand: LinuxBrand, arch: string, attribute: string | undefined, facts: UserlandFacts): VsyscallPlan {
  const rule = brand.shims?.vsyscall;
  if (rule === undefined) return { needed: false, reason: `brand ${brand.name} does not check vsyscall` };
  if (arch !== 'x64') return { needed: false, reason: `a ${arch} userland has no vsyscall page to call` };
  if (attribute === 'required') return { needed: true, reason: 'the userland says it calls the vsyscall page (vsyscall=required)' };
  if (attribute === 'not-needed') return { needed: false, reason: 'the userland says it does not call the vsyscall page' };
  if (facts.glibc === undefined) return { needed: false, reason: 'no glibc found in the userland' };
  return glibcOlderThan(facts.glibc, rule['glibc-below'])
    ? { needed: true, reason: `x86_64 glibc ${facts.glibc} (older than ${rule['glibc-below']}) calls the vsyscall page` }
    : { needed: false, reason: `glibc ${facts.glibc} does not call the vsyscall page` };
}

/** Reads what the plan needs from an installed userland (nothing for others). */
export async function userlandFacts(brand: LinuxBrand, rootfs: string | undefined): Promise<UserlandFacts> {
  if (rootfs === undefined || brand.shims?.vsyscall === undefined) return {};
  const glibc = await glibcVersion(rootfs);
  return glibc === undefined ? {} : { glibc };
}

/** The zone attribute a config key overrides: the zone's config, then the userland's. */
export function zoneAttribute(record: ZoneRecord, status: ZoneStatus, key: string): string | undefined {
  return configValue(record.config, key) ?? status.userland?.attributes?.[key];
}

/** Everything a plan needs from disk and host, then the plan: the one way to make one. */
export async function makeBootPlan(record: ZoneRecord, status: ZoneStatus, brand: LinuxBrand, probeHost?: HostProbe, rootfs = userlandRoot(record, status)): Promise<BootPlan> {
  const installed = status.userland !== undefined;
  const wantsShim = probeHost !== undefined && brand.shims?.['kernel-version'] === true && zoneAttribute(record, status, 'kernel-version') !== undefined;
  const [shared, facts, shim] = await Promise.all([
    sharedDirectories(rootfs, brand),
    userlandFacts(brand, installed ? rootfs : undefined),
    wantsShim ? probeHost() : Promise.resolve(undefined),
  ]);
  return buildBootPlan(record, status, brand, shared, shim === undefined ? facts : { ...facts, unameShim: shim });
}

export { ZONE_PATH_ENV } from '../core/zone.js';

/** Which of the brand's host paths are directories in this zone's root (to bind-mount):
 * the install made a directory where the host has one and mirrored the host's symlinks. */
export async function sharedDirectories(rootfs: string, brand: LinuxBrand): Promise<string[]> {
  const out: string[] = [];
  for (const { path } of brand['host-paths'] ?? []) {
    const [inZone, onHost] = await Promise.all([lstat(join(rootfs, path)).catch(() => undefined), lstat(path).catch(() => undefined)]);
    if (inZone?.isDirectory() === true && onHost?.isDirectory() === true) out.push(path);
  }
  return out;
}

/** KEY=VALUE lists, later ones replacing earlier keys, order kept. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...base, ...over]) out.set(kv.split('=')[0] as string, kv);
  return [...out.values()];
}

/** The zone's fs resources (zonecfg `add fs`, a jail's nullfs lines) as bind mounts:
 * loopback mounts of host directories are what a Linux host can give a zone. */
export function fsBinds(record: ZoneRecord): BindMount[] {
  return (record.fs ?? []).map((f) => {
    if (f.type !== undefined && !['lofs', 'nullfs', 'bind'].includes(f.type)) {
      throw new ZoneError('invalid-config', `zone "${record.name}": fs ${f.dir} is of type ${f.type}, which a Linux host cannot mount into a zone`, {
        zone: record.name,
        hint: 'on Linux, fs entries are loopback mounts of host directories (type lofs, nullfs or bind)',
      });
    }
    return { source: f.special, destination: f.dir, readonly: (f.options ?? []).includes('ro') };
  });
}

export function buildBootPlan(record: ZoneRecord, status: ZoneStatus, brand: LinuxBrand, sharedDirs: string[], facts: UserlandFacts = {}, hostArch: string = process.arch): BootPlan {
  const init = status.userland?.init ?? { command: brand.init.command, haltSignal: brand.init['halt-signal'] };
  const arch = status.userland?.arch ?? hostArch;
  const kernelVersion = brand.shims?.['kernel-version'] === true ? zoneAttribute(record, status, 'kernel-version') : undefined;
  const shimmed = kernelVersion !== undefined && facts.unameShim?.available === true;
  const net = netPlan(record.config, record.name);
  const personality = personalityFor(brand, arch, kernelVersion, hostArch, shimmed);
  return {
    zone: record.name,
    brand: brand.name,
    rootfs: userlandRoot(record, status),
    hostname: configValue(record.config, 'hostname') ?? record.name,
    init,
    haltSignalNumber: signalNumber(init.haltSignal),
    network: configValue(record.config, 'ip-type') === 'shared' ? 'shared' : 'exclusive',
    capabilities: [...brand.capabilities],
    binds: [...sharedDirs.map((p) => ({ source: p, destination: p, readonly: true })), ...fsBinds(record)],
    seccomp: { defaultAction: brand.seccomp['default-action'], deny: [...brand.seccomp.deny], errno: brand.seccomp.errno },
    env: mergeEnv([ZONE_PATH_ENV, 'TERM=xterm', 'container=zonectl', `HOSTNAME=${configValue(record.config, 'hostname') ?? record.name}`], status.userland?.env ?? []),
    arch,
    personality,
    kernel: kernelPlan(kernelVersion, personality, personality.linux32 ? 'ia32' : arch, hostArch, kernelVersion === undefined ? undefined : facts.unameShim),
    vsyscall: vsyscallPlan(brand, arch, zoneAttribute(record, status, 'vsyscall'), facts),
    initctl: brand.shims?.initctl === true,
    zoneFiles: brand.shims?.['zone-files'] === true,
    lxcfs: brand.shims?.lxcfs === true,
    fixupFamilies: (brand.fixups ?? []).map((f) => f.family),
    resources: resourcePlan(record.config),
    ...(net === undefined ? {} : { net }),
  };
}
