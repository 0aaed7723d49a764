// What a brand becomes on a Linux host: the boot plan for a zone of it (a real one,
// or one as it would be created now), as `brands show` prints it.
import { lstat } from 'node:fs/promises';
import type { Brand, LinuxBrand } from '../../brands/brand.js';
import { buildBootPlan, makeBootPlan, type BootPlan } from '../../brands/plan.js';
import { detectFamilies, type FixupEdit } from '../../brands/fixups.js';
import { LXCFS_PROC } from '../../brands/prepare.js';
import { formatSize } from '../../core/units.js';
import type { ZoneRecord, ZoneStatus } from '../../core/zone.js';
import { personalityValue } from '../../backends/linux/personality.js';
import { ociArchitectures } from '../../backends/linux/seccomp.js';
import type { BrandDescription } from '../zone-host.js';
import type { LinuxHost } from './host.js';

/** The plan for a real zone, or for a zone of this brand as it would be created now. */
async function planFor(host: LinuxHost, brand: LinuxBrand, zone: { record: ZoneRecord; status: ZoneStatus } | undefined): Promise<BootPlan> {
  if (zone !== undefined) {
    const backend = host.backendFor(zone.record, zone.status);
    return makeBootPlan(zone.record, zone.status, brand, () => backend.unameShim());
  }
  const record: ZoneRecord = { name: 'example', brand: brand.name, zonepath: host.defaultZonepath('example'), config: {}, createdAt: '' };
  const status: ZoneStatus = { state: 'configured', since: '' };
  // Without an installed zone, what would be shared is what the host has as directories.
  const dirs: string[] = [];
  for (const { path } of brand['host-paths'] ?? []) if ((await lstat(path).catch(() => undefined))?.isDirectory() === true) dirs.push(path);
  return buildBootPlan(record, status, brand, dirs);
}

function planText(brand: LinuxBrand, plan: BootPlan): string {
  const lines = [
    `brand: ${brand.name} (${brand.file})`,
    `  ${brand.description}`,
    `zone: ${plan.zone}`,
    `init: ${plan.init.command.join(' ')} (halt signal ${plan.init.haltSignal} = ${plan.haltSignalNumber})`,
    `login: ${brand.login.command.join(' ')}`,
    `hostname: ${plan.hostname}`,
    `network: ${networkText(plan)}`,
    `userland architecture: ${plan.arch}`,
    `personality: ${personalityText(plan)}`,
    `uname: -r ${plan.kernel.release}, -m ${plan.kernel.machine}${kernelNote(plan)}`,
    `vsyscall: ${plan.vsyscall.needed ? 'needed' : 'not needed'} (${plan.vsyscall.reason})`,
    `capabilities: ${plan.capabilities.join(' ')}`,
    `seccomp: allow by default; ${plan.seccomp.errno} for ${plan.seccomp.deny.join(' ')}; filters ${ociArchitectures(process.arch).join(', ')}`,
    `mounts: ${mountsText(plan)}`,
    `resource caps: ${capsText(plan)}`,
    `install methods: ${brand.install.methods.join(', ')}`,
    `host requirements: ${(brand.requires ?? []).join(', ') || 'none'}`,
  ];
  if (plan.binds.length > 0) lines.push(`shared read-only from the host: ${plan.binds.map((b) => b.source).join(' ')}`);
  lines.push(...fixupLines(brand, plan));
  return lines.join('\n');
}

function personalityText(plan: BootPlan): string {
  const p = plan.personality;
  const names = [p.linux32 ? 'LINUX32' : 'LINUX', ...(p.uname26 ? ['UNAME26'] : [])];
  return `${names.join(' | ')} (0x${personalityValue(p).toString(16)}), set with setarch on the runtime`;
}

/** Exactly what the zone will see of its kernel-version, and the known limit. */
function kernelNote(plan: BootPlan): string {
  const k = plan.kernel;
  if (k.requested === undefined) return " (the host's kernel; no kernel-version set)";
  if (k.shim !== undefined) {
    return ` (kernel-version ${k.requested}, exact: uname answered by the zone's uname supervisor, -v "${k.shim.version}"; /proc/version and /proc/sys/kernel/osrelease agree)`;
  }
  const why = k.shimWhy === undefined ? '' : `; no exact uname here: ${k.shimWhy}`;
  if (k.exact) return ` (kernel-version ${k.requested}${why})`;
  return ` (kernel-version ${k.requested}: UNAME26 makes it 2.6.(host minor + 60), not the exact string${why})`;
}

