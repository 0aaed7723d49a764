// What a zone is as a jail: FreeBSD's own userland or a Linux one (brand.hosts.freebsd),
// the jail name (the zone's, if jail(8) can take it) and the host files that define it.
import { ZoneError } from '../../core/errors.js';
import type { Brand } from '../../brands/brand.js';

export type JailKind = 'native' | 'linux';

export type BrandMapping = Pick<Brand, 'name' | 'hosts'>;

export function jailKind(brand: BrandMapping): JailKind {
  const mapping = brand.hosts.freebsd;
  if (mapping === undefined) {
    throw new ZoneError('refused', `brand "${brand.name}" does not run on FreeBSD hosts`, {
      hint: `it runs on: ${Object.keys(brand.hosts).join(', ')}`,
    });
  }
  return mapping.jail;
}

/** jail(8) reads a dot in a name as parent.child, so a dotted zone name cannot be a jail's. */
export function assertJailName(zone: string): void {
  if (zone.includes('.')) {
    throw new ZoneError('invalid-name', `zone "${zone}" cannot be a jail: jail(8) reads a dot in a name as parent.child`, {
      zone,
      hint: "on FreeBSD hosts use letters, digits, '-' and '_'",
    });
  }
}

/** The host files that make the jail: its jail.conf(5) and the fstab its mounts are in.
 * /etc/jail.conf.d/NAME.conf is where rc.d/jail looks for NAME too. */
export interface JailPaths {
  conf: string;
  fstab: string;
}

export function jailPaths(zone: string): JailPaths {
  return { conf: `/etc/jail.conf.d/${zone}.conf`, fstab: `/etc/jail.conf.d/${zone}.fstab` };
}

/** The frozen copy boot writes and starts the jail from, and halt removes it with, so a
 * configure while it runs cannot change what `jail -r` undoes. /var/run is emptied at
 * host boot (rc.d/cleanvar), when no jail is left either. */
export function runPaths(zone: string): JailPaths {
  return { conf: `/var/run/zonectl/${zone}.conf`, fstab: `/var/run/zonectl/${zone}.fstab` };
}
