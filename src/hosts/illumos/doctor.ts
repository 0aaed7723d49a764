// `zonectl doctor` for an illumos or Solaris host: one fixed sh script asks the host
// everything in one round trip and prints tagged lines ("tool zfs /usr/sbin/zfs");
// every probe in it is failure-tolerant (2>/dev/null, a missing tool prints nothing or
// "-"), and the checks are worked out here from what it printed. The script is plain
// Bourne shell: Solaris 10's /bin/sh has no $(...), no `command -v`, and its id has no -u.
import { ZoneError } from '../../core/errors.js';
import type { ZoneRecord } from '../../core/zone.js';
import type { Brand } from '../../brands/brand.js';
import type { DoctorCheck } from '../../probes/check.js';
import type { HostOs } from '../../transport/host-os.js';
import { lastLine, type Executor } from '../../transport/executor.js';
import { resolveHostBrand } from '../../backends/illumos/host-brand.js';

/** The parent of zonectl's default zonepaths (hosts/illumos.ts: /zones/NAME). */
export const ZONES_PARENT = '/zones';

const TOOLS = ['zoneadm', 'zonecfg', 'zlogin', 'dladm', 'zfs', 'zpool', 'svcs', 'curl', 'wget', 'pkg'];

/** Run as `sh -c SCRIPT sh STATE_ROOT`. One line of `;`-joined statements: an argument
 * with a newline goes over ssh through a $(...) wrapper (hosts/quote.ts), which Solaris
 * 10's Bourne /bin/sh cannot read. */
export const DOCTOR_SCRIPT = [
  // Tools as zonectl runs them: by name, from the PATH this session has.
  'dirs=`echo "$PATH" | tr : " "`',
  `for t in ${TOOLS.join(' ')}; do p=-; for d in $dirs; do if [ -f "$d/$t" ] && [ -x "$d/$t" ]; then p=$d/$t; break; fi; done; echo "tool $t $p"; done`,
  // Solaris 10 keeps wget off the PATH, in /usr/sfw/bin (fetchOnHost tries it there).
  'if [ -x /usr/sfw/bin/wget ]; then echo "sfw-wget /usr/sfw/bin/wget"; fi',
  'echo "zonename `zonename 2>/dev/null`"',
  'echo "id `id 2>/dev/null`"',
  // The shell's effective privilege set: "all" for root or an all-privileged user.
  "ppriv $$ 2>/dev/null | sed -n 's/^[ \t]*E: /privE /p'",
  'for f in /usr/lib/brand/*/config.xml; do if [ -f "$f" ]; then echo "brand $f"; fi; done',
  "dladm show-phys -p -o link 2>/dev/null | sed 's/^/link /'",
  "zpool list -H -o name 2>/dev/null | sed 's/^/pool /'",
  `zfs list -H -o name,mountpoint -t filesystem 2>/dev/null | grep '\t${ZONES_PARENT}$' | sed 's/^/zones-dataset /'`,
  'echo "zones-svc `svcs -H -o state svc:/system/zones:default 2>/dev/null`"',
  // The state root, or the nearest directory above it that exists (where mkdir -p starts).
  'd=$1',
  'while [ ! -d "$d" ]; do d=`dirname "$d"`; done',
  'if [ -w "$d" ]; then echo "root writable $d"; else echo "root readonly $d"; fi',
  'exit 0',
].join('; ');

export interface HostFacts {
  /** Tools found on the PATH, by name. */
  tools: Map<string, string>;
  sfwWget?: string;
  zonename?: string;
  uid?: number;
  /** The effective privilege set as ppriv prints it ("all", "basic" ...). */
  privE?: string;
  /** Zone brands with a /usr/lib/brand/NAME/config.xml. */
  brands: string[];
  links: string[];
  pools: string[];
  /** The dataset mounted at ZONES_PARENT. */
  zonesDataset?: string;
  zonesSvc?: string;
  root?: { dir: string; writable: boolean };
}

