// Finding the host's statically linked busybox (Debian's busybox-static), which the
// busybox recipe copies into a zone and the sparse brand runs as init.
import { delimiter, join } from 'node:path';
import { readElf } from './elf.js';

export async function isStaticElf(path: string): Promise<boolean> {
  return (await readElf(path))?.static === true;
}

/** The first static busybox on PATH (then the usual places), or undefined. */
export async function findStaticBusybox(): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of [...dirs, '/bin', '/usr/bin', '/sbin', '/usr/sbin']) {
    const candidate = join(d, 'busybox');
    if (await isStaticElf(candidate)) return candidate;
  }
  return undefined;
}

export const BUSYBOX_PACKAGE = 'busybox-static';
