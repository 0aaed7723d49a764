// A zone as a jail and back. Export (zoneToJailParams) writes what zonectl models
// (root, hostname, network, file systems, Linux userland, caps are rctl's) as jail
// parameters, then the zone's native.jail ones, which win. Import (jailToZone) reads
// the model from a jail's parameters and keeps in native.jail every parameter export
// would not write back the same, so export after import gives the jail as it was.
import { parseKernelVersion } from '../../core/kernel-version.js';
import { acceptedValue } from '../../core/config.js';
import { ZoneError } from '../../core/errors.js';
import { printable, zoneRoot, type JailParam, type ZoneFs, type ZoneRecord } from '../../core/zone.js';
import { fsToFstab, fstabToFs, formatFstabLine, linuxMounts, parseFstabLine, sameFstabLine } from './jail-fstab.js';
import { jailKind, jailPaths, type BrandMapping, type JailKind, type JailPaths } from './jail-kind.js';
import { jailNetwork, networkOf, parseIp4Alias } from './jail-net.js';
import { sameParam } from './jail-param-names.js';
import { LX_DEVFS_RULESET } from './devfs.js';

type JailValue = JailParam['value'];

/** What the jail file and its fstab say for one zone. */
export interface GeneratedJail {
  params: JailParam[];
  /** The mount.fstab file's text; empty when the jail mounts nothing of ours. */
  fstab: string;
}

type Model = Pick<ZoneRecord, 'name' | 'zonepath' | 'config' | 'fs'>;

function linuxRelease(model: Model): string | undefined {
  const kv = model.config['kernel-version'];
  if (kv === undefined) return undefined;
  const k = parseKernelVersion(kv);
  if ('bad' in k) throw new ZoneError('invalid-config', `bad value "${printable(kv)}" for kernel-version: ${k.bad}`, { zone: model.name });
  return k.release;
}

/** What the zone's native parameters already mount: `mount` lines' mount points, and
 * whether it keeps a mount.fstab of its own (which then brings its Linux set). */
interface Taken {
  points: Set<string>;
  ownFstab: boolean;
}

/** The fstab lines zonectl writes: the Linux set (less what the zone mounts itself),
 * then the zone's fs. */
function fstabLines(model: Model, kind: JailKind, taken: Taken, root: string): string[] {
  const linux = kind === 'linux' && !taken.ownFstab ? linuxMounts(root).filter((e) => !taken.points.has(e.file)) : [];
  return [...linux, ...(model.fs ?? []).map((fs) => fsToFstab(fs, root))].map(formatFstabLine);
}

/** zonectl's own parameters for a zone, before its native ones. `root` is where the
 * jail's mounts go: ZONEPATH/root, or the path a native `path` parameter sets. */
function generate(model: Model, kind: JailKind, paths: JailPaths, taken: Taken, root: string): GeneratedJail {
  const net = jailNetwork(model as ZoneRecord, kind);
  const lines = fstabLines(model, kind, taken, root);
  const p: JailParam[] = [
    { name: 'path', value: [zoneRoot(model.zonepath)] },
    { name: 'host.hostname', value: [model.config.hostname ?? model.name] },
  ];
  if (kind === 'native') {
    p.push(
      { name: 'exec.start', value: [...net.start, '/bin/sh /etc/rc'] },
      { name: 'exec.stop', value: ['/bin/sh /etc/rc.shutdown'] },
      { name: 'exec.clean', value: true },
      { name: 'mount.devfs', value: true },
      { name: 'devfs_ruleset', value: ['4'] },
      { name: 'enforce_statfs', value: ['2'] },
    );
  } else {
    // No Linux init and no exec.clean (Bastille's working set: exec.clean looks the user
    // up in a FreeBSD login database a Linux userland lacks): the jail persists and work
    // enters with jexec.
    const release = linuxRelease(model);
    p.push(
      { name: 'exec.start', value: ['/bin/true'] },
      { name: 'exec.stop', value: ['/bin/true'] },
      { name: 'persist', value: true },
      // The ruleset devfs mounts inside the jail get too: the one of its /dev.
      { name: 'devfs_ruleset', value: [String(LX_DEVFS_RULESET)] },
      // Below 2 so the jail sees the Linux mounts under its root; allow.mount as Bastille.
      { name: 'enforce_statfs', value: ['1'] },
      { name: 'allow.mount', value: true },
      { name: 'allow.mount.devfs', value: true },
      { name: 'linux', value: ['new'] },
      ...(release === undefined ? [] : [{ name: 'linux.osrelease', value: [release] }]),
    );
  }
  p.push(...net.params);
  if (net.poststart.length > 0) p.push({ name: 'exec.poststart', value: net.poststart });
  if (lines.length > 0) p.push({ name: 'mount.fstab', value: [paths.fstab] });
  return { params: p, fstab: lines.length === 0 ? '' : `${lines.join('\n')}\n` };
}

