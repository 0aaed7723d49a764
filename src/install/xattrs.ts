// Extended attributes from archives (pax SCHILY.xattr.* records, as GNU tar and
// bsdtar write them), set on what the confined writer made. Node has no setxattr(2):
// the attr package's setfattr sets them, in batches, through descriptors the writer
// opened on the very inode it wrote (/proc/self/fd/N in the child), so a path that a
// later entry turns into a symlink can never redirect an attribute out of the root.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { ZoneError } from '../core/errors.js';
import type { Emit } from './methods.js';

export type Xattrs = ReadonlyMap<string, Buffer>;

const PAX_PREFIX = 'SCHILY.xattr.';
/** Descriptors held open before a batch is flushed. */
const BATCH = 128;

/** The xattrs of a pax header. tar-stream decodes pax values as UTF-8, which is exact
 * for text values (user.*, security.selinux) and for the usual file capabilities; a
 * value that was not valid UTF-8 came through with U+FFFD and is reported, not set. */
export function paxXattrs(pax: Record<string, string> | null | undefined): { xattrs: Map<string, Buffer>; lossy: string[] } {
  const xattrs = new Map<string, Buffer>();
  const lossy: string[] = [];
  if (pax === undefined || pax === null) return { xattrs, lossy };
  for (const [key, value] of Object.entries(pax)) {
    if (!key.startsWith(PAX_PREFIX)) continue;
    const name = key.slice(PAX_PREFIX.length);
    if (value.includes('\uFFFD')) lossy.push(name);
    else xattrs.set(name, Buffer.from(value, 'utf8'));
  }
  return { xattrs, lossy };
}

/** setfattr --restore's input: one "# file:" block per descriptor, values in base64. */
export function restoreScript(batch: ReadonlyArray<{ xattrs: Xattrs }>): string {
  const lines: string[] = [];
  batch.forEach((item, i) => {
    lines.push(`# file: /proc/self/fd/${i + 3}`);
    for (const [name, value] of item.xattrs) lines.push(`${name}=0s${value.toString('base64')}`);
    lines.push('');
  });
  return lines.join('\n');
}

interface Pending {
  fd: number;
  path: string;
  xattrs: Xattrs;
}

export class XattrSetter {
  private pending: Pending[] = [];
  /** Attributes that could not be set, as "path (names): why" (reported, as GNU tar does). */
  readonly failures: string[] = [];
  set = 0;

  constructor(
    private readonly zone: string,
    private readonly source: string,
  ) {}

  /** Takes ownership of `fd`, open on the entry just written. */
  async add(fd: number, path: string, xattrs: Xattrs): Promise<void> {
    this.pending.push({ fd, path, xattrs });
    if (this.pending.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const stderr = await runSetfattr(
        batch.map((p) => p.fd),
        restoreScript(batch),
        this.zone,
        this.source,
      );
      this.recordFailures(batch, stderr);
    } finally {
      for (const p of batch) closeSync(p.fd);
    }
  }

  /** setfattr names the descriptor path and the attribute of each failure. */
  private recordFailures(batch: Pending[], stderr: string): void {
    let failed = 0;
    for (const line of stderr.split('\n')) {
      const m = /\/proc\/self\/fd\/(\d+): (.*)$/.exec(line.trim());
      if (m === null) continue;
      const item = batch[Number(m[1]) - 3];
      const names = item === undefined ? '?' : [...item.xattrs.keys()].join(', ');
      this.failures.push(`${item?.path ?? '?'} (${names}): ${m[2]}`);
      failed++;
    }
    this.set += batch.reduce((n, p) => n + p.xattrs.size, 0) - failed;
  }
}

function runSetfattr(fds: number[], script: string, zone: string, source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('setfattr', ['--restore=-'], { stdio: ['pipe', 'ignore', 'pipe', ...fds] });
    const err: Buffer[] = [];
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ZoneError('install-failed', `${source}: the archive carries extended attributes and setfattr could not run: ${e.code ?? e.message}`, {
          zone,
          hint: 'install the attr package (apt-get install attr), or run zonectl doctor',
        }),
      ),
    );
    child.on('close', () => resolve(Buffer.concat(err).toString('utf8')));
    child.stdin?.on('error', () => undefined); // a missing program is reported by 'error' above
    child.stdin?.end(script);
  });
}

/** Attributes that could not be set: named, a few at a time, as GNU tar does. */
export function reportXattrFailures(failures: string[], o: { zone: string; emit: Emit }): void {
  const shown = failures.slice(0, 5);
  for (const f of shown) o.emit({ type: 'warning', zone: o.zone, message: `extended attribute not set: ${f}` });
  if (failures.length > shown.length) {
    o.emit({ type: 'warning', zone: o.zone, message: `${failures.length - shown.length} more extended attributes not set` });
  }
}
