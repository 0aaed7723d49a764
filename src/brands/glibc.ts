// The glibc version of a userland, read from its files without running it: before
// glibc 2.34, libc.so.6 is a symlink to libc-X.Y.so; from 2.34 on it is the library
// itself, and every such glibc is newer than anything a vsyscall rule asks about.
import { lstat, readlink } from 'node:fs/promises';
import { resolveInRoot } from '../install/root-path.js';

const LIB_DIRS = ['lib64', 'lib/x86_64-linux-gnu', 'usr/lib64', 'usr/lib/x86_64-linux-gnu', 'lib', 'lib/i386-linux-gnu', 'usr/lib'];

/** "2.12" for a CentOS 6 root; ">=2.34" when libc.so.6 is a file; undefined without glibc. */
export async function glibcVersion(root: string, dirs: string[] = LIB_DIRS): Promise<string | undefined> {
  for (const dir of dirs) {
    const d = await resolveInRoot(root, dir);
    if (d === undefined) continue;
    const so = `${d}/libc.so.6`;
    const st = await lstat(so).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isFile()) return '>=2.34';
    if (!st.isSymbolicLink()) continue;
    const m = /libc-(\d+\.\d+)(?:\.\d+)?\.so$/.exec(await readlink(so));
    if (m !== null) return m[1];
  }
  return undefined;
}

/** Whether glibc `version` (as glibcVersion returns it) is older than `below` ("2.14"). */
export function glibcOlderThan(version: string, below: string): boolean {
  if (version.startsWith('>=')) return false;
  const [a1, a2] = version.split('.').map(Number) as [number, number];
  const [b1, b2] = below.split('.').map(Number) as [number, number];
  return a1 < b1 || (a1 === b1 && a2 < b2);
}