/** Where the jail's root is: ZONEPATH/root, or the path a native `path` parameter sets. */
export function jailRoot(record: ZoneRecord): string {
  return single((record.native?.jail ?? []).find((p) => p.name === 'path')) ?? zoneRoot(record.zonepath);
}

function takenBy(native: JailParam[]): Taken {
  const lines = native.find((p) => p.name === 'mount')?.value;
  const points = Array.isArray(lines) ? lines.map((l) => parseFstabLine(l)?.file).filter((f): f is string => f !== undefined) : [];
  return { points: new Set(points), ownFstab: native.some((p) => p.name === 'mount.fstab') };
}

/** The jail file's parameters and fstab for a zone: zonectl's, then native.jail (a
 * native parameter replaces zonectl's of the same name). */
export function zoneToJailParams(record: ZoneRecord, brand: BrandMapping, paths: JailPaths): GeneratedJail {
  const native = record.native?.jail ?? [];
  const root = jailRoot(record);
  const taken = takenBy(native);
  if (taken.ownFstab && (record.fs ?? []).length > 0) {
    // Its own mount.fstab would replace the one that holds the fs: they would not mount.
    throw new ZoneError('invalid-config', `zone "${record.name}" has fs and keeps its own mount.fstab, so its fs would not be mounted`, {
      zone: record.name,
      hint: 'move the lines of that fstab into the zone (as fs, or native mount lines) and drop its mount.fstab',
    });
  }
  const gen = generate(record, jailKind(brand), paths, taken, root);
  const own = gen.params.filter((g) => !native.some((n) => sameParam(n.name, g.name)));
  return { params: [...own, ...native], fstab: gen.fstab };
}

// ---- import ----

export interface ImportedJail {
  brand: 'native' | 'lx';
  zonepath: string;
  /** The jail's path: ZONEPATH/root, or the path itself where it does not end in /root. */
  root: string;
  config: Record<string, string>;
  fs: ZoneFs[];
  /** Every parameter export would not write back the same, as it was. */
  native: JailParam[];
}

function sameValue(a: JailValue, b: JailValue): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A single string value, or undefined. */
function single(p: JailParam | undefined): string | undefined {
  return p !== undefined && Array.isArray(p.value) && p.value.length === 1 ? p.value[0] : undefined;
}

// What jail(8) and the kernel do when a parameter zonectl writes is not set: import
// records that value natively so export does not change the jail. Parameters left out
// take zonectl's value (host.hostname: the zone name; the epair of a vnet jail).
function absentValue(name: string, params: JailParam[]): JailValue | undefined {
  switch (name) {
    case 'exec.clean':
    case 'mount.devfs':
    case 'persist':
    case 'allow.mount':
    case 'allow.mount.devfs':
      return false;
    case 'enforce_statfs':
      return ['2'];
    case 'devfs_ruleset':
      // mount.devfs applies ruleset 4 when none is set.
      return params.some((p) => p.name === 'mount.devfs' && p.value === true) ? ['4'] : ['0'];
    case 'exec.start':
    case 'exec.stop':
      return [''];
    default:
      return undefined;
  }
}

function importNetwork(params: JailParam[], config: Record<string, string>): void {
  const vnet = params.find((p) => p.name === 'vnet');
  if (vnet !== undefined && (vnet.value === true || single(vnet) === 'new')) {
    config['ip-type'] = 'exclusive';
    return;
  }
  config['ip-type'] = 'shared';
  const first = params.find((p) => p.name === 'ip4.addr');
  const alias = first !== undefined && Array.isArray(first.value) ? parseIp4Alias(first.value[0] ?? '') : undefined;
  if (alias === undefined) return;
  config['net-address'] = alias.address;
  const iface = alias.iface === undefined ? undefined : acceptedValue('net-interface', alias.iface);
  if (iface !== undefined) config['net-interface'] = iface;
  const subnet = alias.prefix === undefined ? undefined : acceptedValue('net-subnet', networkOf(alias.address, alias.prefix));
  if (subnet !== undefined) config['net-subnet'] = subnet;
}