function capsText(plan: BootPlan): string {
  const r = plan.resources;
  const caps = [
    ...(r.memoryBytes === undefined ? [] : [`memory ${formatSize(r.memoryBytes)} (with swap)`]),
    ...(r.cpu === undefined ? [] : [`cpu ${r.cpu.quota / r.cpu.period} (${r.cpu.quota} us per ${r.cpu.period} us)`]),
    ...(r.shares === undefined ? [] : [`cpu-shares ${r.shares}`]),
    ...(r.pids === undefined ? [] : [`processes ${r.pids}`]),
  ];
  return caps.length === 0 ? 'none (capped-memory, capped-cpu, max-processes, cpu-shares)' : caps.join(', ');
}

function mountsText(plan: BootPlan): string {
  const base = ['/proc', '/sys (ro)', '/dev (tmpfs: null zero full random urandom tty, ptmx -> pts/ptmx)', '/dev/pts', '/dev/shm (tmpfs)', '/dev/mqueue', '/run (tmpfs)'];
  if (plan.initctl) base.push('/dev/initctl (FIFO)');
  if (plan.kernel.shim !== undefined) base.push('/proc/version, /proc/sys/kernel/{osrelease,version} (generated, read-only)');
  if (plan.lxcfs) base.push(`/proc/{meminfo,cpuinfo,uptime,stat,swaps,diskstats,loadavg} from LXCFS where it runs (${LXCFS_PROC})`);
  return base.join(', ');
}

function fixupLines(brand: Brand, plan: BootPlan): string[] {
  const out: string[] = [];
  if (plan.zoneFiles) out.push('at every boot: etc/hostname from the config, etc/resolv.conf from the host (ip-type shared), etc/mtab -> /proc/self/mounts');
  for (const f of brand.fixups ?? []) {
    const when = f.detect.map((d) => `/${d.file}${d.contains === undefined ? '' : ` matching /${d.contains}/`}`).join(' and ');
    out.push(`fixups ${f.family} (when ${when}):`);
    for (const e of f.edits) out.push(`  ${describeEdit(e)}`);
  }
  return out;
}

function describeEdit(e: FixupEdit): string {
  if ('remove-services' in e) return `remove SysV/OpenRC start links: ${e['remove-services'].join(' ')}`;
  if ('mask-units' in e) return `mask systemd units: ${e['mask-units'].join(' ')}`;
  if ('write-file' in e) return `write /${e['write-file'].path}`;
  if ('ensure-line' in e) return `ensure /${e['ensure-line'].path} has "${e['ensure-line'].line}"`;
  if ('replace-lines' in e) return `/${e['replace-lines'].path}: lines /${e['replace-lines'].match}/ -> "${e['replace-lines'].with}"`;
  return `/${e['comment-lines'].path}: comment out /${e['comment-lines'].match}/`;
}

function networkText(plan: BootPlan): string {
  if (plan.network === 'shared') return "the host's (ip-type shared)";
  if (plan.net === undefined) return 'own namespace, loopback only (ip-type exclusive, no net-address)';
  return `own namespace (ip-type exclusive), an address from net-address on bridge ${plan.net.bridge} through the CNI plugins`;
}

/** `brands show` on Linux: the plan, and for a real zone which fixup families apply. */
export async function describeOnLinux(host: LinuxHost, brand: LinuxBrand, zone: { record: ZoneRecord; status: ZoneStatus } | undefined): Promise<BrandDescription> {
  const plan = await planFor(host, brand, zone);
  // For a real zone: which of the brand's fixup families its files select.
  const applies = zone === undefined ? undefined : (await detectFamilies(plan.rootfs, brand.fixups ?? [])).map((f) => f.family);
  const extra =
    applies === undefined || (brand.fixups ?? []).length === 0
      ? ''
      : `\nfixups for zone ${zone?.record.name}: ${applies.length === 0 ? 'none (no known distribution found: it boots without edits)' : applies.join(', ')}`;
  return { text: `${planText(brand, plan)}${extra}`, json: { brand, plan, ...(applies === undefined ? {} : { fixupsApplying: applies }) } };
}
