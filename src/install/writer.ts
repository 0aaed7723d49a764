// The one confined writer: every file an archive or image puts in a zone goes through
// here, and nothing it does can reach outside the zone root. Entry paths are relative
// (no absolute paths, no ".."); symlinks already in the root (planted by the archive
// itself or not) are followed only as the zone would see them, clamped to the root;
// the final component is never followed; hard links must point at files inside.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join, relative } from 'node:path';
import { ZoneError } from '../core/errors.js';
import { printable } from '../core/zone.js';
import { runCapture } from '../transport/local.js';
import { resolveInRoot } from './root-path.js';
import { XattrSetter, type Xattrs } from './xattrs.js';

/** Linux's O_PATH: a descriptor naming an inode without opening it for I/O (a fifo
 * or device is not opened), enough for setxattr through /proc/self/fd. */
const O_PATH = 0o10000000;

interface Meta {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** Extended attributes the archive carries for this entry. */
  xattrs?: Xattrs;
  /** Names of attributes the archive carries but that could not be read exactly. */
  unreadableXattrs?: string[];
}

export type Entry =
  | (Meta & { type: 'directory' })
  | (Meta & { type: 'file'; size: number })
  | (Meta & { type: 'symlink'; target: string })
  | (Meta & { type: 'hardlink'; target: string })
  | (Meta & { type: 'char-device' | 'block-device'; major: number; minor: number })
  | (Meta & { type: 'fifo' });

export interface Limits {
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_LIMITS: Limits = { maxBytes: 64 * 2 ** 30, maxEntries: 4_000_000 };

export interface WriterOptions {
  zone: string;
  limits: Limits;
  /** Keep owners and make device nodes: only when zonectl runs as root. */
  asRoot: boolean;
  /** Names the archive in messages. */
  source: string;
}

export interface WriteTotals {
  entries: number;
  bytes: number;
  skippedDevices: number;
  xattrsSet: number;
  /** Attributes not set, as "path (names): why" (reported, as GNU tar does). */
  xattrFailures: string[];
}

function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

export class ConfinedWriter {
  private entries = 0;
  private bytes = 0;
  private skippedDevices = 0;
  /** Directory times are set last: writing their children would change them again. */
  private readonly dirTimes: Array<{ path: string; mtime: Date }> = [];
  /** Directories already found or made, by their path in the archive. */
  private readonly dirs = new Map<string, string>();
  private xattrs: XattrSetter | undefined;

  constructor(
    readonly root: string,
    private readonly opts: WriterOptions,
  ) {}

  private fail(entry: string, why: string): never {
    throw new ZoneError('install-failed', `${this.opts.source}: entry "${printable(entry)}": ${why}`, {
      zone: this.opts.zone,
      hint: 'the zone is left incomplete; nothing was written outside its root (zonectl uninstall -F cleans it up)',
    });
  }

  /** A path as parts below the root; refuses absolute paths and "..". `what` says
   * which path of `entry` it is, for the message. */
  private parts(entry: string, path: string, what = 'path'): string[] {
    if (path.startsWith('/')) this.fail(entry, `absolute ${what}`);
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) this.fail(entry, `${what} contains ".."`);
    if (parts.some((p) => p.includes('\0'))) this.fail(entry, `${what} contains a NUL byte`);
    return parts;
  }

