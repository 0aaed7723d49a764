// Brand files (brands/*.yaml): what a brand is, loaded as data. The engine reads the
// fields; nothing here or elsewhere knows a brand by name.
import { ZoneError } from '../core/errors.js';
import { assertHaltSignal, type InitField } from '../core/signals.js';

export type { InitField };
import { findDataFile, listDataNames, parseDataFile, unchangedSinceBuild, validateData, validatedAtBuild } from '../core/datafiles.js';
import type { Layout } from '../install/layout.js';
import type { Fixup } from './fixups.js';

export interface Shims {
  /** Honour the zone's kernel-version: UNAME26 below 3.0. */
  'kernel-version'?: boolean;
  /** x86_64 userlands whose glibc is older than this need the host's vsyscall page. */
  vsyscall?: { 'glibc-below': string };
  initctl?: boolean;
  'zone-files'?: boolean;
  /** Bind LXCFS's /proc files (meminfo, cpuinfo, uptime, stat, ...) where it runs. */
  lxcfs?: boolean;
}

export type InstallMethod = 'recipe' | 'source' | 'skeleton';
export type HostFeature = 'oci-runtime' | 'busybox-static';

/** How `zoneadm install` gets a zone's files on illumos and Solaris hosts: an image
 * (lx: -s stream/dataset or -t tarball), an archive of a whole system (solaris8,
 * solaris9, solaris10: -a ARCHIVE with -u or -p), or the brand's own packages. */
export type ZoneInstallKind = 'image' | 'archive' | 'packages';

export interface ZoneHostMapping {
  /** The host's zone brand; "native" = the distribution's own whole-root brand
   * (ipkg/lipkg on OmniOS, joyent on SmartOS, native on Solaris 10). */
  'zone-brand': string;
  install: ZoneInstallKind;
  /** uname -r the host must have (solaris8/9 need Solaris 10: 5.10). */
  'host-release'?: string;
  /** uname -p / -m values the host must have (solaris8/9: sparc). */
  'host-arch'?: string[];
}

export interface BrandHosts {
  linux?: { backend: 'oci' };
  /** A FreeBSD jail: of FreeBSD's own userland, or a Linux one through the Linuxulator. */
  freebsd?: { jail: 'native' | 'linux' };
  illumos?: ZoneHostMapping;
  solaris?: ZoneHostMapping;
}

/** What a brand that runs on Linux hosts must say: how its zones are started, entered,
 * confined and installed there. Brands of other hosts only map onto their zones. */
export interface LinuxBrandParts {
  init: InitField;
  login: { command: string[] };
  capabilities: string[];
  install: { methods: InstallMethod[]; skeleton?: Layout };
  seccomp: { 'default-action': 'allow'; errno: string; deny: string[] };
}

interface BrandCommon {
  name: string;
  description: string;
  hosts: BrandHosts;
  requires?: HostFeature[];
  'host-paths'?: Array<{ path: string }>;
  shims?: Shims;
  fixups?: Fixup[];
  /** Where it was read from, for messages. */
  file: string;
}

export type Brand = BrandCommon & Partial<LinuxBrandParts>;
export type LinuxBrand = BrandCommon & LinuxBrandParts;

/** The brand as the Linux backend needs it; refuses a brand of other hosts. The
 * schema makes the Linux parts required whenever hosts.linux is given. */
export function asLinuxBrand(brand: Brand): LinuxBrand {
  const { init, login, capabilities, install, seccomp } = brand;
  if (brand.hosts.linux === undefined || init === undefined || login === undefined || capabilities === undefined || install === undefined || seccomp === undefined) {
    throw new ZoneError('refused', `brand "${brand.name}" does not run on Linux hosts`, {
      hint: `it runs on: ${Object.keys(brand.hosts).join(', ')} (zonectl --host HOST reaches one)`,
    });
  }
  return { ...brand, init, login, capabilities, install, seccomp };
}

