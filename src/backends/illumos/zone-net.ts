// The zone's one modelled network, as a zonecfg net resource and back:
//  - exclusive IP: a VNIC made at boot (illumos-joyent/OmniOS global-nic): physical is
//    the VNIC's name, derived from the zone name; allowed-address and defrouter, or for
//    lx the brand's own net properties ips, gateway and primary (lx_init reads those);
//  - shared IP: the host NIC itself with the zone's address on it.
// Only a net that maps back to exactly itself is taken into config; any other stays a
// native resource, written back verbatim.
import { ZoneError } from '../../core/errors.js';
import { checkAssignment, configValue } from '../../core/config.js';
import type { ZoneResource } from '../../core/zone.js';
import { complex, complexPairs, simple, simpleText } from './zonecfg-value.js';

/** The VNIC name for a zone: datalink names are letters, digits and '_', start with a
 * letter, end with a digit, at most 31 characters. Two zone names that differ only in
 * '.', '-' or past 30 characters get the same VNIC: configure refuses the second one
 * (IllumosBackend.refuseVnicClash). A hashed name would avoid the clash, but would rename
 * the VNICs of zones configured before and be unreadable in dladm show-vnic. */
export function vnicName(zone: string): string {
  let base = zone.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(base)) base = `z${base}`;
  return `${base.slice(0, 30)}0`;
}

/** The physical of each net in `zonecfg -z ZONE info net` output (lines such as
 * "\tphysical: web0"; an unset one reads "physical not specified"). */
export function netPhysicals(info: string): string[] {
  return [...info.matchAll(/^\s*physical:\s*(\S+)\s*$/gm)].map((m) => m[1] as string);
}

function valid(key: string, value: string): string | undefined {
  try {
    return checkAssignment({ key, value });
  } catch {
    return undefined;
  }
}

/** "10.0.0.5/24" -> address, subnet "10.0.0.0/24"; undefined unless IPv4 with a prefix
 * net-subnet accepts. */
export function splitCidr(cidr: string): { address: string; subnet: string } | undefined {
  const [address = '', len = '', ...rest] = cidr.split('/');
  if (rest.length > 0 || valid('net-address', address) === undefined || address === 'auto') return undefined;
  const bits = Number(len);
  const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  const subnet = `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${len}`;
  return valid('net-subnet', subnet) === undefined ? undefined : { address, subnet };
}

type Props = ZoneResource['props'];

/** Config values the net carries, or undefined when it is not exactly our shape. */
export function netToConfig(r: ZoneResource, zone: string, ipType: string, hostBrand: string | undefined): Record<string, string> | undefined {
  const single = (name: string): string | undefined => {
    const ps = r.props.filter((p) => p.name === name);
    return ps.length === 1 ? simpleText((ps[0] as Props[number]).value) : undefined;
  };
  const names = new Set(r.props.map((p) => p.name));
  // Every prop one we write, and each but `property` at most once.
  const once = r.props.filter((p) => p.name !== 'property').map((p) => p.name);
  const allowed = (list: string[]): boolean => r.props.every((p) => list.includes(p.name)) && new Set(once).size === once.length;
  const out: Record<string, string> = {};
  const put = (key: string, value: string | undefined): boolean => {
    const v = value === undefined ? undefined : valid(key, value);
    if (v === undefined || v !== value) return false;
    out[key] = v;
    return true;
  };
  const cidr = (text: string | undefined): boolean => {
    const c = text === undefined ? undefined : splitCidr(text);
    if (c === undefined) return false;
    out['net-address'] = c.address;
    out['net-subnet'] = c.subnet;
    return true;
  };

  if (ipType === 'shared') {
    if (!allowed(['physical', 'address', 'defrouter'])) return undefined;
    if (!put('net-interface', single('physical')) || !cidr(single('address'))) return undefined;
    if (names.has('defrouter') && !put('net-gateway', single('defrouter'))) return undefined;
    return out;
  }
  if (single('physical') !== vnicName(zone) || !put('net-interface', single('global-nic'))) return undefined;
  if (hostBrand === 'lx') {
    if (!allowed(['physical', 'global-nic', 'property'])) return undefined;
    const props: Record<string, string> = {};
    for (const p of r.props.filter((q) => q.name === 'property')) {
      const pairs = complexPairs(p.value);
      if (pairs === undefined || Object.keys(pairs).sort().join() !== 'name,value' || (pairs.name as string) in props) return undefined;
      props[pairs.name as string] = pairs.value as string;
    }
    if (props.primary !== 'true' || Object.keys(props).some((k) => !['ips', 'gateway', 'primary'].includes(k))) return undefined;
    if ('ips' in props && !cidr(props.ips)) return undefined;
    if ('gateway' in props && (!('ips' in props) || !put('net-gateway', props.gateway))) return undefined;
    return out;
  }
  if (!allowed(['physical', 'global-nic', 'allowed-address', 'defrouter'])) return undefined;
  if (names.has('allowed-address') && !cidr(single('allowed-address'))) return undefined;
  if (names.has('defrouter') && (!names.has('allowed-address') || !put('net-gateway', single('defrouter')))) return undefined;
  return out;
}

function refuse(zone: string, message: string, hint?: string): never {
  throw new ZoneError('invalid-config', message, { zone, ...(hint === undefined ? {} : { hint }) });
}

/** The net resource for the zone's config, or undefined when it has no network. */
export function configToNet(zone: string, config: Record<string, string>, hostBrand: string): ZoneResource | undefined {
  const nic = config['net-interface'];
  const address = config['net-address'];
  const gateway = config['net-gateway'];
  if (nic === undefined && address === undefined && gateway === undefined) return undefined;
  if (address === 'auto') {
    refuse(zone, 'net-address auto is not available on illumos hosts: zoneadm has no address pool', "set net-address to the zone's address and net-subnet to its network");
  }
  if (nic === undefined) refuse(zone, "net-address and net-gateway need net-interface on illumos: the host NIC the zone's network is on");
  if (gateway !== undefined && address === undefined) refuse(zone, 'net-gateway needs net-address: zonecfg takes a default router only with an address');
  const len = (configValue(config, 'net-subnet') ?? '').split('/')[1];
  const cidr = address === undefined ? undefined : `${address}/${len}`;
  const props: Props = [];
  const set = (name: string, value: string): void => {
    props.push({ name, value });
  };
  if (configValue(config, 'ip-type') === 'shared') {
    if (cidr === undefined) refuse(zone, "a shared-IP zone needs net-address: zonecfg requires an address on the host's NIC");
    set('physical', simple(nic));
    set('address', simple(cidr));
    if (gateway !== undefined) set('defrouter', simple(gateway));
    return { type: 'net', props };
  }
  set('physical', simple(vnicName(zone)));
  set('global-nic', simple(nic));
  if (hostBrand === 'lx') {
    if (cidr !== undefined)
      set(
        'property',
        complex([
          ['name', 'ips'],
          ['value', cidr],
        ]),
      );
    if (gateway !== undefined)
      set(
        'property',
        complex([
          ['name', 'gateway'],
          ['value', gateway],
        ]),
      );
    set(
      'property',
      complex([
        ['name', 'primary'],
        ['value', 'true'],
      ]),
    );
    return { type: 'net', props };
  }
  if (cidr !== undefined) set('allowed-address', simple(cidr));
  if (gateway !== undefined) set('defrouter', simple(gateway));
  return { type: 'net', props };
}
