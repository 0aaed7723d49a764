// The OCI runtime bundle (config.json) for a zone, built from its BootPlan. Defaults
// follow runc's own `runc spec`: the same masked and read-only paths, device set and
// mounts, so a zone is as confined as a container users already trust.
import type { BootPlan, ResourcePlan } from '../../brands/plan.js';
import { ociSeccomp, type OciSeccomp } from './seccomp.js';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: Array<{ type: string; hard: number; soft: number }>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: Array<{ type: string }>;
    cgroupsPath: string;
    maskedPaths: string[];
    readonlyPaths: string[];
    resources: OciResources;
    seccomp: OciSeccomp;
  };
  annotations: Record<string, string>;
}

export interface OciResources {
  devices: Array<{ allow: boolean; access: string }>;
  memory?: { limit: number; swap: number };
  cpu?: { quota?: number; period?: number; shares?: number };
  pids?: { limit: number };
}

/** The zone's caps as OCI resources; the runtime writes them to cgroup v1 or v2 files
 * (runc converts shares to cpu.weight and swap to memory.swap.max on v2). */
export function ociResources(r: ResourcePlan): OciResources {
  const out: OciResources = { devices: [{ allow: false, access: 'rwm' }] };
  // swap = limit: memory and swap together may not pass the cap, so a zone over it is
  // OOM-killed instead of pushing the host into swap.
  if (r.memoryBytes !== undefined) out.memory = { limit: r.memoryBytes, swap: r.memoryBytes };
  if (r.cpu !== undefined || r.shares !== undefined) {
    out.cpu = { ...(r.cpu === undefined ? {} : { quota: r.cpu.quota, period: r.cpu.period }), ...(r.shares === undefined ? {} : { shares: r.shares }) };
  }
  if (r.pids !== undefined) out.pids = { limit: r.pids };
  return out;
}

export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const BASE_MOUNTS: OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc' },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] },
];

/** FNV-1a, 32 bits: enough to tell state roots apart, and no crypto module to load
 * on every boot. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** A cgroup path unique per state root, so two zonectl roots (tests, users) never share one. */
export function cgroupsPath(stateRoot: string, zone: string): string {
  return `/zonectl/${fnv1a(stateRoot)}-${zone}`;
}

/** The zone's identity for host-wide bookkeeping (CNI address leases): unique per state root. */
export function hostWideId(stateRoot: string, zone: string): string {
  return `zonectl-${fnv1a(stateRoot)}-${zone}`;
}

export interface HostLimits {
  /** Our own hard RLIMIT_NOFILE: the runtime cannot give a zone more without CAP_SYS_RESOURCE. */
  nofileHard: number;
}

/** Reads the hard open-files limit this process runs under, from /proc/self/limits. */
export function parseNofileHard(limits: string): number | undefined {
  const m = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(limits);
  if (m === null) return undefined;
  return m[1] === 'unlimited' ? 1048576 : Number(m[1]);
}

/** `listenerPath`: the uname supervisor's socket, when the zone's plan has the shim
 * (never for install-time runs, which have no supervisor). */
export function buildOciConfig(plan: BootPlan, stateRoot: string, limits: HostLimits, hostArch = process.arch, listenerPath?: string): OciConfig {
  const namespaces = ['pid', 'ipc', 'uts', 'mount', 'cgroup'];
  if (plan.network === 'exclusive') namespaces.push('network');
  const caps = [...plan.capabilities].sort();
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: plan.init.command,
      env: plan.env,
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: limits.nofileHard, soft: Math.min(1024, limits.nofileHard) }],
      // Zones run whole userlands: su, sudo and ping need setuid to work inside.
      noNewPrivileges: false,
    },
    root: { path: plan.rootfs, readonly: false },
    hostname: plan.hostname,
    mounts: [
      ...BASE_MOUNTS,
      ...plan.binds.map((b) => ({
        destination: b.destination,
        type: 'bind',
        source: b.source,
        options: b.readonly ? ['rbind', 'ro'] : ['rbind'],
      })),
    ],
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      cgroupsPath: cgroupsPath(stateRoot, plan.zone),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      resources: ociResources(plan.resources),
      seccomp: ociSeccomp(plan.seccomp, hostArch, listenerPath),
    },
    annotations: { 'org.zonectl.zone': plan.zone, 'org.zonectl.brand': plan.brand },
  };
}
