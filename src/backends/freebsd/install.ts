// Filling a jail's root on the host: FreeBSD's base.txz of a release, checked against
// the release's MANIFEST, or any archive the host's tar (libarchive) reads, from a URL
// or a path on the host (a Linux userland for lx jails). Downloads go next to the
// root, never into it; a failure removes everything the install made. What fetch and
// tar print while they work reaches the progress sink line by line.
import { debianToNode } from '../../core/arch.js';
import { ZoneError } from '../../core/errors.js';
import { printable, zoneRoot, type InstalledUserland, type ZoneRecord } from '../../core/zone.js';
import { lastLine, mustRun, type ExecResult, type Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import type { InstallRequest, ProgressSink } from '../tool-backend.js';
import { hostLine } from '../../core/terminal-text.js';
import type { JailKind } from './jail-kind.js';
import { assertStandardRoot, listDatasets, makeZonepath, undoMade, type Made } from './storage.js';

export const RELEASES_URL = 'https://download.freebsd.org/releases';

const RELEASE = /^\d+\.\d+-(RELEASE|BETA\d+|RC\d+|ALPHA\d+)$/;
const URL_SOURCE = /^(https?|ftp):\/\/[^\s'"\\]+$/;

/** `uname -p` values as Node names the architecture. */
const MACHINE_ARCH_TO_NODE: Record<string, string> = { aarch64: 'arm64', armv7: 'arm', powerpc64: 'ppc64', powerpc64le: 'ppc64' };

function nodeArch(machineArch: string): string {
  return MACHINE_ARCH_TO_NODE[machineArch] ?? debianToNode(machineArch);
}

/** The release to fetch: the one asked for, else the host's own (14.1-RELEASE-p5 -> 14.1-RELEASE). */
export function releaseToFetch(req: InstallRequest, host: HostOs, zone: string): string {
  const rel = req.release ?? host.release.replace(/-p\d+$/, '');
  if (!RELEASE.test(rel)) {
    throw new ZoneError('usage', `cannot fetch FreeBSD "${printable(rel)}": not a release name such as 14.1-RELEASE`, {
      zone,
      hint: req.release === undefined ? 'this host runs no release; name one: zonectl install NAME --release 14.1-RELEASE' : 'releases are X.Y-RELEASE, X.Y-RCn or X.Y-BETAn',
    });
  }
  return rel;
}

/** The sha256 MANIFEST gives a distribution file (tab-separated, column 2). */
export function manifestSha256(manifest: string, file: string): string | undefined {
  for (const line of manifest.split('\n')) {
    const cols = line.split('\t');
    if (cols[0] === file && /^[0-9a-f]{64}$/.test(cols[1] ?? '')) return cols[1];
  }
  return undefined;
}

function failed(zone: string, what: string, why: string, hint?: string): ZoneError {
  return new ZoneError('install-failed', `${what}: ${why}`, { zone, ...(hint === undefined ? {} : { hint }) });
}

async function fetchText(ex: Executor, url: string, zone: string, hint: string): Promise<string> {
  const r = await ex.run(['fetch', '-q', '-o', '-', url]);
  if (r.code !== 0) throw failed(zone, `cannot fetch ${url} on ${ex.target}`, lastLine(r), hint);
  return r.stdout;
}

// fetch(1) shows its progress meter only on a terminal; elsewhere it prints one
// statistics line at the end, and another whenever it gets SIGINFO. So it runs in the
// background, watched every second and sent SIGINFO every fifth (SIGINFO is ignored by
// default, so one that comes before fetch sets its handler does nothing); the shell
// reaps it while sleeping, so kill -0 fails once it is done, and the script's status
// is fetch's. $1 is the file, $2 the URL.
export const FETCH_SCRIPT = 'fetch -o "$1" "$2" & p=$!; n=0; while kill -0 "$p" 2>/dev/null; do sleep 1; n=$((n + 1)); [ $((n % 5)) -ne 0 ] || kill -INFO "$p" 2>/dev/null; done; wait "$p"';

/** fetch's statistics line (stat_end in usr.bin/fetch/fetch.c: bytes, rate, and the
 * time left or, at the end, taken), after the file name on its first line. */
const FETCH_STATS = /(\d+ [ kMGTP]B) +(\d+ [ kMGTP]Bps|\?\? Bps) +(\S+)$/;

/** One line of fetch's output as a progress line: its statistics under the file's
 * name, anything else (a warning) as it is. */
export function fetchProgressLine(file: string, line: string): string | undefined {
  const text = line.trimEnd();
  if (text.trim() === '') return undefined;
  const m = FETCH_STATS.exec(text);
  if (m === null) return hostLine(text);
  const squeeze = (s: string): string => s.trim().replace(/ +/g, ' ');
  return `${file}: ${squeeze(m[1] as string)}, ${squeeze(m[2] as string)}, ${m[3] as string}`;
}

async function fetchFile(ex: Executor, url: string, to: string, zone: string, made: Made, progress: ProgressSink): Promise<void> {
  made.download = to;
  const file = url.slice(url.lastIndexOf('/') + 1) || url;
  const onLine = (line: string): void => {
    const p = fetchProgressLine(file, line);
    if (p !== undefined) progress(p);
  };
  const r = await ex.run(['sh', '-c', FETCH_SCRIPT, 'sh', to, url], { onLine });
  if (r.code !== 0) throw failed(zone, `cannot fetch ${url} on ${ex.target}`, lastLine(r));
}

/** What a failed tar said: its first complaint (bsdtar names each entry it could not
 * write, then ends with "Error exit delayed from previous errors."), and how many more. */
export function tarFailure(r: ExecResult): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/Error exit delayed from previous errors/.test(l));
  const first = lines[0];
  if (first === undefined) return lastLine(r);
  return lines.length === 1 ? first : `${first} (and ${lines.length - 1} more)`;
}

