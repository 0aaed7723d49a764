// fstab(5) lines of a jail (its `mount` parameter, its mount.fstab file): the zone's
// file systems from the host as nullfs mounts under the jail root, and the mount set a
// Linux jail needs (as Bastille, AppJail and ocijail's Alpine example mount it).
import { posix } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import { printable, type ZoneFs } from '../../core/zone.js';
import { LX_DEVFS_RULESET } from './devfs.js';

export interface FstabEntry {
  special: string;
  file: string;
  type: string;
  options: string;
}

/** One fstab line, or undefined for blank and comment lines and short ones. */
export function parseFstabLine(line: string): FstabEntry | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const [special, file, type, options = 'rw', freq = '0', pass = '0', ...more] = t.split(/\s+/);
  // Dump and pass numbers other than 0 0 are not ours to drop: such a line stays as it is.
  if (special === undefined || file === undefined || type === undefined || freq !== '0' || pass !== '0' || more.length > 0) return undefined;
  return { special, file, type, options };
}

export function formatFstabLine(e: FstabEntry): string {
  return `${e.special}\t${e.file}\t${e.type}\t${e.options}\t0\t0`;
}

/** Whether two lines mount the same thing the same way (blanks do not matter). */
export function sameFstabLine(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

/** The Linux jail mount set, under `root`: devfs with zonectl's Linux ruleset (the jail
 * one plus /dev/shm, which the tmpfs needs), /dev/shm,
 * /dev/fd with linrdlnk, and the Linux /proc and /sys. */
export function linuxMounts(root: string): FstabEntry[] {
  return [
    { special: 'devfs', file: `${root}/dev`, type: 'devfs', options: `rw,ruleset=${LX_DEVFS_RULESET}` },
    { special: 'tmpfs', file: `${root}/dev/shm`, type: 'tmpfs', options: 'rw,size=1g,mode=1777' },
    { special: 'fdescfs', file: `${root}/dev/fd`, type: 'fdescfs', options: 'rw,linrdlnk' },
    { special: 'linprocfs', file: `${root}/proc`, type: 'linprocfs', options: 'rw' },
    { special: 'linsysfs', file: `${root}/sys`, type: 'linsysfs', options: 'rw' },
  ];
}

const NO_BLANKS = /^[^\s]+$/;

function badFs(fs: ZoneFs, why: string): never {
  throw new ZoneError('invalid-config', `fs ${printable(fs.dir)}: ${why}`, {
    hint: 'fs dir is an absolute path in the zone; special a host path; no blanks (fstab lines cannot hold them)',
  });
}

/** A zone fs as the nullfs line jail(8) mounts before the jail starts. */
export function fsToFstab(fs: ZoneFs, root: string): FstabEntry {
  if (fs.type !== undefined && fs.type !== 'nullfs' && fs.type !== 'lofs') badFs(fs, `type ${printable(fs.type)} cannot be mounted into a jail (nullfs, as lofs, can)`);
  if (!fs.dir.startsWith('/') || fs.dir === '/' || posix.normalize(fs.dir) !== fs.dir || fs.dir.endsWith('/')) {
    badFs(fs, 'dir must be a normalized absolute path below /');
  }
  const options = (fs.options ?? ['rw']).join(',');
  for (const part of [fs.dir, fs.special, options]) if (!NO_BLANKS.test(part)) badFs(fs, `${printable(part)} is empty or holds a blank`);
  return { special: fs.special, file: `${root}${fs.dir}`, type: 'nullfs', options };
}

/** A nullfs line below `root` as a zone fs; undefined for anything else. */
export function fstabToFs(e: FstabEntry, root: string): ZoneFs | undefined {
  if (e.type !== 'nullfs' || !e.file.startsWith(`${root}/`)) return undefined;
  const dir = e.file.slice(root.length);
  if (posix.normalize(dir) !== dir || dir.endsWith('/')) return undefined;
  return { dir, special: e.special, ...(e.options === 'rw' ? {} : { options: e.options.split(',') }) };
}