export async function loadLinuxBrand(name: string): Promise<LinuxBrand> {
  return asLinuxBrand(await loadBrand(name));
}

export function brandNames(): string[] {
  return listDataNames('brand');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a brand file and the chain it inherits from; fields of the child replace
 * the parent's whole (no deep merge: a brand says all of a field or none of it).
 * (scripts/build.mjs merges the packaged brands the same way to validate them.)
 * `packaged`: every file of the chain is a packaged one, unchanged since the build. */
async function resolveInherits(name: string, seen: string[]): Promise<{ data: Record<string, unknown>; file: string; packaged: boolean }> {
  const file = findDataFile('brand', name);
  if (file === undefined) {
    const known = brandNames();
    throw new ZoneError('not-found', `unknown brand "${name}"`, {
      hint: `known brands: ${known.join(', ')} (zonectl brands)`,
    });
  }
  const raw = await parseDataFile('brand', file);
  if (!isObject(raw)) throw new ZoneError('invalid-file', `brand file ${file}: top level: must be a mapping`);
  if (raw.name !== name) {
    throw new ZoneError('invalid-file', `brand file ${file}: name is "${String(raw.name)}", expected "${name}" (the file name)`);
  }
  const parent = raw.inherits;
  if (typeof parent !== 'string') return { data: raw, file, packaged: unchangedSinceBuild(file) };
  if (seen.includes(parent)) {
    throw new ZoneError('invalid-file', `brand file ${file}: inherits form a loop (${[...seen, name, parent].join(' -> ')})`);
  }
  const base = await resolveInherits(parent, [...seen, name]).catch((e: unknown) => {
    if (e instanceof ZoneError && e.code === 'not-found') {
      throw new ZoneError('invalid-file', `brand file ${file}: inherits: unknown brand "${parent}"`, { hint: e.hint });
    }
    throw e;
  });
  const merged: Record<string, unknown> = { ...base.data, ...raw };
  delete merged.inherits;
  return { data: merged, file, packaged: base.packaged && unchangedSinceBuild(file) };
}

const cache = new Map<string, Brand>();

export async function loadBrand(name: string): Promise<Brand> {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const { data, file, packaged } = await resolveInherits(name, []);
  const brand = packaged && validatedAtBuild(file) ? (data as Omit<Brand, 'file'>) : await validateData<Omit<Brand, 'file'>>('brand', data, file);
  assertHaltSignal(brand.init, file, 'brand');
  const full: Brand = { ...brand, file };
  cache.set(name, full);
  return full;
}

/** What each host OS makes of the brand: the jail or zone brand it maps to. */
export function hostMappingLines(brand: Brand): string[] {
  const h = brand.hosts;
  const lines: string[] = [];
  if (h.linux !== undefined) lines.push('on Linux: an OCI container run by runc, with the shims and fixups shown by `brands show` on a Linux host');
  if (h.freebsd !== undefined)
    lines.push(`on FreeBSD: a jail of ${h.freebsd.jail === 'linux' ? 'a Linux userland (linux=new, the Linux mount set; needs linux64.ko)' : "FreeBSD's own userland"}`);
  for (const [os, m] of [
    ['illumos', h.illumos],
    ['Solaris', h.solaris],
  ] as const) {
    if (m === undefined) continue;
    const where = [m['host-release'] === undefined ? '' : `release ${m['host-release']}`, m['host-arch'] === undefined ? '' : `arch ${m['host-arch'].join('|')}`]
      .filter((x) => x !== '')
      .join(', ');
    const install = { image: 'zoneadm install -s|-t IMAGE', archive: 'zoneadm install -a ARCHIVE -u|-p', packages: "zoneadm install (the brand's packages)" }[m.install];
    lines.push(
      `on ${os}${where === '' ? '' : ` (${where})`}: a zone of brand ${m['zone-brand'] === 'native' ? "the distribution's own (ipkg, lipkg, joyent, native)" : m['zone-brand']}, installed by ${install}`,
    );
  }
  return lines;
}
