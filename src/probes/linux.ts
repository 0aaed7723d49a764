// Pure parsers for the text the kernel and host tools expose. No I/O here, so every
// rule can be tested against real samples from hosts we do not have.

export type CgroupLayout = 'v1' | 'hybrid' | 'v2' | 'unknown';
export type VsyscallMode = 'none' | 'xonly' | 'emulate' | 'unknown';

/** One line of /proc/<pid>/mountinfo, only the fields the doctor needs. */
export interface MountInfoEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo; lines that do not have the documented shape are skipped. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    // Optional fields (shared:N, master:N, ...) vary in number; "-" ends them.
    const sep = f.indexOf('-', 6);
    if (f.length < 7 || sep < 0 || sep + 1 >= f.length) continue;
    const mountPoint = f[4];
    const fsType = f[sep + 1];
    if (mountPoint === undefined || fsType === undefined) continue;
    out.push({
      mountPoint: unescapeOctal(mountPoint),
      fsType,
      source: unescapeOctal(f[sep + 2] ?? ''),
      superOptions: (f[sep + 3] ?? '').split(',').filter((o) => o !== ''),
    });
  }
  return out;
}

// cgroup v1 super options that are mount flags, not controllers.
const V1_NON_CONTROLLER = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods', 'none', 'all']);

/**
 * The cgroup layout as runc sees it: v2 when /sys/fs/cgroup itself is cgroup2 (the last
 * mount there wins, as it hides earlier ones); hybrid when v1 controllers sit next to a
 * cgroup2 mount (systemd puts it at /sys/fs/cgroup/unified); v1 when only v1 is mounted.
 * v1Controllers includes named hierarchies such as name=systemd.
 */
export function parseCgroupLayout(mountinfo: string): { layout: CgroupLayout; v1Controllers: string[] } {
  const mounts = parseMountInfo(mountinfo);
  const v1Controllers: string[] = [];
  let anyV2 = false;
  let rootFs: string | undefined;
  for (const m of mounts) {
    if (m.mountPoint === '/sys/fs/cgroup') rootFs = m.fsType;
    if (m.fsType === 'cgroup2') anyV2 = true;
    if (m.fsType !== 'cgroup') continue;
    for (const opt of m.superOptions) {
      if (V1_NON_CONTROLLER.has(opt) || opt.startsWith('release_agent=')) continue;
      if (!v1Controllers.includes(opt)) v1Controllers.push(opt);
    }
  }
  let layout: CgroupLayout;
  if (rootFs === 'cgroup2') layout = 'v2';
  else if (v1Controllers.length > 0) layout = anyV2 ? 'hybrid' : 'v1';
  else layout = 'unknown'; // nothing mounted, or cgroup2 only somewhere runc does not look
  return { layout, v1Controllers };
}

/** Kernel config (.config text) as a map; "# CONFIG_X is not set" becomes 'n'. */
export function parseKconfig(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset?.[1] !== undefined) {
      map.set(unset[1], 'n');
      continue;
    }
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set?.[1] === undefined || set[2] === undefined) continue;
    const value = set[2].length >= 2 && set[2].startsWith('"') && set[2].endsWith('"') ? set[2].slice(1, -1) : set[2];
    map.set(set[1], value);
  }
  return map;
}

/**
 * The value of a kernel command-line parameter (last occurrence wins, as in the kernel).
 * Words after a bare "--" are handed to init, not parsed by the kernel, so they are ignored.
 * Returns '' for a flag without "=", undefined when absent. Quoted values are not expected
 * for the parameters we read.
 */
export function cmdlineParam(cmdline: string, name: string): string | undefined {
  let value: string | undefined;
  for (const word of cmdline.trim().split(/\s+/)) {
    if (word === '--') break;
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    // The kernel treats '-' and '_' in parameter names alike.
    if (key.replace(/-/g, '_') === name.replace(/-/g, '_')) value = eq < 0 ? '' : word.slice(eq + 1);
  }
  return value;
}

/** The kernel's kstrtobool(): y/t/1/on are true, n/f/0/off false, anything else undefined. */
export function kstrtobool(s: string): boolean | undefined {
  const v = s.toLowerCase();
  if (/^[yt1]/.test(v) || v.startsWith('on')) return true;
  if (/^[nf0]/.test(v) || v.startsWith('of')) return false;
  return undefined;
}

function toKconfigMap(kconfig: string | Map<string, string> | undefined): Map<string, string> | undefined {
  return typeof kconfig === 'string' ? parseKconfig(kconfig) : kconfig;
}