/** The script's tagged lines; anything else (a tool's stray output) is ignored. */
export function parseDoctorProbe(stdout: string): HostFacts {
  const f: HostFacts = { tools: new Map(), brands: [], links: [], pools: [] };
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
    if (tag === 'tool') {
      const [name = '', path = '-'] = rest.split(' ');
      if (path !== '-' && path !== '') f.tools.set(name, path);
    } else if (tag === 'sfw-wget' && rest !== '') f.sfwWget = rest;
    else if (tag === 'zonename' && rest !== '') f.zonename = rest;
    else if (tag === 'id') {
      const m = /uid=(\d+)/.exec(rest);
      if (m !== null) f.uid = Number(m[1]);
    } else if (tag === 'privE' && rest !== '') f.privE = rest;
    else if (tag === 'brand') {
      const m = /^\/usr\/lib\/brand\/([^/]+)\/config\.xml$/.exec(rest);
      if (m !== null) f.brands.push(m[1] as string);
    } else if (tag === 'link' && rest !== '') f.links.push(rest);
    else if (tag === 'pool' && rest !== '') f.pools.push(rest);
    else if (tag === 'zones-dataset') f.zonesDataset = rest.split('\t')[0];
    else if (tag === 'zones-svc' && rest !== '') f.zonesSvc = rest;
    else if (tag === 'root') {
      const [state = '', ...dir] = rest.split(' ');
      f.root = { dir: dir.join(' '), writable: state === 'writable' };
    }
  }
  return f;
}

// --- what to install, per distribution --------------------------------------------------

/** OmniOS's package of each zone brand (seen in OmniOS package lists and install
 * transcripts); OpenIndiana is IPS with the same names, unverified there. */
const IPS_BRAND_PACKAGES: Record<string, string> = {
  lx: 'system/zones/brand/lx',
  sparse: 'system/zones/brand/sparse',
  lipkg: 'system/zones/brand/lipkg',
  ipkg: 'system/zones/brand/ipkg',
  solaris10: 'system/zones/brand/s10',
};

/** The command that adds these zone brands on this host, or what to do instead. */
function brandFix(host: HostOs, zoneBrands: string[]): string {
  switch (host.distro) {
    case 'omnios':
    case 'openindiana': {
      const pkgs = zoneBrands.map((b) => IPS_BRAND_PACKAGES[b] ?? `system/zones/brand/${b}`);
      const unverified = host.distro === 'openindiana' || zoneBrands.some((b) => IPS_BRAND_PACKAGES[b] === undefined);
      return `pkg install ${pkgs.join(' ')}${unverified ? ' (package names as on OmniOS; unverified here)' : ''}`;
    }
    case 'solaris11':
      return `pkg install ${zoneBrands.map((b) => `system/zones/brand/brand-${b}`).join(' ')} (package names unverified)`;
    case 'solaris10':
      return `install the Solaris 8/9 Containers packages for ${zoneBrands.join(', ')} with pkgadd (SUNWs8brandr, SUNWs8brandu, SUNWs9brandr, SUNWs9brandu ...; names unverified)`;
    case 'smartos':
      return 'SmartOS ships its zone brands in the platform image: none can be added';
    default:
      return `install the zone brands ${zoneBrands.join(', ')} from this distribution's packages`;
  }
}

function isIps(host: HostOs): boolean {
  return host.distro === 'omnios' || host.distro === 'openindiana' || host.distro === 'solaris11';
}

// --- the checks ---------------------------------------------------------------------

function zoneToolsCheck(f: HostFacts, host: HostOs): DoctorCheck {
  const title = 'zone tools (zoneadm, zonecfg, zlogin)';
  const names = ['zoneadm', 'zonecfg', 'zlogin'];
  const missing = names.filter((n) => !f.tools.has(n));
  if (missing.length === 0) return { id: 'zone-tools', title, status: 'ok', detail: names.map((n) => f.tools.get(n)).join(', ') };
  return {
    id: 'zone-tools',
    title,
    status: 'missing',
    detail: `not on the PATH: ${missing.join(', ')}`,
    fix: `they live in /usr/sbin: put it on the PATH zonectl's ssh sessions get${isIps(host) ? ', or pkg install system/zones (package name unverified)' : ''}`,
  };
}

function globalZoneCheck(f: HostFacts): DoctorCheck {
  const title = 'global zone';
  if (f.zonename === 'global') return { id: 'global-zone', title, status: 'ok', detail: 'zonename: global' };
  if (f.zonename === undefined) return { id: 'global-zone', title, status: 'warn', detail: 'cannot tell: zonename printed nothing' };
  return { id: 'global-zone', title, status: 'missing', detail: `this is the non-global zone "${f.zonename}": zones are made from the global zone`, fix: 'point --host at the global zone' };
}

function privilegeCheck(f: HostFacts): DoctorCheck {
  const title = 'privileges';
  if (f.uid === 0) return { id: 'privileges', title, status: 'ok', detail: 'root' };
  if (f.privE === 'all') return { id: 'privileges', title, status: 'ok', detail: `uid ${f.uid ?? 'unknown'} with all privileges` };
  if (f.uid === undefined) return { id: 'privileges', title, status: 'warn', detail: 'cannot tell: id printed no uid' };
  return {
    id: 'privileges',
    title,
    status: 'missing',
    detail: `uid ${f.uid}, privileges ${f.privE ?? 'unknown'}: zoneadm and zonecfg need all privileges in the global zone`,
    fix: 'connect as root (--host root@HOST): zonectl runs the tools as the ssh user, without pfexec',
  };
}