/** fstab lines of the jail: its nullfs mounts under the root become the zone's fs, the
 * Linux set zonectl writes itself is dropped, and the rest stays as `mount` lines. */
function importMounts(lines: string[], root: string, kind: JailKind): { fs: ZoneFs[]; rest: string[] } {
  const fs: ZoneFs[] = [];
  const rest: string[] = [];
  const linux = kind === 'linux' ? linuxMounts(root).map(formatFstabLine) : [];
  for (const line of lines) {
    const e = parseFstabLine(line);
    if (e === undefined) {
      if (line.trim() !== '' && !line.trim().startsWith('#')) rest.push(line);
      continue;
    }
    const z = fstabToFs(e, root);
    if (z !== undefined) fs.push(z);
    else if (!linux.some((l) => sameFstabLine(l, line))) rest.push(line);
  }
  return { fs, rest };
}

/** A Linux jail: linux=new or linux.* set, or Linux's /proc or /sys mounted (Bastille's
 * Linux jails set no linux parameter and rely on the host's compat.linux). */
function importKind(params: JailParam[], lines: string[]): JailKind {
  if (params.some((p) => (p.name === 'linux' && single(p) === 'new') || p.name.startsWith('linux.'))) return 'linux';
  return lines.some((l) => /^(linprocfs|linsysfs)$/.test(parseFstabLine(l)?.type ?? '')) ? 'linux' : 'native';
}

/** A configured jail as a zone. `readFstab` gives a mount.fstab file's text (undefined
 * if it cannot be read: the parameter is then kept as it is). */
export function jailToZone(name: string, params: JailParam[], readFstab: (path: string) => string | undefined = () => undefined): ImportedJail {
  const get = (n: string): JailParam | undefined => params.find((p) => sameParam(p.name, n));
  const root = single(get('path'));
  if (root === undefined || !root.startsWith('/')) {
    throw new ZoneError('invalid-config', `jail "${name}" has no absolute path, so it has no root to make a zone of`);
  }
  const zonepath = root.endsWith('/root') && root !== '/root' ? root.slice(0, -'/root'.length) : root;
  const mountParam = get('mount');
  const fstabPath = single(get('mount.fstab'));
  const fstabText = fstabPath === undefined ? undefined : readFstab(fstabPath);
  const lines = [...(Array.isArray(mountParam?.value) ? mountParam.value : []), ...(fstabText ?? '').split('\n')];
  // A mount.fstab we cannot read stays the jail's: its `mount` lines then stay as they are.
  const ownFstab = fstabPath !== undefined && fstabText === undefined;
  const kind = importKind(params, lines);
  const config: Record<string, string> = {};
  const host = single(get('host.hostname'));
  const hostname = host === undefined || host === name ? undefined : acceptedValue('hostname', host);
  if (hostname !== undefined) config.hostname = hostname;
  importNetwork(params, config);
  const release = single(get('linux.osrelease'));
  if (kind === 'linux' && release !== undefined && acceptedValue('kernel-version', release) !== undefined) config['kernel-version'] = release;

  const { fs, rest } = ownFstab ? { fs: [], rest: lines.filter((l) => l.trim() !== '') } : importMounts(lines, root, kind);

  const model: Model = { name, zonepath, config, fs };
  const taken: Taken = { ...takenBy([{ name: 'mount', value: rest }]), ownFstab };
  const gen = generate(model, kind, jailPaths(name), taken, root).params;
  const native: JailParam[] = [];
  let restPlaced = false;
  const placeRest = (): void => {
    if (!restPlaced && rest.length > 0) native.push({ name: 'mount', value: rest });
    restPlaced = true;
  };
  for (const p of params) {
    if (p.name === 'name') continue;
    if (p.name === 'mount') {
      placeRest();
      continue;
    }
    if (p.name === 'mount.fstab' && fstabText !== undefined) {
      if (mountParam === undefined) placeRest();
      continue;
    }
    const g = gen.find((x) => sameParam(x.name, p.name));
    if (g !== undefined && sameValue(g.value, p.value)) continue;
    native.push(p);
  }
  for (const g of gen) {
    if (params.some((p) => sameParam(p.name, g.name))) continue;
    const absent = absentValue(g.name, params);
    if (absent !== undefined && !sameValue(absent, g.value)) native.push({ name: g.name, value: absent });
  }
  return { brand: kind === 'linux' ? 'lx' : 'native', zonepath, root, config, fs, native };
}
