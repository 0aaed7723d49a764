// cpio archives into the confined writer, as a stream: the SVR4 ASCII formats "newc"
// (070701, what illumos `cpio -c` and GNU `-H newc` write) and "crc" (070702, the
// same with a checksum of each file's data), and POSIX "odc" (070707, octal fields).
// The old binary format (cpio -o with neither -c nor -H) is refused by name.
import type { Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import type { Entry } from '../writer.js';
import type { EntrySink } from './tar.js';

export type CpioFormat = 'newc' | 'crc' | 'odc';

const MAGIC: Record<string, CpioFormat> = { '070701': 'newc', '070702': 'crc', '070707': 'odc' };
const TRAILER = 'TRAILER!!!';
/** Longer names or symlink targets than these mean a damaged header, not a real path. */
const MAX_NAME = 65536;
const MAX_TARGET = 4096;

/** The format of a cpio archive from its first bytes (its first header's magic). */
export function cpioFormat(head: Buffer): CpioFormat | undefined {
  return head.length >= 6 ? MAGIC[head.toString('latin1', 0, 6)] : undefined;
}

/** The input ended before a read could be satisfied. */
export class EndOfInput extends Error {
  constructor() {
    super('unexpected end of input');
  }
}

/** A pull-based reader over a byte stream: exact reads for headers, bounded chunks for
 * file data (handed on without copying), lines for text headers such as a flash
 * archive's. `position` counts the bytes consumed, for format alignment. */
export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<unknown>;
  private ended = false;
  position = 0;

  constructor(input: AsyncIterable<unknown>) {
    this.it = input[Symbol.asyncIterator]();
  }

  /** Appends the next chunk of input to the buffer; false at the end of the input. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done === true) {
      this.ended = true;
      return false;
    }
    const v: unknown = r.value;
    const chunk = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v) : Buffer.from(v as Uint8Array);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.position += n;
    return out;
  }

  /** Exactly `n` bytes (meant for small reads: the buffer grows to hold them). */
  async readExact(n: number): Promise<Buffer> {
    while (this.buf.length < n) if (!(await this.fill())) throw new EndOfInput();
    return this.take(n);
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the input. */
  async chunk(max: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0 && !(await this.fill())) return undefined;
    return this.take(Math.min(max, this.buf.length));
  }

  async skip(n: number): Promise<void> {
    for (let left = n; left > 0; ) {
      const c = await this.chunk(left);
      if (c === undefined) throw new EndOfInput();
      left -= c.length;
    }
  }

  /** The next line without its "\n" (a last line may lack it), or undefined at the end.
   * Only `max` characters are kept: `long` says the rest of the line was dropped, so
   * lines of any length can be skipped without holding them. */
  async readLine(max: number): Promise<{ text: string; long: boolean } | undefined> {
    const kept: Buffer[] = [];
    let keptLen = 0;
    let long = false;
    for (;;) {
      if (this.buf.length === 0 && !(await this.fill())) {
        return keptLen === 0 && !long ? undefined : { text: Buffer.concat(kept).toString('utf8'), long };
      }
      const nl = this.buf.indexOf(0x0a);
      const part = this.take(nl === -1 ? this.buf.length : nl + 1);
      const body = nl === -1 ? part : part.subarray(0, part.length - 1);
      const room = max - keptLen;
      if (body.length > room) long = true;
      if (room > 0) {
        kept.push(body.subarray(0, room));
        keptLen += Math.min(room, body.length);
      }
      if (nl !== -1) return { text: Buffer.concat(kept).toString('utf8'), long };
    }
  }

  /** Everything not read yet, as a stream of chunks (e.g. a payload after a text header). */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.buf.length > 0) yield this.take(this.buf.length);
    while (await this.fill()) yield this.take(this.buf.length);
  }

  /** Reads and drops the rest of the input. */
  async drain(): Promise<void> {
    while ((await this.chunk(Number.MAX_SAFE_INTEGER)) !== undefined);
  }
}

