// Where zoneadm install reads from: a path on the host, or a URL fetched onto the host
// first; and, for lx images, whether zoneadm gets it as a ZFS send stream (-s) or a
// tarball (-t) (OmniOS lx(7): -s /path/stream.zfs[.gz] or pool/dataset[@snap],
// -t /path/tarball[.gz]). Names decide first; otherwise file(1)'s words as the brand
// installers match them (install_image(): "ZFS snapshot stream", "tar archive").
import { ZoneError, errnoCode } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { lastLine, type Executor } from '../../transport/executor.js';

export type ImageFlag = '-s' | '-t';

export function isUrl(source: string): boolean {
  return /^(https?|ftp):\/\//i.test(source);
}

/** -s or -t from a file name, when it says. */
export function imageFlagByName(name: string): ImageFlag | undefined {
  const base =
    name
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? '';
  if (/\.zfs(\.gz)?$/i.test(base)) return '-s';
  if (/\.(tar|tgz|tbz2?|txz)$|\.tar\.(gz|bz2|xz|z)$/i.test(base)) return '-t';
  return undefined;
}

/** lx_install reads a ZFS stream plain or gzipped only (it asks `file -b` which it
 * is): a .zfs.bz2 or .zfs.xz is refused here rather than half-way through zoneadm. */
export function refuseCompressedStream(source: string, zone: string): void {
  const base =
    source
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? '';
  const m = /\.zfs\.(bz2|xz)$/i.exec(base);
  if (m === null) return;
  throw new ZoneError('usage', `${printable(base)}: zoneadm install -s takes a ZFS stream plain (.zfs) or gzipped (.zfs.gz), not ${(m[1] as string).toLowerCase()}`, {
    zone,
    hint: `decompress it first (${m[1]?.toLowerCase() === 'xz' ? 'xz -d' : 'bunzip2'} FILE, optionally gzip the .zfs) and install from that`,
  });
}

/** A ZFS dataset or snapshot name (pool/ds, pool/ds@snap), which -s also takes. */
export function isDatasetName(source: string): boolean {
  return !source.startsWith('/') && /^[A-Za-z][\w.:-]*(\/[\w.:-]+)+(@[\w.:-]+)?$/.test(source);
}

/** -s or -t from `file PATH` output; undefined when it cannot tell (compressed data
 * could be either). */
export function imageFlagByFileOutput(out: string): ImageFlag | undefined {
  if (/ZFS (snapshot|shapshot)/i.test(out)) return '-s';
  if (/tar archive/i.test(out)) return '-t';
  return undefined;
}

/** Where a URL's download goes on the host: /var/tmp, as /tmp is memory on illumos. */
export function downloadPath(url: string, random: string): string {
  const base = (
    url
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? ''
  )
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(-80);
  return `/var/tmp/zonectl.${random}.${base === '' ? 'download' : base}`;
}

/** Fetches a URL onto the host with curl, or wget where there is no curl (Solaris 10
 * ships wget as /usr/sfw/bin/wget, off the default PATH, and no curl). Output lines go
 * to onLine as they come: curl's meter redraws one line with carriage returns, which no
 * line reader sees before the end, so curl runs silent but for errors (-sS); wget, not
 * on a terminal, prints a line of dots per 32 MiB with the percentage (dot:giga). */
export async function fetchOnHost(ex: Executor, url: string, dest: string, zone: string, onLine?: (line: string) => void): Promise<void> {
  const tryRun = async (argv: string[]): Promise<{ code: number; said: string }> => {
    try {
      const r = await ex.run(argv, onLine === undefined ? {} : { onLine });
      return { code: r.code, said: lastLine(r) };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { code: 127, said: `${argv[0] as string}: not found` };
      throw e;
    }
  };
  const wget = (cmd: string): string[] => [cmd, '--progress=dot:giga', '-O', dest, url];
  let r = await tryRun(['curl', '-fsSL', '-o', dest, url]);
  // 127: the shell found no such command.
  if (r.code === 127) r = await tryRun(wget('wget'));
  if (r.code === 127) r = await tryRun(wget('/usr/sfw/bin/wget'));
  if (r.code !== 0) {
    await ex.run(['rm', '-f', dest]);
    const where = ex.target === 'local' ? '' : ` on ${ex.target}`;
    throw new ZoneError('install-failed', `cannot download ${printable(url)}${where}: ${r.code === 127 ? 'neither curl nor wget is installed' : r.said}`, { zone });
  }
}
