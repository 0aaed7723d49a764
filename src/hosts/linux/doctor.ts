// `zonectl doctor`: what this Linux host can do for zones, and how to fix what it cannot.
// Every probe is independent and failure-tolerant: a probe that throws becomes a check,
// never an exception out of runDoctor.
import { procRoot, readKconfig } from './abi-gates.js';
import { shimAvailability } from '../../backends/linux/uname-shim.js';
import { LXCFS_PROC, lxcfsBinds } from '../../brands/prepare.js';
import { cniPath } from '../../backends/linux/cni.js';
import { chooseDriver } from '../../storage/driver.js';
import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { machine, release, tmpdir, type } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_PACKAGE, findStaticBusybox } from '../../install/host-busybox.js';
import {
  cmdlineParam,
  ia32Status,
  parseCgroupLayout,
  parseFilesystems,
  parseKconfig,
  parseOsRelease,
  parseRuntimeVersion,
  parseSeccompActions,
  parseSeccompStatus,
  parseSysctlInt,
  parseVsyscall,
  vsyscallFromBoot,
  vsyscallFromMaps,
  type CgroupLayout,
  type VsyscallMode,
} from '../../probes/linux.js';
import type { CheckStatus, DoctorCheck, DoctorReport } from '../../probes/check.js';
import { ABI_NAMES, hostAbi, probeAbi, type AbiProbe } from '../../probes/abi.js';

export type { CgroupLayout, VsyscallMode } from '../../probes/linux.js';

export type { CheckStatus, DoctorCheck } from '../../probes/check.js';
export interface LinuxDoctorReport extends DoctorReport {
  runtime: { name: string; path: string; version: string } | null; // the selected runtime
  cgroup: CgroupLayout;
  vsyscall: VsyscallMode;
  ia32: boolean | null; // null when not an x86_64 host
}

const execFileP = promisify(execFile);
const EXEC_TIMEOUT_MS = 3000;