/** One file's data as the sink reads it: exactly `size` bytes, summed for crc archives.
 * `finish` skips what the sink left unread, so the reader stays on the next header. */
class EntryData implements AsyncIterable<Uint8Array> {
  private left: number;
  sum = 0;

  constructor(
    private readonly reader: ByteReader,
    size: number,
  ) {
    this.left = size;
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.left === 0) return undefined;
    const c = await this.reader.chunk(this.left);
    if (c === undefined) throw new EndOfInput();
    this.left -= c.length;
    let s = 0;
    for (let i = 0; i < c.length; i++) s += c[i] as number;
    this.sum = (this.sum + s) % 2 ** 32;
    return c;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let c = await this.next(); c !== undefined; c = await this.next()) yield c;
  }

  async finish(): Promise<void> {
    while ((await this.next()) !== undefined);
  }
}

interface Header {
  format: CpioFormat;
  /** Device and inode: what hard links share. */
  key: string;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  check: number;
  name: string;
}

/** Reads `n` fields of `width` digits in `radix`; undefined if any is not a number. */
function fields(b: Buffer, at: number, n: number, width: number, radix: 8 | 16): number[] | undefined {
  const digits = radix === 16 ? /^[0-9A-Fa-f]+$/ : /^[0-7]+$/;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = b.toString('latin1', at + i * width, at + (i + 1) * width);
    if (!digits.test(s)) return undefined;
    out.push(parseInt(s, radix));
  }
  return out;
}

/** The numeric part of a header after its magic (newc/crc: 13 hex fields of 8, odc:
 * 10 octal fields of 6 or 11), without the name. */
async function readFields(r: ByteReader, format: CpioFormat): Promise<(Omit<Header, 'name'> & { nameSize: number }) | undefined> {
  if (format === 'odc') {
    const b = await r.readExact(70);
    const f = fields(b, 0, 7, 6, 8);
    const mtime = fields(b, 42, 1, 11, 8);
    const nameSize = fields(b, 53, 1, 6, 8);
    const size = fields(b, 59, 1, 11, 8);
    if (f === undefined || mtime === undefined || nameSize === undefined || size === undefined) return undefined;
    const [dev, ino, mode, uid, gid, nlink, rdev] = f as [number, number, number, number, number, number, number];
    // GNU cpio stores glibc's makedev() cut to the field's 18 bits and reads it back
    // with glibc's major()/minor(); SVR4's odc is the old 8+8 bits, decoded the same.
    const rdevMajor = Math.floor(rdev / 256) & 0xfff;
    const rdevMinor = (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00);
    return { format, key: `${dev}:${ino}`, mode, uid, gid, nlink, mtime: mtime[0] as number, size: size[0] as number, rdevMajor, rdevMinor, check: 0, nameSize: nameSize[0] as number };
  }
  const f = fields(await r.readExact(104), 0, 13, 8, 16);
  if (f === undefined) return undefined;
  const [ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, nameSize, check] = f as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { format, key: `${devMajor}:${devMinor}:${ino}`, mode, uid, gid, nlink, mtime, size, rdevMajor, rdevMinor, check, nameSize };
}

/** newc and crc align each header and each file's data to 4 bytes; odc does not. */
async function align(r: ByteReader, format: CpioFormat): Promise<void> {
  if (format !== 'odc') await r.skip((4 - (r.position % 4)) % 4);
}

type Fail = (why: string, entry?: string) => ZoneError;

