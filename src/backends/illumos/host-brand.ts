// Which zonecfg brand a zonectl brand becomes on this illumos or Solaris host, read from
// the brand file's host mapping (hosts.illumos / hosts.solaris): nothing here knows a
// zonectl brand by name. "native" is the distribution's own whole-root brand.
import { ZoneError } from '../../core/errors.js';
import type { ZoneRecord } from '../../core/zone.js';
import type { HostOs } from '../../transport/host-os.js';
import type { Brand, ZoneHostMapping, ZoneInstallKind } from '../../brands/brand.js';

// The distribution's own brand (brands(7) of each; OpenIndiana keeps OpenSolaris's ipkg).
const DISTRO_NATIVE: Record<string, string> = {
  omnios: 'lipkg',
  openindiana: 'ipkg',
  smartos: 'joyent',
  solaris10: 'native',
  solaris11: 'solaris',
};

export interface HostZoneBrand {
  /** The zonecfg brand property. */
  zoneBrand: string;
  install: ZoneInstallKind;
}

export function describeHost(host: HostOs): string {
  return `${host.distro ?? host.kind} ${host.release} ${host.machine}`;
}

function requirement(m: ZoneHostMapping, kind: string): string {
  const os = kind === 'solaris' ? 'Solaris' : 'illumos';
  const rel = m['host-release'] === undefined ? '' : ` ${m['host-release']}`;
  const arch = m['host-arch'] === undefined ? '' : ` on ${m['host-arch'].join(', ')}`;
  return `${os}${rel}${arch}`;
}

/** The zonecfg brand, or why this host cannot run the brand (one line, with a hint). */
export function resolveHostBrand(record: ZoneRecord, brand: Brand, host: HostOs): HostZoneBrand | ZoneError {
  const kind = host.kind === 'solaris' ? 'solaris' : 'illumos';
  const m = kind === 'solaris' ? brand.hosts.solaris : brand.hosts.illumos;
  const other = kind === 'solaris' ? brand.hosts.illumos : brand.hosts.solaris;
  const here = describeHost(host);
  const refuse = (why: string, hint?: string): ZoneError =>
    new ZoneError('invalid-config', `brand ${brand.name} cannot run on this host (${here}): ${why}`, { zone: record.name, ...(hint === undefined ? {} : { hint }) });
  if (m === undefined) {
    return refuse(other === undefined ? `it has no ${kind} zone brand` : `it needs ${requirement(other, kind === 'solaris' ? 'illumos' : 'solaris')}`);
  }
  const release = m['host-release'];
  const arches = m['host-arch'];
  if ((release !== undefined && host.release !== release) || (arches !== undefined && !arches.includes(host.machine))) {
    return refuse(`it needs ${requirement(m, kind)}`);
  }
  if (m['zone-brand'] !== 'native') return { zoneBrand: m['zone-brand'], install: m.install };
  const own = record.native?.zonecfg?.brand ?? (Object.hasOwn(DISTRO_NATIVE, host.distro ?? '') ? DISTRO_NATIVE[host.distro ?? ''] : undefined);
  if (own === undefined) {
    return refuse(
      "zonectl does not know this distribution's own zone brand",
      'import the zone from a zonecfg export that sets brand, or use a distribution zonectl knows (OmniOS, OpenIndiana, SmartOS, Solaris)',
    );
  }
  return { zoneBrand: own, install: m.install };
}

export function hostZoneBrand(record: ZoneRecord, brand: Brand, host: HostOs): HostZoneBrand {
  const r = resolveHostBrand(record, brand, host);
  if (r instanceof ZoneError) throw r;
  return r;
}
