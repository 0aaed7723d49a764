// `zonectl brands` and `zonectl recipes`: the data files, listed or shown; `brands show`
// also prints the plan the brand makes for a zone on this host.
import type { Context } from '../verbs/context.js';
import { ZoneError } from '../core/errors.js';
import { asLinuxBrand, loadBrand, brandNames, type Brand, type LinuxBrand } from '../brands/brand.js';
import { buildBootPlan, makeBootPlan, type BootPlan } from '../brands/plan.js';
import { loadRecipe, recipeNames, type Recipe } from '../install/recipe.js';
import type { ZoneRecord, ZoneStatus } from '../core/zone.js';
import { formatSize } from '../core/units.js';
import { formatTable, printJson, type OutputMode } from './render.js';
import { personalityValue } from '../backends/linux/personality.js';
import { ociArchitectures } from '../backends/linux/seccomp.js';
import { detectFamilies, type FixupEdit } from '../brands/fixups.js';
import { LXCFS_PROC } from '../brands/prepare.js';

/** The plan for a real zone, or for a zone of this brand as it would be created now. */
async function planFor(ctx: Context, brand: LinuxBrand, zone: string | undefined): Promise<BootPlan> {
  if (zone !== undefined) {
    const { record, status } = await ctx.store.read(zone);
    if (record.brand !== brand.name) {
      throw new ZoneError('usage', `zone "${zone}" has brand ${record.brand}, not ${brand.name}`, { zone });
    }
    const backend = ctx.backendFor(record, status);
    return makeBootPlan(record, status, brand, () => backend.unameShim());
  }
  const record: ZoneRecord = { name: 'example', brand: brand.name, zonepath: ctx.store.defaultZonepath('example'), config: {}, createdAt: '' };
  const status: ZoneStatus = { state: 'configured', since: '' };
  // Without an installed zone, what would be shared is what the host has as directories.
  const { lstat } = await import('node:fs/promises');
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
    `network: ${plan.network === 'shared' ? "the host's (ip-type shared)" : 'own namespace, loopback only (ip-type exclusive)'}`,
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

/** Loads every file of a kind; a broken one is reported on stderr and makes the exit
 * status 1, but does not hide the good ones. */
async function loadAll<T>(names: string[], load: (n: string) => Promise<T>): Promise<{ items: T[]; failed: number }> {
  const results = await Promise.allSettled(names.map((n) => load(n)));
  const items: T[] = [];
  let failed = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') items.push(r.value);
    else {
      failed++;
      process.stderr.write(`zonectl: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}\n`);
    }
  }
  return { items, failed };
}

export async function brandsCommand(ctx: Context, action: string, name: string | undefined, zone: string | undefined, mode: OutputMode): Promise<number> {
  if (action === 'list') {
    const { items: brands, failed } = await loadAll(brandNames(), loadBrand);
    if (mode.json) printJson(brands.map((b) => ({ name: b.name, description: b.description, hosts: Object.keys(b.hosts) })));
    else process.stdout.write(`${formatTable(['BRAND', 'HOSTS', 'DESCRIPTION'], brands.map((b) => [b.name, Object.keys(b.hosts).join(','), b.description]))}\n`);
    return failed === 0 ? 0 : 1;
  }
  if (name === undefined) throw new ZoneError('usage', 'brands show needs a brand name', { hint: `brands: ${brandNames().join(', ')}` });
  const any = await loadBrand(name);
  if (any.hosts.linux === undefined || ctx.managed !== undefined) return showHostMappings(ctx, any, zone, mode);
  const brand = asLinuxBrand(any);
  const plan = await planFor(ctx, brand, zone);
  // For a real zone: which of the brand's fixup families its files select.
  const applies = zone === undefined ? undefined : (await detectFamilies(plan.rootfs, brand.fixups ?? [])).map((f) => f.family);
  if (mode.json) printJson({ brand, plan, ...(applies === undefined ? {} : { fixupsApplying: applies }) });
  else {
    const extra = applies === undefined || (brand.fixups ?? []).length === 0 ? '' : `\nfixups for zone ${zone}: ${applies.length === 0 ? 'none (no known distribution found: it boots without edits)' : applies.join(', ')}`;
    process.stdout.write(`${planText(brand, plan)}${extra}\n`);
  }
  return 0;
}