/** The next header, name included; `after` (the previous entry) is for messages. */
async function readHeader(r: ByteReader, after: string | undefined, fail: Fail): Promise<Header> {
  const magic = await r.readExact(6);
  const format = cpioFormat(magic);
  if (format === undefined) {
    if (after !== undefined) throw fail(`damaged archive: no cpio header after entry "${printable(after)}"`);
    const binary = (magic[0] === 0xc7 && magic[1] === 0x71) || (magic[0] === 0x71 && magic[1] === 0xc7);
    throw fail(binary ? 'an old binary cpio archive, which zonectl does not read (write it with cpio -c or -H newc)' : 'not a cpio archive (no 070701, 070702 or 070707 header)');
  }
  const h = await readFields(r, format);
  const where = after === undefined ? 'the first header' : `the header after entry "${printable(after)}"`;
  if (h === undefined) throw fail(`damaged archive: ${where} has a field that is not a number`);
  if (h.nameSize === 0 || h.nameSize > MAX_NAME) throw fail(`damaged archive: ${where} has a name size of ${h.nameSize}`);
  const raw = await r.readExact(h.nameSize);
  if (raw[raw.length - 1] !== 0) throw fail(`damaged archive: the name in ${where} is not NUL-terminated`);
  await align(r, format);
  const { nameSize: _n, ...rest } = h;
  return { ...rest, name: raw.subarray(0, raw.length - 1).toString('utf8') };
}

/** The archive's path as an entry path: a leading "./" goes ("." alone stays). Other
 * oddities (absolute paths, "..") are the writer's to refuse. */
function entryPath(name: string): string {
  const p = name.replace(/^(\.\/+)+/, '');
  return p === '' ? '.' : p;
}

const S_IFMT = 0o170000;
const TYPES: Record<number, Entry['type'] | 'skip'> = {
  0o040000: 'directory',
  0o100000: 'file',
  0o120000: 'symlink',
  0o020000: 'char-device',
  0o060000: 'block-device',
  0o010000: 'fifo',
  // Sockets and Solaris doors are bound by a running process: nothing to recreate.
  0o140000: 'skip',
  0o150000: 'skip',
};

/** Regular files with more than one link, until the name that carries their data (in
 * newc and crc, the last one) has been written. */
class HardLinks {
  /** Device:inode → the name written with the data, and its size. */
  private readonly written = new Map<string, { path: string; size: number }>();
  /** Device:inode → names seen before the data came. */
  private readonly pending = new Map<string, Entry[]>();

  /** The entry this link is a second name of, if its data has been written. */
  linkedTo(h: Header): { path: string; size: number } | undefined {
    const w = h.nlink > 1 ? this.written.get(h.key) : undefined;
    // odc repeats the data with every name: a different size is another file that
    // happens to share the (18-bit, so easily reused) inode number.
    return w !== undefined && (h.size === 0 || h.size === w.size) ? w : undefined;
  }

  /** Holds a dataless name back; false if it is not one to hold. */
  defer(h: Header, e: Entry): boolean {
    if (h.nlink <= 1 || h.size > 0) return false;
    const list = this.pending.get(h.key) ?? [];
    list.push(e);
    this.pending.set(h.key, list);
    return true;
  }

  /** Records the name the data came with; returns the names to link to it now. */
  carried(h: Header, path: string): Entry[] {
    if (h.nlink <= 1) return [];
    this.written.set(h.key, { path, size: h.size });
    const held = this.pending.get(h.key) ?? [];
    this.pending.delete(h.key);
    return held;
  }

  /** Links whose data never came (an empty file has none): each group as an empty file
   * under its first name and links to it. */
  leftovers(): Entry[][] {
    const out = [...this.pending.values()];
    this.pending.clear();
    return out;
  }
}

function asHardlink(e: Entry, target: string): Entry {
  return { path: e.path, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, type: 'hardlink', target };
}

/** The entry a header describes, without a symlink's target (read separately). */
function toEntry(h: Header, type: Entry['type']): Entry {
  const meta = { path: entryPath(h.name), mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: new Date(h.mtime * 1000) };
  switch (type) {
    case 'file':
      return { ...meta, type, size: h.size };
    case 'symlink':
    case 'hardlink':
      return { ...meta, type, target: '' };
    case 'char-device':
    case 'block-device':
      return { ...meta, type, major: h.rdevMajor, minor: h.rdevMinor };
    case 'directory':
    case 'fifo':
      return { ...meta, type };
  }
}