/** tar prints nothing while it works unless something goes wrong: those lines are
 * passed on as they come. (-v would name every file: tens of thousands of lines.) */
async function unpack(ex: Executor, archive: string, root: string, zone: string, progress: ProgressSink): Promise<void> {
  const onLine = (line: string): void => {
    if (line.trim() !== '') progress(hostLine(line));
  };
  const r = await ex.run(['tar', '-C', root, '-xpf', archive], { onLine });
  if (r.code !== 0) {
    const where = ex.target === 'local' ? '' : ` on ${ex.target}`;
    throw new ZoneError('runtime', `tar -C ${root} -xpf ${archive} failed${where}: ${hostLine(tarFailure(r))}`, { zone });
  }
}

/** Runs `fill` with the zonepath and root made; on failure removes what was made. */
async function withNewRoot(ex: Executor, record: ZoneRecord, fill: (made: Made) => Promise<void>): Promise<void> {
  const made: Made = {};
  try {
    await makeZonepath(ex, record, await listDatasets(ex), made);
    await fill(made);
  } catch (e) {
    await undoMade(ex, record, made);
    throw e;
  }
}

async function installRelease(ex: Executor, host: HostOs, record: ZoneRecord, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
  const zone = record.name;
  const release = releaseToFetch(req, host, zone);
  const machineArch = (await mustRun(ex, ['uname', '-p'], { zone })).stdout.trim();
  const dir = `${RELEASES_URL}/${host.machine}/${machineArch}/${release}`;
  progress(`fetching ${dir}/MANIFEST`);
  const manifest = await fetchText(ex, `${dir}/MANIFEST`, zone, `is ${release} a release for ${host.machine}/${machineArch}?`);
  const expected = manifestSha256(manifest, 'base.txz');
  if (expected === undefined) throw failed(zone, `${dir}/MANIFEST`, 'it lists no base.txz with a sha256');
  const url = `${dir}/base.txz`;
  await withNewRoot(ex, record, async (made) => {
    const archive = `${record.zonepath}/base.txz`;
    progress(`fetching ${url}`);
    await fetchFile(ex, url, archive, zone, made, progress);
    const actual = (await mustRun(ex, ['sha256', '-q', archive], { zone })).stdout.trim();
    if (actual !== expected)
      throw failed(zone, `base.txz from ${url}`, `sha256 ${actual} does not match the MANIFEST's ${expected}`, 'a damaged or tampered download; it was removed, try again');
    progress(`unpacking base.txz into ${zoneRoot(record.zonepath)}`);
    await unpack(ex, archive, zoneRoot(record.zonepath), zone, progress);
    await mustRun(ex, ['rm', '-f', archive], { zone });
    delete made.download;
  });
  return { method: 'source', source: url, arch: nodeArch(machineArch), installedAt: new Date().toISOString() };
}

async function installSource(ex: Executor, host: HostOs, record: ZoneRecord, source: string, progress: ProgressSink): Promise<InstalledUserland> {
  const zone = record.name;
  const isUrl = URL_SOURCE.test(source);
  if (!isUrl && (!source.startsWith('/') || /[\0\n]/.test(source))) {
    throw new ZoneError('usage', `install source "${printable(source)}": expected an http(s) or ftp URL, or an absolute path on ${ex.target}`, { zone });
  }
  await withNewRoot(ex, record, async (made) => {
    let archive = source;
    if (isUrl) {
      archive = `${record.zonepath}/source.download`;
      progress(`fetching ${source}`);
      await fetchFile(ex, source, archive, zone, made, progress);
    }
    progress(`unpacking ${source} into ${zoneRoot(record.zonepath)}`);
    await unpack(ex, archive, zoneRoot(record.zonepath), zone, progress);
    if (isUrl) {
      await mustRun(ex, ['rm', '-f', archive], { zone });
      delete made.download;
    }
  });
  return { method: 'source', source, arch: nodeArch(host.machine === 'arm64' ? 'aarch64' : host.machine), installedAt: new Date().toISOString() };
}

export async function installJail(ex: Executor, host: HostOs, record: ZoneRecord, kind: JailKind, req: InstallRequest, progress: ProgressSink): Promise<InstalledUserland> {
  assertStandardRoot(record, 'install');
  if (req.source !== undefined) return installSource(ex, host, record, req.source, progress);
  if (kind === 'linux') {
    throw new ZoneError('usage', `zone "${record.name}" is a Linux jail: install it from a Linux userland archive`, {
      zone: record.name,
      hint: `zonectl install ${record.name} --source URL-or-host-path (a rootfs tarball, e.g. a distribution's minirootfs)`,
    });
  }
  return installRelease(ex, host, record, req, progress);
}