/** What each host OS makes of the brand: the jail or zone brand it maps to. */
export function hostMappingLines(brand: Brand): string[] {
  const h = brand.hosts;
  const lines: string[] = [];
  if (h.linux !== undefined) lines.push('on Linux: an OCI container run by runc, with the shims and fixups shown by `brands show` on a Linux host');
  if (h.freebsd !== undefined) lines.push(`on FreeBSD: a jail of ${h.freebsd.jail === 'linux' ? 'a Linux userland (linux=new, the Linux mount set; needs linux64.ko)' : "FreeBSD's own userland"}`);
  for (const [os, m] of [['illumos', h.illumos], ['Solaris', h.solaris]] as const) {
    if (m === undefined) continue;
    const where = [m['host-release'] === undefined ? '' : `release ${m['host-release']}`, m['host-arch'] === undefined ? '' : `arch ${m['host-arch'].join('|')}`].filter((x) => x !== '').join(', ');
    const install = { image: 'zoneadm install -s|-t IMAGE', archive: 'zoneadm install -a ARCHIVE -u|-p', packages: "zoneadm install (the brand's packages)" }[m.install];
    lines.push(`on ${os}${where === '' ? '' : ` (${where})`}: a zone of brand ${m['zone-brand'] === 'native' ? "the distribution's own (ipkg, lipkg, joyent, native)" : m['zone-brand']}, installed by ${install}`);
  }
  return lines;
}

async function showHostMappings(ctx: Context, brand: Brand, zone: string | undefined, mode: OutputMode): Promise<number> {
  const lines = [`brand: ${brand.name} (${brand.file})`, `  ${brand.description}`, ...hostMappingLines(brand)];
  if (ctx.managed !== undefined && zone !== undefined) {
    const { record } = await ctx.store.read(zone);
    lines.push(`zone ${zone} on ${ctx.managed.executor.target}:`, ...ctx.managed.describe(record, brand).map((l) => `  ${l}`));
  }
  if (mode.json) printJson({ brand, hosts: hostMappingLines(brand) });
  else process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** What a recipe will download, per architecture, from its first mirror. */
function downloads(r: Recipe): string[] {
  const m = r.method;
  if (m.kind === 'debootstrap') return [`arches: ${(r.arches ?? []).join(', ')}`, `downloads: Debian ${m.suite} (${m.variant ?? 'default'} variant${m.include === undefined ? '' : ` + ${m.include.join(', ')}`}) from ${m.mirrors.join(' or ')}`];
  if ('files' in m) {
    return Object.entries(m.files).map(([arch, f]) => {
      const what = [f.size === undefined ? undefined : `${f.size} bytes`, f.sha256 === undefined ? 'no checksum' : `sha256 ${f.sha256}`].filter((x) => x !== undefined).join(', ');
      return `downloads (${arch}): ${m.mirrors[0]?.replace(/\/+$/, '')}/${f.path} (${what})`;
    });
  }
  if (m.kind === 'rpm-bootstrap') {
    const repos = Object.entries(m.repos).map(([arch, paths]) => `downloads (${arch}): the packages ${m.packages.join(', ')} and what they require, from ${paths.map((p) => `${m.mirrors[0]?.replace(/\/+$/, '')}/${p}`).join(' and ')}`);
    return [`arches: ${(r.arches ?? []).join(', ')}`, ...repos];
  }
  return ['downloads: nothing'];
}

export async function recipesCommand(action: string, name: string | undefined, mode: OutputMode): Promise<number> {
  if (action === 'list') {
    const { items: recipes, failed } = await loadAll(recipeNames(), loadRecipe);
    if (mode.json) printJson(recipes.map((r) => ({ name: r.name, description: r.description, brands: r.brands })));
    else
      process.stdout.write(
        `${formatTable(['RECIPE', 'BRANDS', 'DESCRIPTION'], recipes.map((r) => [r.name, r.brands.join(','), r.description]))}\n`,
      );
    return failed === 0 ? 0 : 1;
  }
  if (name === undefined) throw new ZoneError('usage', 'recipes show needs a recipe name', { hint: `recipes: ${recipeNames().join(', ')}` });
  const r = await loadRecipe(name);
  if (mode.json) {
    printJson(r);
    return 0;
  }
  const lines = [
    `recipe: ${r.name} (${r.file})`,
    `  ${r.description}`,
    `brands: ${r.brands.join(', ')}`,
    `method: ${r.method.kind}${'package' in r.method && r.method.package !== undefined ? ` (host package ${r.method.package})` : ''}`,
    ...downloads(r),
  ];
  if (r.init !== undefined) lines.push(`init: ${r.init.command.join(' ')} (halt signal ${r.init['halt-signal']})`);
  for (const [k, v] of Object.entries(r.attributes ?? {})) lines.push(`${k}: ${v}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