interface Ctx {
  reader: ByteReader;
  sink: EntrySink;
  links: HardLinks;
  fail: Fail;
}

/** Writes a regular file's data through the sink, checks a crc archive's sum, and
 * then the names that were waiting to be linked to it. */
async function emitFile(c: Ctx, h: Header, e: Entry): Promise<void> {
  const data = new EntryData(c.reader, h.size);
  await c.sink(e, data);
  await data.finish();
  if (h.format === 'crc' && data.sum !== h.check) {
    throw c.fail(`checksum mismatch (header says ${h.check.toString(16)}, data sums to ${data.sum.toString(16)})`, h.name);
  }
  for (const held of c.links.carried(h, e.path)) await c.sink(asHardlink(held, e.path), undefined);
}

/** One entry (after its header): to the sink, or held back, or skipped. */
async function emitEntry(c: Ctx, h: Header): Promise<void> {
  const type = TYPES[h.mode & S_IFMT];
  if (type === undefined) throw c.fail(`unknown file type ${(h.mode & S_IFMT).toString(8).padStart(6, '0')} in its mode`, h.name);
  if (type === 'skip') return c.reader.skip(h.size);
  const e = toEntry(h, type);
  if (e.type === 'file') {
    const linked = c.links.linkedTo(h);
    if (linked !== undefined) {
      await c.reader.skip(h.size);
      return c.sink(asHardlink(e, linked.path), undefined);
    }
    if (c.links.defer(h, e)) return;
    return emitFile(c, h, e);
  }
  if (e.type === 'symlink') {
    if (h.size > MAX_TARGET) throw c.fail(`symlink target of ${h.size} bytes`, h.name);
    e.target = (await c.reader.readExact(h.size)).toString('utf8');
    return c.sink(e, undefined);
  }
  // Directories, devices and fifos have no data; skip any all the same.
  await c.reader.skip(h.size);
  return c.sink(e, undefined);
}

/** Hard-link groups that never carried data: an empty file and links to it. */
async function emitLeftovers(c: Ctx): Promise<void> {
  for (const [first, ...others] of c.links.leftovers()) {
    if (first === undefined || first.type !== 'file') continue;
    await c.sink(first, new EntryData(c.reader, 0));
    for (const o of others) await c.sink(asHardlink(o, first.path), undefined);
  }
}

/** Reads a cpio archive (newc, crc or odc) from `input` into `sink`, in archive order,
 * up to its TRAILER!!! entry; the rest of the input is read and dropped, so that a
 * decompressor's late error is still seen. */
export async function extractCpio(input: Readable, sink: EntrySink, source: string, zone: string): Promise<void> {
  const fail: Fail = (why, entry) => new ZoneError('install-failed', `${source}: ${entry === undefined ? '' : `entry "${printable(entry)}": `}${why}`, { zone });
  const c: Ctx = { reader: new ByteReader(input), sink, links: new HardLinks(), fail };
  let last: string | undefined;
  let current: string | undefined;
  try {
    for (;;) {
      current = undefined;
      const h = await readHeader(c.reader, last, fail);
      if (h.name === TRAILER) break;
      current = h.name;
      await emitEntry(c, h);
      await align(c.reader, h.format);
      last = h.name;
    }
    current = undefined;
    await emitLeftovers(c);
    await c.reader.drain();
  } catch (e) {
    input.destroy();
    if (e instanceof ZoneError) throw e;
    if (e instanceof EndOfInput) {
      if (current !== undefined) throw fail('the archive ends inside this entry (truncated?)', current);
      if (last !== undefined) throw fail(`the archive ends after entry "${printable(last)}" without its trailer (truncated?)`);
      throw fail(c.reader.position < 6 ? 'not a cpio archive (too short)' : 'the archive ends inside its first header (truncated?)');
    }
    throw fail(e instanceof Error ? e.message : String(e), current);
  }
}
