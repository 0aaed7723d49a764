// A jail's network from the zone's config. Shared: an alias on a host NIC
// (ip4.addr = "IF|A.B.C.D/LEN"). Exclusive: a vnet jail with one end of an epair(4),
// the other end on a host bridge; the commands that make and remove them are exec.*
// parameters, so jail(8) runs them itself on every start and stop.
import { ZoneError } from '../../core/errors.js';
import { configValue } from '../../core/config.js';
import { printable, type JailParam, type ZoneRecord } from '../../core/zone.js';
import type { JailKind } from './jail-kind.js';

export interface Ip4Alias {
  iface?: string;
  address: string;
  prefix?: number;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** "em0|10.0.0.5/24", "10.0.0.5/24" or "10.0.0.5"; undefined for other forms (IPv6,
 * names, the extended form with ifconfig arguments). */
export function parseIp4Alias(value: string): Ip4Alias | undefined {
  const m = /^(?:([^|\s]+)\|)?([0-9.]+)(?:\/(\d{1,2}))?$/.exec(value);
  if (m === null || !IPV4.test(m[2] as string)) return undefined;
  const prefix = m[3] === undefined ? undefined : Number(m[3]);
  if (prefix !== undefined && prefix > 32) return undefined;
  return { ...(m[1] === undefined ? {} : { iface: m[1] }), address: m[2] as string, ...(prefix === undefined ? {} : { prefix }) };
}

export function formatIp4Alias(a: Ip4Alias): string {
  return `${a.iface === undefined ? '' : `${a.iface}|`}${a.address}${a.prefix === undefined ? '' : `/${a.prefix}`}`;
}

/** 10.1.2.3 and 24 -> 10.1.2.0/24. */
export function networkOf(address: string, prefix: number): string {
  const n = address.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${prefix}`;
}

function prefixOf(subnet: string | undefined): number | undefined {
  const len = subnet?.split('/')[1];
  return len === undefined ? undefined : Number(len);
}

/** FNV-1a: a short, stable hash of a zone name. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The epair ends of a zone: `zc` + up to 7 characters of its name + 4 of a hash of the
 * whole name + a or b. At most 14 characters (interface names hold 15), the same on
 * every start, and two zones share them only if their names share 7 characters and a
 * 1-in-1.7-million hash (jail(8) then refuses the second start: the name exists). */
export function epairNames(zone: string): { host: string; jail: string } {
  const readable = zone
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 7);
  const base = `zc${readable}${fnv1a(zone).toString(36).padStart(4, '0').slice(-4)}`;
  return { host: `${base}a`, jail: `${base}b` };
}

/** Values that go into exec.* shell commands: config checks them when they are set;
 * this refuses anything else a hand-edited zone.json could carry into a shell. */
function shellWord(record: ZoneRecord, key: string, value: string): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(value)) {
    throw new ZoneError('invalid-config', `zone "${record.name}": ${key} "${printable(value)}" cannot go into a jail's network commands`, { zone: record.name });
  }
  return value;
}

function refuseAuto(record: ZoneRecord): never {
  throw new ZoneError('invalid-config', `zone "${record.name}": net-address auto is not available on FreeBSD hosts`, {
    zone: record.name,
    hint: 'set net-address to an address of the zone (zonectl configure NAME --set net-address=A.B.C.D)',
  });
}

export interface JailNetwork {
  params: JailParam[];
  /** Inside the jail before its rc (native jails configure their own end). */
  start: string[];
  /** On the host after start (Linux userlands have no FreeBSD ifconfig). */
  poststart: string[];
}

function shared(record: ZoneRecord): JailNetwork {
  const address = record.config['net-address'];
  if (address === 'auto') refuseAuto(record);
  if (address === undefined) return { params: [], start: [], poststart: [] };
  const iface = record.config['net-interface'];
  const prefix = prefixOf(record.config['net-subnet']);
  const alias = formatIp4Alias({ ...(iface === undefined ? {} : { iface }), address, ...(prefix === undefined ? {} : { prefix }) });
  return { params: [{ name: 'ip4.addr', value: [alias] }], start: [], poststart: [] };
}

function exclusive(record: ZoneRecord, kind: JailKind): JailNetwork {
  const { host, jail } = epairNames(record.name);
  const bridge = shellWord(record, 'net-bridge', configValue(record.config, 'net-bridge') as string);
  const params: JailParam[] = [
    { name: 'vnet', value: true },
    { name: 'vnet.interface', value: [jail] },
    {
      name: 'exec.prestart',
      value: [
        // A pair left behind by a host crash would make the rename below fail.
        `if ifconfig ${host} >/dev/null 2>&1; then ifconfig ${host} destroy; fi`,
        // A concurrent boot may name its bridge first: then ours goes and theirs is used.
        `ifconfig ${bridge} >/dev/null 2>&1 || { b=$(ifconfig bridge create) && { ifconfig "$b" up name ${bridge} || { ifconfig "$b" destroy; ifconfig ${bridge} >/dev/null 2>&1; }; }; }`,
        `e=$(ifconfig epair create) && ifconfig "$e" up name ${host} && ifconfig "\${e%a}b" up name ${jail}`,
        `ifconfig ${bridge} addm ${host}`,
      ],
    },
    // Idempotent: a pair already gone (destroyed by hand, or by a failed start) is fine.
    { name: 'exec.poststop', value: [`if ifconfig ${host} >/dev/null 2>&1; then ifconfig ${host} destroy; fi`] },
  ];
  const address = record.config['net-address'];
  if (address === 'auto') refuseAuto(record);
  // A Linux userland has no rc to bring its loopback up: the host does (ifconfig -j).
  const lo = kind === 'linux' ? [`ifconfig -j ${shellWord(record, 'zone name', record.name)} lo0 inet 127.0.0.1/8 up`] : [];
  if (address === undefined) return { params, start: [], poststart: lo };
  shellWord(record, 'net-address', address);
  const subnet = configValue(record.config, 'net-subnet') as string;
  const prefix = prefixOf(subnet);
  if (prefix === undefined || !Number.isInteger(prefix) || prefix > 32) {
    throw new ZoneError('invalid-config', `zone "${record.name}": net-subnet "${printable(subnet)}" has no prefix length`, { zone: record.name });
  }
  const gw = record.config['net-gateway'];
  const gateway = gw === undefined ? undefined : shellWord(record, 'net-gateway', gw);
  if (kind === 'native') {
    const start = [`/sbin/ifconfig ${jail} inet ${address}/${prefix} up`];
    if (gateway !== undefined) start.push(`/sbin/route add default ${gateway}`);
    return { params, start, poststart: [] };
  }
  // ifconfig -j / route -j (FreeBSD 13.3 and 14.0 on) configure a vnet from the host.
  const name = shellWord(record, 'zone name', record.name);
  const poststart = [...lo, `ifconfig -j ${name} ${jail} inet ${address}/${prefix} up`];
  if (gateway !== undefined) poststart.push(`route -j ${name} add default ${gateway}`);
  return { params, start: [], poststart };
}

export function jailNetwork(record: ZoneRecord, kind: JailKind): JailNetwork {
  return configValue(record.config, 'ip-type') === 'shared' ? shared(record) : exclusive(record, kind);
}