/** Which zonectl brands this host can run now, and what to add for the others. */
function brandsCheck(f: HostFacts, host: HostOs, brands: Brand[]): DoctorCheck {
  const title = 'zone brands';
  const installed = new Set(f.brands);
  // Solaris 10 before 8/07 has no /usr/lib/brand at all; its native zones still work.
  if (host.distro === 'solaris10') installed.add('native');
  const usable: string[] = [];
  const absent: Array<{ name: string; zoneBrand: string }> = [];
  const elsewhere: string[] = [];
  for (const b of brands) {
    if ((host.kind === 'solaris' ? b.hosts.solaris : b.hosts.illumos) === undefined) continue;
    const probe: ZoneRecord = { name: 'doctor', brand: b.name, zonepath: `${ZONES_PARENT}/doctor`, config: {}, createdAt: '' };
    const hb = resolveHostBrand(probe, b, host);
    if (hb instanceof ZoneError) elsewhere.push(b.name);
    else if (installed.has(hb.zoneBrand)) usable.push(`${b.name} (${hb.zoneBrand})`);
    else absent.push({ name: b.name, zoneBrand: hb.zoneBrand });
  }
  const parts = [`usable: ${usable.length === 0 ? 'none' : usable.join(', ')}`];
  if (absent.length > 0) parts.push(`not installed: ${absent.map((a) => `${a.name} (zone brand ${a.zoneBrand})`).join(', ')}`);
  if (elsewhere.length > 0) parts.push(`not for this host: ${elsewhere.join(', ')}`);
  const detail = parts.join('; ');
  if (absent.length === 0) return { id: 'brands', title, status: usable.length === 0 ? 'missing' : 'ok', detail };
  return { id: 'brands', title, status: usable.length === 0 ? 'missing' : 'warn', detail, fix: brandFix(host, [...new Set(absent.map((a) => a.zoneBrand))]) };
}

function vnicCheck(f: HostFacts, host: HostOs): DoctorCheck {
  const title = 'VNICs (exclusive-IP networks)';
  if (host.distro === 'solaris10') {
    return {
      id: 'vnic',
      title,
      status: 'warn',
      detail: 'Solaris 10 has no VNICs and no zonecfg global-nic: zonectl refuses net-interface with exclusive IP here (such a zone needs a NIC of its own, without defrouter)',
      fix: 'set ip-type shared, or give the zone its own net resource in a zonecfg file (zonectl configure -f)',
    };
  }
  if (host.distro === 'solaris11') {
    return {
      id: 'vnic',
      title,
      status: 'warn',
      detail: "Solaris 11 makes a zone's VNIC from an anet resource and has no zonecfg global-nic: zonectl refuses net-interface with exclusive IP here",
      fix: 'set ip-type shared, or give the zone its own anet resource in a zonecfg file (zonectl configure -f)',
    };
  }
  if (!f.tools.has('dladm')) {
    return { id: 'vnic', title, status: 'warn', detail: 'no dladm on the PATH: zones with net-interface cannot get their VNIC', fix: "put /usr/sbin on the PATH zonectl's ssh sessions get" };
  }
  if (f.links.length === 0) {
    return { id: 'vnic', title, status: 'warn', detail: 'dladm show-phys lists no physical link to make VNICs on', fix: 'check dladm show-phys; net-interface must name a link it lists' };
  }
  // global-nic (the VNIC made at boot) is an illumos-joyent/OmniOS zonecfg property.
  const known = host.distro === 'omnios' || host.distro === 'smartos';
  return {
    id: 'vnic',
    title,
    status: 'ok',
    detail: `physical links: ${f.links.join(', ')}${known ? '' : ' (zonecfg global-nic, which makes the VNIC at boot, is unverified on this distribution)'}`,
  };
}

function zfsCheck(f: HostFacts): DoctorCheck {
  const title = 'ZFS (datasets, snapshots, clones)';
  if (!f.tools.has('zfs')) return { id: 'zfs', title, status: 'warn', detail: 'no zfs on the PATH: zones install into plain directories, have no snapshots, and clones are copies' };
  if (f.zonesDataset !== undefined) {
    return { id: 'zfs', title, status: 'ok', detail: `${ZONES_PARENT} is ${f.zonesDataset}: each zone installed there gets a dataset of its own` };
  }
  // Without zpool on the PATH no pool is listed, which says nothing about the pools.
  if (f.pools.length === 0 && f.tools.has('zpool')) {
    return {
      id: 'zfs',
      title,
      status: 'warn',
      detail: 'no ZFS pool: zones have no datasets, no snapshots, and clones are copies',
      fix: `zpool create POOL DEVICE, then zfs create -o mountpoint=${ZONES_PARENT} POOL/zones`,
    };
  }
  return {
    id: 'zfs',
    title,
    status: 'warn',
    detail: `${ZONES_PARENT} (where zones go by default) is not a ZFS dataset: zoneadm install makes no dataset per zone there, so no snapshots, and clones are copies`,
    fix: `zfs create -o mountpoint=${ZONES_PARENT} ${f.pools[0] ?? 'POOL'}/zones (while ${ZONES_PARENT} is empty)`,
  };
}

