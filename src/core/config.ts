// Zone configuration keys. Names follow zonecfg where it has one, so that an
// illumos admin's vocabulary works here and exports can be fed back in.
import { isAbsolute, posix } from 'node:path';
import { ZoneError } from './errors.js';
import { printable } from './zone.js';
import { parseKernelVersion } from './kernel-version.js';
import { sizeBytes } from './units.js';

interface KeySpec {
  describe: string;
  /** Returns the normalized value, or a reason the value is refused. */
  check: (value: string) => { ok: string } | { bad: string };
  /** Only while the zone is configured (changing it later would orphan an install). */
  configuredOnly?: boolean;
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function ipv4(v: string): boolean {
  const parts = v.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export interface PortForward {
  host: number;
  zone: number;
  protocol: 'tcp' | 'udp';
}

/** "8080:80", "5353:53/udp". */
export function parseForward(text: string): PortForward | undefined {
  const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(text.trim());
  if (m === null) return undefined;
  const [host, zone] = [Number(m[1]), Number(m[2])];
  if (host < 1 || host > 65535 || zone < 1 || zone > 65535) return undefined;
  return { host, zone, protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' };
}

/** A size with a unit (binary, as zonecfg), normalized to bytes, at least `min`. */
function sizeCheck(v: string, min: number): { ok: string } | { bad: string } {
  const bytes = sizeBytes(v);
  if (bytes === undefined) return { bad: 'must be a size such as 512M or 2G' };
  return bytes < min ? { bad: `must be at least ${min / 2 ** 20}M` } : { ok: v.toUpperCase() };
}

function oneOf(...allowed: string[]): KeySpec['check'] {
  return (v) => (allowed.includes(v) ? { ok: v } : { bad: `must be one of ${allowed.join(', ')}` });
}

export const CONFIG_KEYS: Record<string, KeySpec> = {
  zonepath: {
    describe: 'directory holding the zone (its userland is ZONEPATH/root); default STATE_ROOT/zones/NAME',
    check: (v) =>
      !isAbsolute(v)
        ? { bad: 'must be an absolute path' }
        : v.split('/').includes('..') || posix.normalize(v) === '/'
          ? { bad: 'must not be / or contain ..' }
          : { ok: posix.normalize(v).replace(/\/+$/, '') },
    configuredOnly: true,
  },
  autoboot: {
    describe: 'boot the zone when the host starts, i.e. at `zonectl autoboot` (true|false)',
    check: oneOf('true', 'false'),
  },
  hostname: {
    describe: "the zone's host name (default: the zone name)",
    check: (v) => (HOSTNAME_RE.test(v) ? { ok: v } : { bad: 'must be a valid host name (RFC 1123)' }),
  },
  emulation: {
    describe: 'how a Linux zone whose architecture this host cannot run is run: auto (natively where the host can, else QEMU), native, qemu',
    check: oneOf('auto', 'native', 'qemu'),
  },
  'ip-type': {
    describe: "shared: the host's network stack; exclusive: the zone's own (an address with net-address, else loopback only)",
    check: oneOf('shared', 'exclusive'),
  },
  'kernel-version': {
    describe: 'Linux release a branded zone reports (illumos lx rules: 2.4 = 2.4.21, 2.6 = 2.6.18; major >= 2)',
    check: (v) => {
      const k = parseKernelVersion(v);
      return 'bad' in k ? k : { ok: v };
    },
  },
  'capped-memory': {
    describe: 'memory the zone may use, as zonecfg capped-memory physical (e.g. 512M, 2G); over it, its processes are OOM-killed',
    check: (v) => sizeCheck(v, 4 * 2 ** 20),
  },
  'capped-cpu': {
    describe: 'CPUs the zone may use, as zonecfg capped-cpu ncpus (1.5 = 150% of one CPU)',
    check: (v) => {
      if (!/^\d+(\.\d{1,2})?$/.test(v) || Number(v) < 0.01) return { bad: 'must be a number of CPUs such as 0.5, 1 or 1.5 (at least 0.01)' };
      return { ok: String(Number(v)) };
    },
  },
  'max-processes': {
    describe: 'processes and threads the zone may have at once (zonecfg max-processes)',
    check: (v) => (/^\d+$/.test(v) && Number(v) >= 2 ? { ok: String(Number(v)) } : { bad: 'must be a whole number, at least 2' }),
  },
  'cpu-shares': {
    describe: "the zone's share of CPU time against other zones when the CPUs are busy (zonecfg cpu-shares; default 1024)",
    check: (v) => (/^\d+$/.test(v) && Number(v) >= 2 && Number(v) <= 262144 ? { ok: String(Number(v)) } : { bad: 'must be a whole number from 2 to 262144' }),
  },
  'net-address': {
    describe: "with ip-type exclusive: the zone's address on its bridge, 'auto' (from net-subnet's pool) or A.B.C.D",
    check: (v) => (v === 'auto' || ipv4(v) ? { ok: v } : { bad: "must be 'auto' or an IPv4 address such as 10.88.0.5" }),
  },
  'net-subnet': {
    describe: 'the bridge network zones get addresses from (default 10.88.0.0/16); the bridge is its first address',
    check: (v) => {
      const [addr, len] = v.split('/');
      return addr !== undefined && ipv4(addr) && /^\d+$/.test(len ?? '') && Number(len) >= 8 && Number(len) <= 30
        ? { ok: v }
        : { bad: 'must be an IPv4 network such as 10.88.0.0/16 (prefix 8 to 30)' };
    },
  },
  'net-bridge': {
    describe: 'the host bridge the zone joins (default zonectl0)',
    check: (v) => (/^[a-z][a-z0-9_-]{0,14}$/.test(v) ? { ok: v } : { bad: 'must be an interface name: a letter, then letters, digits, - or _, at most 15' }),
  },
  'net-forward': {
    describe: 'ports forwarded from the host to the zone: HOSTPORT:ZONEPORT[/udp], comma-separated',
    check: (v) => (v.split(',').every((f) => parseForward(f) !== undefined) ? { ok: v } : { bad: 'must be HOSTPORT:ZONEPORT[/tcp|/udp], comma-separated, ports 1 to 65535' }),
  },
  'net-interface': {
    describe: "the host NIC the zone's network rides on: FreeBSD ip4.addr alias interface (shared), illumos VNIC global-nic (exclusive)",
    check: (v) => (/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(v) ? { ok: v } : { bad: 'must be an interface name such as em0, igb0 or vtnet0' }),
  },
  'net-gateway': {
    describe: "with ip-type exclusive on FreeBSD and illumos: the zone's default router (zonecfg defrouter)",
    check: (v) => (ipv4(v) ? { ok: v } : { bad: 'must be an IPv4 address such as 10.0.0.1' }),
  },
  'storage-driver': {
    describe: 'how clones and snapshots are made: auto (btrfs on btrfs, else overlay layers, else copies), overlay, btrfs or copy; fixed at the first clone or snapshot',
    check: oneOf('auto', 'overlay', 'btrfs', 'copy'),
  },
  runtime: {
    describe: 'OCI runtime for Linux zones: runc (default) or crun',
    check: oneOf('runc', 'crun'),
  },
};

export const CONFIG_DEFAULTS: Record<string, string> = {
  autoboot: 'false',
  'net-subnet': '10.88.0.0/16',
  'net-bridge': 'zonectl0',
  'ip-type': 'exclusive',
  runtime: 'runc',
};

export interface Assignment {
  key: string;
  value: string;
}

/** Parses "KEY=VALUE" as given to --set. */
export function parseAssignment(text: string): Assignment {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ZoneError('usage', `--set "${printable(text)}": expected KEY=VALUE`, {
      hint: `keys: ${Object.keys(CONFIG_KEYS).join(', ')}`,
    });
  }
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

function keySpec(key: string, zone?: string): KeySpec {
  const spec = CONFIG_KEYS[key];
  if (spec === undefined) {
    throw new ZoneError('invalid-config', `unknown config key "${printable(key)}"`, {
      ...(zone === undefined ? {} : { zone }),
      hint: `known keys: ${Object.keys(CONFIG_KEYS).join(', ')}`,
    });
  }
  return spec;
}

export function assertKnownKey(key: string, zone?: string): void {
  keySpec(key, zone);
}

/** Validates one assignment and returns its normalized value. */
export function checkAssignment(a: Assignment, zone?: string): string {
  const spec = keySpec(a.key, zone);
  const r = spec.check(a.value);
  if ('bad' in r) {
    throw new ZoneError('invalid-config', `bad value "${printable(a.value)}" for ${a.key}: ${r.bad}`, {
      ...(zone === undefined ? {} : { zone }),
    });
  }
  return r.ok;
}

/** The value a key would store (normalized), or undefined when the key refuses it:
 * for readers of other tools' files, which keep a refused value as it was. */
export function acceptedValue(key: string, value: string): string | undefined {
  const r = CONFIG_KEYS[key]?.check(value);
  return r === undefined || 'bad' in r ? undefined : r.ok;
}

export function isConfiguredOnly(key: string): boolean {
  return CONFIG_KEYS[key]?.configuredOnly === true;
}

/** A config value, falling back to the documented default. */
export function configValue(config: Record<string, string>, key: string): string | undefined {
  return config[key] ?? CONFIG_DEFAULTS[key];
}