  /** The directory that will hold an entry, made as needed; symlinks on the way are
   * followed as the zone would follow them, never out of the root. Directories found
   * are remembered until something is removed. */
  private async parentDir(entry: string, parts: string[]): Promise<string> {
    const key = parts.join('/');
    const known = this.dirs.get(key);
    if (known !== undefined) return known;
    let cur = this.root;
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join('/');
      const cached = this.dirs.get(prefix);
      if (cached !== undefined) {
        cur = cached;
        continue;
      }
      const next = join(cur, parts[i] as string);
      const st = lstatOrUndefined(next);
      if (st === undefined) {
        mkdirSync(next, { mode: 0o755 });
        cur = next;
      } else if (st.isDirectory()) {
        cur = next;
      } else if (st.isSymbolicLink()) {
        const resolved = await resolveInRoot(this.root, relative(this.root, next));
        if (resolved === undefined || lstatOrUndefined(resolved)?.isDirectory() !== true) {
          this.fail(entry, `${relative(this.root, next)} is a symlink to no directory`);
        }
        cur = resolved;
      } else {
        this.fail(entry, `${relative(this.root, next)} is not a directory`);
      }
      this.dirs.set(prefix, cur);
    }
    return cur;
  }

  private count(entry: string, size: number): void {
    this.entries++;
    this.bytes += size;
    if (this.entries > this.opts.limits.maxEntries) {
      this.fail(entry, `more than ${this.opts.limits.maxEntries} entries (raise with --max-entries)`);
    }
    if (this.bytes > this.opts.limits.maxBytes) {
      this.fail(entry, `more than ${this.opts.limits.maxBytes} bytes unpacked (raise with --max-size)`);
    }
  }

  /** Removes what stands where a non-directory goes (never following it). */
  private clear(dest: string, keepDir: boolean): void {
    const st = lstatOrUndefined(dest);
    if (st === undefined || (keepDir && st.isDirectory())) return;
    if (st.isDirectory()) this.removeTree(dest);
    else {
      unlinkSync(dest);
      // It may have been a symlink the cache resolved a directory through.
      if (st.isSymbolicLink()) this.dirs.clear();
    }
  }

  private removeTree(path: string): void {
    rmSync(path, { recursive: true, force: true });
    // Cached directories may have been under it (or reached through it).
    this.dirs.clear();
  }

  private setMeta(dest: string, e: Entry): void {
    if (this.opts.asRoot) lchownSync(dest, e.uid, e.gid);
    // chmod after chown: chown clears set-id bits.
    if (e.type !== 'symlink') chmodSync(dest, e.mode & 0o7777);
    if (e.type === 'directory') this.dirTimes.push({ path: dest, mtime: e.mtime });
    else lutimesSync(dest, e.mtime, e.mtime);
  }

  /** A regular file: created exclusively, never through a symlink, metadata set on
   * the open descriptor. */
  private async writeFile(dest: string, e: Meta, content: AsyncIterable<Uint8Array> | undefined): Promise<void> {
    const fd = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      if (content !== undefined) for await (const chunk of content) writeAll(fd, chunk);
      if (this.opts.asRoot) fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, e.mode & 0o7777);
      futimesSync(fd, e.mtime, e.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes one entry; a file's bytes come from `content`, which the caller drains
   * itself for every other kind of entry. (Synchronous system calls: a rootfs is
   * tens of thousands of small files, and a thread-pool round trip for each of
   * their six calls cost more than the calls.) */
  async write(e: Entry, content?: AsyncIterable<Uint8Array>): Promise<void> {
    const parts = this.parts(e.path, e.path);
    this.count(e.path, e.type === 'file' ? e.size : 0);
    if (parts.length === 0) {
      // "./" itself: the root's own mode and owner, nothing else.
      if (e.type === 'directory') this.setMeta(this.root, e);
      return;
    }
    const dir = await this.parentDir(e.path, parts.slice(0, -1));
    const dest = join(dir, parts[parts.length - 1] as string);
    switch (e.type) {
      case 'directory':
        this.clear(dest, true);
        if (lstatOrUndefined(dest) === undefined) mkdirSync(dest, { mode: 0o700 });
        break;
      case 'file':
        this.clear(dest, false);
        await this.writeFile(dest, e, content);
        await this.applyXattrs(dest, e);
        return;
      case 'symlink':
        if (e.target === '') this.fail(e.path, 'symlink with an empty target');
        this.clear(dest, false);
        symlinkSync(e.target, dest);
        break;
      case 'hardlink': {
        const tparts = this.parts(e.path, e.target, 'link target');
        if (tparts.length === 0) this.fail(e.path, 'hard link to the root');
        const tdir = await this.parentDir(e.path, tparts.slice(0, -1));
        const target = join(tdir, tparts[tparts.length - 1] as string);
        const st = lstatOrUndefined(target);
        if (st === undefined) this.fail(e.path, `hard link to "${printable(e.target)}", which the archive has not made`);
        if (st.isDirectory()) this.fail(e.path, 'hard link to a directory');
        if (target === dest) return;
        this.clear(dest, false);
        linkSync(target, dest);
        return; // a hard link shares its target's metadata
      }
      case 'char-device':
      case 'block-device':
      case 'fifo': {
        if (e.type !== 'fifo' && !this.opts.asRoot) {
          this.skippedDevices++;
          return;
        }
        this.clear(dest, false);
        const kind = e.type === 'fifo' ? ['p'] : [e.type === 'char-device' ? 'c' : 'b', String(e.major), String(e.minor)];
        // Node has no mknod(2); coreutils' mknod makes the node.
        const r = await runCapture(['mknod', '-m', (e.mode & 0o7777).toString(8), dest, ...kind]);
        if (r.code !== 0) this.fail(e.path, `mknod failed: ${r.stderr.trim()}`);
        break;
      }
    }
    this.setMeta(dest, e);
    if (e.type !== 'symlink') await this.applyXattrs(dest, e);
  }

  /** Queues the entry's attributes on a descriptor of the inode just made at `dest`
   * (O_NOFOLLOW: the final component is what this entry made, never a link). */
  private async applyXattrs(dest: string, e: Meta): Promise<void> {
    const unreadable = e.unreadableXattrs ?? [];
    if ((e.xattrs === undefined || e.xattrs.size === 0) && unreadable.length === 0) return;
    this.xattrs ??= new XattrSetter(this.opts.zone, this.opts.source);
    for (const name of unreadable) this.xattrs.failures.push(`${printable(e.path)} (${name}): value is not valid UTF-8 in the pax header`);
    if (e.xattrs !== undefined && e.xattrs.size > 0) {
      await this.xattrs.add(openSync(dest, O_PATH | constants.O_NOFOLLOW), printable(e.path), e.xattrs);
    }
  }

  /** Deletes what stands at `path` (an OCI whiteout), never following a symlink in its
   * last component; a path that does not exist is fine. */
  async remove(path: string): Promise<void> {
    const parts = this.parts(path, path);
    if (parts.length === 0) this.fail(path, 'whiteout of the root');
    const dir = await this.existingDir(parts.slice(0, -1));
    if (dir !== undefined) this.removeTree(join(dir, parts[parts.length - 1] as string));
  }

  /** Empties a directory but for the names in `keep` (an OCI opaque whiteout). */
  async clearDir(path: string, keep: Set<string>): Promise<void> {
    const dir = await this.existingDir(this.parts(path, path));
    if (dir === undefined) return;
    for (const name of readdirSync(dir)) if (!keep.has(name)) this.removeTree(join(dir, name));
  }

  /** The directory at `parts` as the zone sees it, if there is one; creates nothing. */
  private async existingDir(parts: string[]): Promise<string | undefined> {
    const resolved = await resolveInRoot(this.root, parts.join('/'));
    if (resolved === undefined) return undefined;
    return lstatOrUndefined(resolved)?.isDirectory() === true ? resolved : undefined;
  }

  /** Sets the directories' times, last, and reports what was written. */
  async finish(): Promise<WriteTotals> {
    await this.xattrs?.flush();
    for (const d of this.dirTimes.reverse()) lutimesSync(d.path, d.mtime, d.mtime);
    return {
      entries: this.entries,
      bytes: this.bytes,
      skippedDevices: this.skippedDevices,
      xattrsSet: this.xattrs?.set ?? 0,
      xattrFailures: this.xattrs?.failures ?? [],
    };
  }
}