/** Whether 32-bit x86 binaries can run, and why; enabled is null when it cannot be told. */
export function ia32Status(kconfig: Map<string, string> | undefined, cmdline: string): { enabled: boolean | null; reason: string } {
  const param = cmdlineParam(cmdline, 'ia32_emulation');
  const fromCmdline = param === undefined ? undefined : kstrtobool(param);
  if (kconfig === undefined) {
    // Without the config only an explicit "off" is conclusive: "on" is ignored by kernels
    // built without CONFIG_IA32_EMULATION.
    if (fromCmdline === false) return { enabled: false, reason: `disabled by ia32_emulation=${param} on the kernel command line` };
    return { enabled: null, reason: 'kernel config not readable (no /boot/config-<release> or /proc/config.gz)' };
  }
  const built = kconfig.get('CONFIG_IA32_EMULATION');
  if (built !== 'y') return { enabled: false, reason: 'kernel built without CONFIG_IA32_EMULATION' };
  if (fromCmdline === false) return { enabled: false, reason: `disabled by ia32_emulation=${param} on the kernel command line` };
  if (fromCmdline === true) return { enabled: true, reason: `CONFIG_IA32_EMULATION=y, enabled by ia32_emulation=${param}` };
  // Since Linux 6.7 a kernel may ship the support but leave it off unless asked for.
  if (kconfig.get('CONFIG_IA32_EMULATION_DEFAULT_DISABLED') === 'y') {
    return { enabled: false, reason: 'CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y and no ia32_emulation=1 on the kernel command line' };
  }
  return { enabled: true, reason: 'CONFIG_IA32_EMULATION=y' };
}

/** true/false when 32-bit x86 emulation is on/off, null when unknown. */
export function ia32FromConfig(kconfig: Map<string, string> | undefined, cmdline: string): boolean | null {
  return ia32Status(kconfig, cmdline).enabled;
}

/** The vsyscall mode shown by a maps file; undefined when there is no [vsyscall] line. */
export function vsyscallFromMaps(maps: string): VsyscallMode | undefined {
  for (const line of maps.split('\n')) {
    if (!line.trimEnd().endsWith('[vsyscall]')) continue;
    const perms = line.trim().split(/\s+/)[1] ?? '';
    // emulate maps the page readable; xonly leaves it execute-only (reads fault).
    if (perms.startsWith('r')) return 'emulate';
    if (perms[2] === 'x') return 'xonly';
    return 'unknown';
  }
  return undefined;
}

/** The vsyscall mode the kernel was configured/booted with (cmdline beats config default). */
export function vsyscallFromBoot(cmdline: string, kconfig: string | Map<string, string> | undefined): VsyscallMode {
  const cfg = toKconfigMap(kconfig);
  // Without the emulation code there is no vsyscall page and the parameter does not exist.
  if (cfg?.get('CONFIG_X86_VSYSCALL_EMULATION') === 'n') return 'none';
  const param = cmdlineParam(cmdline, 'vsyscall');
  if (param === 'emulate' || param === 'native') return 'emulate'; // "native" (removed in 5.x) was readable too
  if (param === 'xonly' || param === 'none') return param;
  if (cfg !== undefined) {
    if (cfg.get('CONFIG_LEGACY_VSYSCALL_EMULATE') === 'y') return 'emulate';
    if (cfg.get('CONFIG_LEGACY_VSYSCALL_XONLY') === 'y') return 'xonly';
    if (cfg.get('CONFIG_LEGACY_VSYSCALL_NONE') === 'y') return 'none';
  }
  return 'unknown';
}

/**
 * The vsyscall mode: the [vsyscall] line of /proc/self/maps is what the running kernel
 * actually does, so it decides; a maps text without it means none. Only when maps could
 * not be read ('' ) do the command line and kernel config answer.
 */
export function parseVsyscall(maps: string, cmdline: string, kconfig: string | Map<string, string> | undefined): VsyscallMode {
  const fromMaps = vsyscallFromMaps(maps);
  if (fromMaps !== undefined) return fromMaps;
  if (maps.trim() !== '') return 'none';
  return vsyscallFromBoot(cmdline, kconfig);
}

/** The version from `runc --version` / `crun --version` output (first "... version X" line). */
export function parseRuntimeVersion(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const m = /^\s*\S+\s+version\s+(\S+)/i.exec(line);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

/** A sysctl file's integer value (e.g. /proc/sys/user/max_user_namespaces). */
export function parseSysctlInt(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** Filesystem names from /proc/filesystems ("nodev\toverlay" or "\text4"). */
export function parseFilesystems(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).pop() ?? '')
    .filter((n) => n !== '' && n !== 'nodev');
}

/** Seccomp mode from /proc/self/status (0 off, 1 strict, 2 filter); undefined if the kernel lacks seccomp. */
export function parseSeccompStatus(status: string): number | undefined {
  const m = /^Seccomp:\s*(\d+)\s*$/m.exec(status);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Actions from /proc/sys/kernel/seccomp/actions_avail (space separated). */
export function parseSeccompActions(text: string): string[] {
  return text.split(/\s+/).filter((a) => a !== '');
}

/** PRETTY_NAME (or NAME) from /etc/os-release. */
export function parseOsRelease(text: string): string | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    fields.set(m[1], m[2].replace(/^(["'])(.*)\1$/, '$2'));
  }
  return fields.get('PRETTY_NAME') ?? fields.get('NAME');
}