// Runtimes live in sbin on Debian, which a non-root PATH often lacks.
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const NAMESPACES = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup', 'user'] as const;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first executable regular file called name on PATH (then the sbin dirs). */
async function which(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, ...EXTRA_BIN_DIRS]) {
    const candidate = join(dir, name);
    try {
      if (!(await stat(candidate)).isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Kernel config: /boot/config-<release> (Debian) first, then /proc/config.gz (IKCONFIG_PROC). */
interface RuntimeProbe {
  name: string;
  path?: string;
  version?: string;
  error?: string;
}

async function probeRuntime(name: string): Promise<RuntimeProbe> {
  const path = await which(name);
  if (path === undefined) return { name };
  try {
    const { stdout } = await execFileP(path, ['--version'], { timeout: EXEC_TIMEOUT_MS });
    return { name, path, version: parseRuntimeVersion(stdout) ?? 'unknown' };
  } catch (err) {
    return { name, path, error: message(err) };
  }
}

function runtimeCheck(rt: RuntimeProbe, cgroup: CgroupLayout): DoctorCheck {
  const title = `OCI runtime (${rt.name})`;
  const fix = `apt-get install ${rt.name}`;
  if (rt.path === undefined) return { id: 'runtime', title, status: 'missing', detail: `${rt.name} not found on PATH`, fix };
  if (rt.error !== undefined) {
    return { id: 'runtime', title, status: 'missing', detail: `${rt.path} --version failed: ${rt.error}`, fix: `reinstall: ${fix}` };
  }
  if (rt.name === 'crun' && cgroup === 'hybrid') {
    return {
      id: 'runtime',
      title,
      status: 'warn',
      detail: `${rt.path} version ${rt.version ?? 'unknown'}; crun 1.8 refuses the hybrid cgroup layout of this host`,
      fix: 'use --runtime runc, or boot with systemd.unified_cgroup_hierarchy=1 for cgroup v2',
    };
  }
  return { id: 'runtime', title, status: 'ok', detail: `${rt.path} version ${rt.version ?? 'unknown'}` };
}

// crun is optional, so its absence is only a warning unless it is the selected runtime.
function crunCheck(crun: RuntimeProbe, selected: string, cgroup: CgroupLayout): DoctorCheck {
  const title = 'crun (optional OCI runtime)';
  if (crun.path === undefined) {
    return {
      id: 'crun',
      title,
      status: selected === 'crun' ? 'missing' : 'warn',
      detail: selected === 'crun' ? 'crun is the selected runtime but is not installed' : 'not installed (optional; runc is used)',
      fix: 'apt-get install crun',
    };
  }
  if (crun.error !== undefined) return { id: 'crun', title, status: 'warn', detail: `${crun.path} --version failed: ${crun.error}` };
  const hybridNote = cgroup === 'hybrid' ? "; crun 1.8 refuses this host's hybrid cgroup layout, runc works" : '';
  return { id: 'crun', title, status: 'ok', detail: `${crun.path} version ${crun.version ?? 'unknown'}${hybridNote}` };
}

async function namespacesCheck(): Promise<DoctorCheck> {
  const present = await Promise.all(NAMESPACES.map((ns) => exists(`/proc/self/ns/${ns}`)));
  const missing = NAMESPACES.filter((_ns, i) => present[i] !== true);
  const title = 'Namespaces';
  if (missing.length === 0) return { id: 'namespaces', title, status: 'ok', detail: NAMESPACES.join(', ') };
  return {
    id: 'namespaces',
    title,
    status: 'missing',
    detail: `missing: ${missing.join(', ')} (no /proc/self/ns/<name>)`,
    fix: 'use a kernel built with CONFIG_NAMESPACES and CONFIG_{PID,UTS,IPC,NET,USER}_NS and CONFIG_CGROUPS',
  };
}

async function usernsCheck(): Promise<DoctorCheck> {
  const [maxText, cloneText, apparmorText] = await Promise.all([
    readText('/proc/sys/user/max_user_namespaces'),
    readText('/proc/sys/kernel/unprivileged_userns_clone'),
    readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
  ]);
  const title = 'User namespaces';
  const max = maxText === undefined ? undefined : parseSysctlInt(maxText);
  if (max === undefined || max <= 0) {
    return {
      id: 'userns',
      title,
      status: 'missing',
      detail: max === undefined ? '/proc/sys/user/max_user_namespaces not readable (kernel without CONFIG_USER_NS?)' : 'user.max_user_namespaces=0',
      fix: 'sysctl -w user.max_user_namespaces=15000 (and a kernel with CONFIG_USER_NS)',
    };
  }
  const parts = [`user.max_user_namespaces=${max}`];
  let status: CheckStatus = 'ok';
  const fixes: string[] = [];
  // Debian-patched kernels gate unprivileged use; root does not need it, hence only a warning.
  const clone = cloneText === undefined ? undefined : parseSysctlInt(cloneText);
  if (clone !== undefined) {
    parts.push(`kernel.unprivileged_userns_clone=${clone}`);
    if (clone === 0) {
      status = 'warn';
      fixes.push('sysctl -w kernel.unprivileged_userns_clone=1');
    }
  }
  // Ubuntu 24.04 restricts unprivileged user namespaces through AppArmor instead.
  const apparmor = apparmorText === undefined ? undefined : parseSysctlInt(apparmorText);
  if (apparmor !== undefined) {
    parts.push(`kernel.apparmor_restrict_unprivileged_userns=${apparmor}`);
    if (apparmor === 1) {
      status = 'warn';
      fixes.push('sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
    }
  }
  if (status === 'warn') parts.push('unprivileged user namespaces are disabled (root is unaffected)');
  const check: DoctorCheck = { id: 'userns', title, status, detail: parts.join('; ') };
  if (fixes.length > 0) check.fix = fixes.join('; ');
  return check;
}

async function cgroupCheck(mountinfo: string | undefined): Promise<{ layout: CgroupLayout; check: DoctorCheck }> {
  const title = 'cgroup layout';
  if (mountinfo === undefined) {
    return { layout: 'unknown', check: { id: 'cgroup', title, status: 'warn', detail: '/proc/self/mountinfo not readable' } };
  }
  const { layout, v1Controllers } = parseCgroupLayout(mountinfo);
  const v1 = v1Controllers.length > 0 ? `v1 controllers: ${v1Controllers.join(', ')}` : '';
  switch (layout) {
    case 'v2': {
      const ctl = (await readText('/sys/fs/cgroup/cgroup.controllers'))?.trim();
      const detail = `cgroup v2 at /sys/fs/cgroup${ctl ? `; controllers: ${ctl.split(/\s+/).join(', ')}` : ''}`;
      return { layout, check: { id: 'cgroup', title, status: 'ok', detail } };
    }
    case 'hybrid':
      return { layout, check: { id: 'cgroup', title, status: 'ok', detail: `hybrid (v1 + cgroup2); ${v1}; crun 1.8 refuses hybrid, runc works` } };
    case 'v1':
      return { layout, check: { id: 'cgroup', title, status: 'ok', detail: `cgroup v1; ${v1}` } };
    default:
      return {
        layout,
        check: {
          id: 'cgroup',
          title,
          status: 'missing',
          detail: 'no cgroup hierarchy mounted at /sys/fs/cgroup',
          fix: 'mount -t cgroup2 cgroup2 /sys/fs/cgroup',
        },
      };
  }
}

async function overlayCheck(kernel: string): Promise<DoctorCheck> {
  const title = 'overlayfs';
  const filesystems = await readText('/proc/filesystems');
  if (filesystems !== undefined && parseFilesystems(filesystems).includes('overlay')) {
    return { id: 'overlayfs', title, status: 'ok', detail: 'overlay listed in /proc/filesystems' };
  }
  // Not registered yet is fine when the module is there: the kernel loads it on first mount.
  const dir = `/lib/modules/${kernel}/kernel/fs/overlayfs`;
  for (const ext of ['', '.xz', '.zst', '.gz']) {
    if (await exists(`${dir}/overlay.ko${ext}`)) return { id: 'overlayfs', title, status: 'ok', detail: `loadable module (${dir}/overlay.ko${ext})` };
  }
  return {
    id: 'overlayfs',
    title,
    status: 'missing',
    detail: 'overlay is neither in /proc/filesystems nor a module under /lib/modules',
    fix: 'modprobe overlay (or use a kernel with CONFIG_OVERLAY_FS)',
  };
}

async function seccompCheck(): Promise<DoctorCheck> {
  const title = 'seccomp';
  const [status, actionsText] = await Promise.all([readText('/proc/self/status'), readText('/proc/sys/kernel/seccomp/actions_avail')]);
  const mode = status === undefined ? undefined : parseSeccompStatus(status);
  if (mode === undefined) {
    return {
      id: 'seccomp',
      title,
      status: 'missing',
      detail: 'no Seccomp: line in /proc/self/status (kernel without CONFIG_SECCOMP)',
      fix: 'use a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER',
    };
  }
  const actions = actionsText === undefined ? [] : parseSeccompActions(actionsText);
  if (actions.length === 0) {
    return { id: 'seccomp', title, status: 'warn', detail: 'seccomp present but /proc/sys/kernel/seccomp/actions_avail not readable; user_notif unknown' };
  }
  const notif = actions.includes('user_notif');
  const check: DoctorCheck = {
    id: 'seccomp',
    title,
    status: notif ? 'ok' : 'warn',
    detail: `actions: ${actions.join(' ')}; user_notif ${notif ? 'available' : 'not available (needed by later features)'}`,
  };
  if (!notif) check.fix = 'use Linux 5.0 or newer for SECCOMP_RET_USER_NOTIF';
  return check;
}

/** Decided by executing a tiny 32-bit program (a kernel's config can say yes while its
 * hypervisor or a boot parameter says no); the config and command line say why not. */
function ia32Check(isX64: boolean, probe: AbiProbe | undefined, kconfig: { text: string; source: string } | undefined, cmdline: string): { ia32: boolean | null; check: DoctorCheck } {
  const title = '32-bit x86 binaries (ia32)';
  if (!isX64 || probe === undefined) return { ia32: null, check: { id: 'ia32', title, status: 'ok', detail: 'not applicable' } };
  if (probe.mode === 'native') return { ia32: true, check: { id: 'ia32', title, status: 'ok', detail: 'native: a 32-bit x86 program ran on the kernel' } };
  if (probe.mode === 'emulated') return { ia32: true, check: { id: 'ia32', title, status: 'ok', detail: `emulated: a 32-bit x86 program ran through ${probe.detail}` } };
  const { reason } = ia32Status(kconfig === undefined ? undefined : parseKconfig(kconfig.text), cmdline);
  const source = kconfig === undefined ? '' : ` (${kconfig.source})`;
  return {
    ia32: false,
    check: {
      id: 'ia32',
      title,
      status: 'missing',
      detail: `cannot run: a 32-bit x86 program got "${probe.detail}"; the kernel: ${reason}${source}`,
      fix: 'boot with ia32_emulation=1 (kernels built with CONFIG_IA32_EMULATION); a hypervisor that refuses compat mode cannot be fixed from inside',
    },
  };
}

/** Other architectures' userlands: each one's tiny program executed, as above. */
function foreignAbisCheck(probes: AbiProbe[]): DoctorCheck {
  const title = 'other architectures (foreign userlands)';
  const detail = probes.map((p) => `${p.abi} ${p.mode === 'emulated' ? `emulated (${p.detail})` : p.mode}`).join('; ');
  const qemu = existsSync('/usr/bin/qemu-aarch64-static');
  return {
    id: 'foreign-abis',
    title,
    status: 'ok',
    detail: `${detail}; qemu-user-static ${qemu ? 'installed' : 'not installed'}`,
    ...(qemu ? {} : { fix: 'apt-get install qemu-user-static' }),
  };
}

function vsyscallCheck(isX64: boolean, maps: string | undefined, cmdline: string, kconfigText: string | undefined): { mode: VsyscallMode; check: DoctorCheck } {
  const title = 'vsyscall page';
  // Only x86_64 has a vsyscall page; elsewhere there is nothing to emulate.
  if (!isX64) return { mode: 'none', check: { id: 'vsyscall', title, status: 'ok', detail: 'not applicable' } };
  const kconfig = kconfigText === undefined ? undefined : parseKconfig(kconfigText);
  const mode = parseVsyscall(maps ?? '', cmdline, kconfig);
  const boot = vsyscallFromBoot(cmdline, kconfig);
  const seen = maps === undefined ? 'from kernel command line/config' : vsyscallFromMaps(maps) !== undefined ? 'from /proc/self/maps' : 'no [vsyscall] in /proc/self/maps';
  const parts = [`${mode} (${seen})`];
  if (boot !== 'unknown' && boot !== mode) {
    const param = cmdlineParam(cmdline, 'vsyscall');
    parts.push(`boot settings say ${boot}${param !== undefined ? ` (vsyscall=${param})` : ''}`);
  }
  parts.push(mode === 'emulate' ? 'old static binaries (glibc < 2.14, CentOS 3-6 era) will run' : 'emulate is needed for very old glibc (CentOS 3-6 era static binaries)');
  const check: DoctorCheck = { id: 'vsyscall', title, status: 'ok', detail: parts.join('; ') };
  if (mode !== 'emulate') check.fix = 'boot the host with vsyscall=emulate for userlands older than glibc 2.14';
  return { mode, check };
}

async function busyboxCheck(): Promise<DoctorCheck> {
  const title = 'static busybox';
  const path = await findStaticBusybox();
  if (path !== undefined) return { id: 'busybox-static', title, status: 'ok', detail: path };
  return {
    id: 'busybox-static',
    title,
    status: 'missing',
    detail: 'no statically linked busybox found (needed by the busybox recipe and the sparse brand)',
    fix: `apt-get install ${BUSYBOX_PACKAGE}`,
  };
}

/** Host programs that some install sources need (Debian package names for the fix). */
const INSTALL_TOOLS: ReadonlyArray<{ program: string; pkg: string; use: string }> = [
  { program: 'xz', pkg: 'xz-utils', use: 'xz archives' },
  { program: 'bzip2', pkg: 'bzip2', use: 'bzip2 archives' },
  { program: 'zstd', pkg: 'zstd', use: 'zstd archives' },
  { program: 'setfattr', pkg: 'attr', use: "archives' extended attributes" },
  { program: 'debootstrap', pkg: 'debootstrap', use: 'the debootstrap method' },
];

async function installToolsCheck(): Promise<DoctorCheck> {
  const title = 'install tools';
  const found = await Promise.all(INSTALL_TOOLS.map(async (t) => ({ ...t, path: await which(t.program) })));
  const missing = found.filter((t) => t.path === undefined);
  if (missing.length === 0) return { id: 'install-tools', title, status: 'ok', detail: found.map((t) => t.program).join(', ') };
  return {
    id: 'install-tools',
    title,
    status: 'warn',
    detail: `missing: ${missing.map((t) => `${t.program} (${t.use})`).join(', ')}`,
    fix: `apt-get install ${missing.map((t) => t.pkg).join(' ')}`,
  };
}

/** The OpenSSH client, for managing other hosts with --host (not needed for local zones). */
async function sshClientCheck(): Promise<DoctorCheck> {
  const title = 'ssh client (--host)';
  const path = await which('ssh');
  if (path !== undefined) return { id: 'ssh-client', title, status: 'ok', detail: `${path}: --host reaches FreeBSD, illumos and Linux hosts` };
  return { id: 'ssh-client', title, status: 'warn', detail: 'no ssh on PATH: only the zones of this machine can be reached', fix: 'apt-get install openssh-client' };
}

/** Exact kernel-version for lx zones: the native uname supervisor and seccomp user
 * notification; without them lx zones fall back to UNAME26. */
async function unameShimCheck(): Promise<DoctorCheck> {
  const title = 'exact uname for lx zones';
  const a = await shimAvailability();
  if (a.available) return { id: 'uname-shim', title, status: 'ok', detail: a.why };
  return { id: 'uname-shim', title, status: 'warn', detail: `${a.why}; lx zones report UNAME26 kernels (2.6.x) instead`, fix: 'apt-get install gcc, then npm run build' };
}

/** LXCFS, for lx zones' /proc/meminfo, cpuinfo, uptime and stat. */
async function lxcfsCheck(): Promise<DoctorCheck> {
  const title = 'LXCFS (/proc of lx zones)';
  const binds = await lxcfsBinds();
  if (binds.length > 0) return { id: 'lxcfs', title, status: 'ok', detail: `running at ${LXCFS_PROC}: ${binds.map((b) => b.destination).join(' ')}` };
  return {
    id: 'lxcfs',
    title,
    status: 'warn',
    detail: `not running (no ${LXCFS_PROC}): lx zones see the host's memory, CPUs and uptime in /proc`,
    fix: 'apt-get install lxcfs (it starts lxcfs.service; without systemd run: lxcfs /var/lib/lxcfs &)',
  };
}

/** CNI plugins, for zones with their own network (net-address). */
async function cniCheck(): Promise<DoctorCheck> {
  const title = 'CNI plugins (zone networks)';
  const path = cniPath();
  const iptables = await which('iptables');
  if (path !== undefined && iptables !== undefined) return { id: 'cni', title, status: 'ok', detail: `${path} (bridge, host-local, portmap, firewall); ${iptables}` };
  const missing = [...(path === undefined ? ['CNI plugins'] : []), ...(iptables === undefined ? ['iptables'] : [])];
  return {
    id: 'cni',
    title,
    status: 'warn',
    detail: `no ${missing.join(' or ')}: zones with net-address cannot boot; others have loopback or the host's stack`,
    fix: 'apt-get install containernetworking-plugins iptables',
  };
}

/** Which storage driver the state root's zones get for clones and snapshots. */
async function storageCheck(stateRoot: string): Promise<DoctorCheck> {
  const title = 'clone and snapshot storage';
  const zones = join(stateRoot, 'zones');
  const dir = existsSync(zones) ? zones : existsSync(stateRoot) ? stateRoot : dirname(stateRoot);
  const c = await chooseDriver(dir, existsSync(stateRoot) ? stateRoot : dir);
  return { id: 'storage', title, status: 'ok', detail: `${c.driver} for ${stateRoot}: ${c.why}` };
}

function rootCheck(): DoctorCheck {
  const uid = process.getuid?.();
  const title = 'root privileges';
  if (uid === 0) return { id: 'root', title, status: 'ok', detail: 'running as root' };
  return {
    id: 'root',
    title,
    status: 'missing',
    detail: `running as uid ${uid ?? 'unknown'}`,
    fix: 'run zonectl as root (rootless zones are not supported yet)',
  };
}

/** Runs a probe; an unexpected exception becomes a 'warn' check with the same id. */
async function guard<T>(id: string, title: string, probe: () => Promise<T>, fallback: (c: DoctorCheck) => T): Promise<T> {
  try {
    return await probe();
  } catch (err) {
    return fallback({ id, title, status: 'warn', detail: `probe failed: ${message(err)}` });
  }
}

export async function runDoctor(opts?: { runtime?: string; stateRoot?: string }): Promise<LinuxDoctorReport> {
  const selected = opts?.runtime ?? 'runc';
  const kernel = release();
  const isX64 = process.arch === 'x64';

  // Shared inputs first (several checks read them), all at once.
  const [osRelease, mountinfo, cmdlineRaw, maps, kconfig, selectedRt, crunRt] = await Promise.all([
    readText('/etc/os-release'),
    readText('/proc/self/mountinfo'),
    readText(`${procRoot()}/cmdline`),
    isX64 ? readText(`${procRoot()}/self/maps`) : Promise.resolve(undefined),
    isX64 ? readKconfig(kernel) : Promise.resolve(undefined),
    probeRuntime(selected),
    selected === 'crun' ? Promise.resolve(undefined) : probeRuntime('crun'),
  ]);
  const cmdline = cmdlineRaw ?? '';
  const crun = crunRt ?? selectedRt;

  const [cg, namespaces, userns, overlay, seccomp, busybox, tools, shim, lxcfs, cni, storage] = await Promise.all([
    guard(
      'cgroup',
      'cgroup layout',
      () => cgroupCheck(mountinfo),
      (check) => ({ layout: 'unknown' as CgroupLayout, check }),
    ),
    guard('namespaces', 'Namespaces', namespacesCheck, (c) => c),
    guard('userns', 'User namespaces', usernsCheck, (c) => c),
    guard(
      'overlayfs',
      'overlayfs',
      () => overlayCheck(kernel),
      (c) => c,
    ),
    guard('seccomp', 'seccomp', seccompCheck, (c) => c),
    guard('busybox-static', 'static busybox', busyboxCheck, (c) => c),
    guard('install-tools', 'install tools', installToolsCheck, (c) => c),
    guard('uname-shim', 'exact uname for lx zones', unameShimCheck, (c) => c),
    guard('lxcfs', 'LXCFS (/proc of lx zones)', lxcfsCheck, (c) => c),
    guard('cni', 'CNI plugins (zone networks)', cniCheck, (c) => c),
    guard(
      'storage',
      'clone and snapshot storage',
      () => storageCheck(opts?.stateRoot ?? '/var/lib/zonectl'),
      (c) => c,
    ),
  ]);
  const ssh = await guard('ssh-client', 'ssh client (--host)', sshClientCheck, (c) => c);
  const probeDir = existsSync(opts?.stateRoot ?? '/var/lib/zonectl') ? (opts?.stateRoot ?? '/var/lib/zonectl') : tmpdir();
  const abis = ABI_NAMES.filter((a) => a !== hostAbi()).map((a) => probeAbi(a, probeDir));
  const ia = ia32Check(
    isX64,
    abis.find((p) => p.abi === 'i386'),
    kconfig,
    cmdline,
  );
  const vs = vsyscallCheck(isX64, maps, cmdline, kconfig?.text);

  const checks: DoctorCheck[] = [
    runtimeCheck(selectedRt, cg.layout),
    crunCheck(crun, selected, cg.layout),
    namespaces,
    userns,
    cg.check,
    overlay,
    seccomp,
    ia.check,
    foreignAbisCheck(abis.filter((p) => p.abi !== 'i386' || !isX64)),
    vs.check,
    busybox,
    tools,
    shim,
    lxcfs,
    cni,
    storage,
    ssh,
    rootCheck(),
  ];

  const host = { os: (osRelease === undefined ? undefined : parseOsRelease(osRelease)) ?? type(), kernel, arch: machine() };
  return {
    host,
    summary: `host: ${host.os}, kernel ${host.kernel}, ${host.arch}`,
    runtime: selectedRt.path === undefined ? null : { name: selectedRt.name, path: selectedRt.path, version: selectedRt.version ?? 'unknown' },
    cgroup: cg.layout,
    vsyscall: vs.mode,
    ia32: ia.ia32,
    checks,
    ok: checks.every((c) => c.status !== 'missing'),
  };
}