function autobootCheck(f: HostFacts): DoctorCheck {
  const title = 'autoboot (svc:/system/zones)';
  if (f.zonesSvc === 'online') return { id: 'autoboot', title, status: 'ok', detail: 'svc:/system/zones:default is online' };
  if (!f.tools.has('svcs')) return { id: 'autoboot', title, status: 'warn', detail: 'no svcs on the PATH: cannot tell whether zones with autoboot start at host boot' };
  return {
    id: 'autoboot',
    title,
    status: 'warn',
    detail: `svc:/system/zones:default is ${f.zonesSvc ?? 'not there'}: zones with autoboot true do not start at host boot`,
    fix: 'svcadm enable svc:/system/zones:default',
  };
}

function downloadCheck(f: HostFacts, host: HostOs): DoctorCheck {
  const title = 'downloads (curl or wget)';
  const found = ['curl', 'wget'].map((t) => f.tools.get(t)).filter((p): p is string => p !== undefined);
  if (found.length > 0) return { id: 'download', title, status: 'ok', detail: found.join(', ') };
  if (f.sfwWget !== undefined) return { id: 'download', title, status: 'ok', detail: `${f.sfwWget} (not on the PATH; zonectl looks there)` };
  const fix = {
    omnios: 'pkg install web/wget',
    openindiana: 'pkg install web/wget (package name unverified here)',
    solaris11: 'pkg install web/wget (package name unverified)',
    solaris10: 'install wget: Solaris 10 ships it as /usr/sfw/bin/wget (packages SUNWwgetr, SUNWwgetu; names unverified)',
  }[host.distro ?? ''];
  return {
    id: 'download',
    title,
    status: 'warn',
    detail: 'no curl or wget: installs from a URL fail; a path on the host still works',
    ...(fix === undefined ? {} : { fix }),
  };
}

function stateRootCheck(f: HostFacts, stateRoot: string): DoctorCheck {
  const title = 'state root';
  if (f.root === undefined) return { id: 'state-root', title, status: 'warn', detail: `cannot tell whether ${stateRoot} is writable` };
  const exists = f.root.dir === stateRoot;
  if (f.root.writable) {
    return { id: 'state-root', title, status: 'ok', detail: exists ? `${stateRoot} is writable` : `${stateRoot} does not exist yet; ${f.root.dir} is writable, so it can be made` };
  }
  return {
    id: 'state-root',
    title,
    status: 'missing',
    detail: exists ? `${stateRoot} is not writable` : `${stateRoot} does not exist and ${f.root.dir} is not writable`,
    fix: `connect as root, or choose another state root with --root`,
  };
}

/** Every check, in the order doctor prints them. */
export function doctorChecks(f: HostFacts, host: HostOs, brands: Brand[], stateRoot: string): DoctorCheck[] {
  return [
    zoneToolsCheck(f, host),
    globalZoneCheck(f),
    privilegeCheck(f),
    brandsCheck(f, host, brands),
    vnicCheck(f, host),
    zfsCheck(f),
    autobootCheck(f),
    downloadCheck(f, host),
    stateRootCheck(f, stateRoot),
  ];
}

function probeFailed(target: string, why: string): DoctorCheck {
  return { id: 'probe', title: 'host probe', status: 'missing', detail: `the probe script could not run on ${target}: ${why}` };
}

/** One round trip: the fixed probe script, its tagged lines read here. */
export async function illumosDoctor(ex: Executor, host: HostOs, brands: Brand[], stateRoot: string): Promise<DoctorCheck[]> {
  let out: string;
  try {
    const r = await ex.run(['sh', '-c', DOCTOR_SCRIPT, 'sh', stateRoot]);
    if (r.stdout.trim() === '') return [probeFailed(ex.target, lastLine(r))];
    out = r.stdout;
  } catch (e) {
    return [probeFailed(ex.target, e instanceof Error ? e.message : String(e))];
  }
  return doctorChecks(parseDoctorProbe(out), host, brands, stateRoot);
}
