// Zip entries into the confined writer. unzipper reads the central directory (random
// access: reliable sizes and attributes, zip64 included) and inflates each entry's data;
// the Unix metadata Info-ZIP keeps in extra fields (times, owners) is read here, and so
// are the checks unzipper leaves out: methods it cannot read, encryption, sizes, CRCs.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { zlib } from '../../core/builtins.js';
import type { CentralDirectory, File as ZipFile } from 'unzipper';
import { ZoneError } from '../../core/errors.js';
import { cjsNamed } from '../../core/interop.js';
import { printable } from '../../core/zone.js';
import type { Entry } from '../writer.js';
import type { EntrySink } from './tar.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIR = 0x06054b50;
const EOCD_SIZE = 22;
/** The end record, a maximal comment after it, and the zip64 locator before it. */
const MAX_TAIL = EOCD_SIZE + 0xffff + 20;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Hosts ("version made by", high byte) whose external attributes carry a Unix mode. */
const UNIX_HOSTS = new Set([3 /* Unix */, 19 /* OS X */]);

const METHODS: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'zstd',
  95: 'xz',
  98: 'PPMd',
  99: 'AES encryption',
};

/** A symlink's target is read whole; longer than PATH_MAX is no target. */
const MAX_LINK_TARGET = 4095;

export function isZip(head: Buffer): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  return (head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06);
}

// Node >= 20.15 has zlib.crc32; before that, a table.
let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array, value: number): number {
  const z = zlib();
  if (typeof z.crc32 === 'function') return z.crc32(data, value);
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = (crcTable[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** A DOS date and time, which zip writers record in local time, 2-second steps. */
function dosTime(date: number, time: number): Date {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  if (day === 0 || month === 0 || month > 12) return new Date(1980, 0, 1);
  return new Date((date >> 9) + 1980, month - 1, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
}

interface ExtraMeta {
  mtime?: Date;
  uid?: number;
  gid?: number;
}

/** An unsigned little-endian id of 1 to 8 bytes (Info-ZIP's "ux" lets the writer choose). */
function readId(b: Buffer, at: number, size: number): number | undefined {
  if (size < 1 || size > 8 || at + size > b.length) return undefined;
  if (size <= 6) return b.readUIntLE(at, size);
  const v = size === 8 ? b.readBigUInt64LE(at) : BigInt(b.readUIntLE(at, 6)) | (BigInt(b.readUInt8(at + 6)) << 48n);
  return v <= 0xffffffffn ? Number(v) : undefined;
}

/** The Unix metadata in an extra field: 0x5455 (extended timestamp), 0x7875 ("ux",
 * owners of any size) and, failing that, 0x7855 ("Ux", 16-bit owners). */
function parseExtra(extra: Buffer): ExtraMeta {
  const out: ExtraMeta = {};
  let old: { uid: number; gid: number } | undefined;
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    const data = extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
    if (data.length < size) break;
    if (id === 0x5455) {
      if (data.length >= 5 && ((data[0] as number) & 1) !== 0) out.mtime = new Date(data.readInt32LE(1) * 1000);
    } else if (id === 0x7875) {
      if (data[0] !== 1 || data.length < 2) continue;
      const uidSize = data[1] as number;
      const uid = readId(data, 2, uidSize);
      const gidSize = data[2 + uidSize];
      const gid = gidSize === undefined ? undefined : readId(data, 3 + uidSize, gidSize);
      if (uid !== undefined && gid !== undefined) {
        out.uid = uid;
        out.gid = gid;
      }
    } else if (id === 0x7855 && data.length >= 4) {
      old = { uid: data.readUInt16LE(0), gid: data.readUInt16LE(2) };
    }
  }
  if (out.uid === undefined && old !== undefined) {
    out.uid = old.uid;
    out.gid = old.gid;
  }
  return out;
}

interface Planned {
  file: ZipFile;
  name: string;
  type: 'directory' | 'file' | 'symlink';
  mode: number;
}

type ZipSource = {
  size: () => Promise<number>;
  stream: (offset: number, length?: number) => Readable;
};
type Fail = (why: string, entry?: string) => never;
type OpenCustom = (source: ZipSource, options: { tailSize: number }) => Promise<CentralDirectory>;

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg === 'FILE_ENDED') return 'data ends before the archive says it does (truncated or corrupt)';
  return msg.replace(/\s*\n\s*/g, '; ');
}

/** Bytes `start` to `end` (exclusive) of the file, by positional reads: fs read streams
 * close their descriptor when destroyed, and this one is shared. */
function rangeStream(fh: FileHandle, start: number, end: number): Readable {
  let pos = start;
  return new Readable({
    highWaterMark: 1 << 18,
    read(want) {
      const len = Math.min(want, end - pos);
      if (len <= 0) {
        this.push(null);
        return;
      }
      fh.read(Buffer.allocUnsafe(len), 0, len, pos).then(
        ({ bytesRead, buffer }) => {
          pos += bytesRead;
          this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
        },
        (e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    },
  });
}

/** Where the end-of-central-directory record starts: the last one whose comment runs
 * exactly to the end of the file, else the last one that fits (bytes appended). */
async function findEnd(fh: FileHandle, size: number): Promise<number | undefined> {
  const len = Math.min(size, MAX_TAIL);
  const tail = Buffer.alloc(len);
  const { bytesRead } = await fh.read(tail, 0, len, size - len);
  let loose: number | undefined;
  for (let i = bytesRead - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_OF_CENTRAL_DIR) continue;
    const end = i + EOCD_SIZE + tail.readUInt16LE(i + 20);
    if (end === bytesRead) return size - len + i;
    if (end < bytesRead && loose === undefined) loose = size - len + i;
  }
  return loose;
}

export async function extractZip(path: string, sink: EntrySink, source: string, zone: string): Promise<void> {
  const unzipper = cjsNamed(await import('unzipper'), 'Open');
  const fail: Fail = (why, entry) => {
    throw new ZoneError('install-failed', entry === undefined ? `${source}: ${why}` : `${source}: entry "${printable(entry)}": ${why}`, { zone });
  };
  /** Any error as this archive's ZoneError, on one line. */
  const wrap = (e: unknown, entry?: string): ZoneError => {
    if (e instanceof ZoneError) return e;
    const why = oneLine(e);
    return new ZoneError('install-failed', entry === undefined ? `${source}: not a readable zip archive: ${why}` : `${source}: entry "${printable(entry)}": ${why}`, {
      zone,
    });
  };

  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw wrap(e);
  }
  // Every read comes from this one handle (one file, however it is renamed meanwhile);
  // what unzipper leaves half-read is closed at the end.
  const streams = new Set<Readable>();
  try {
    const size = (await fh.stat()).size;
    const end = await findEnd(fh, size);
    if (end === undefined) fail('not a zip archive, or a truncated one (no end of central directory record)');
    const zipSource: ZipSource = {
      size: () => Promise.resolve(size),
      stream: (offset, length) => {
        const s = rangeStream(fh, offset, length === undefined ? size : Math.min(size, offset + length));
        streams.add(s);
        s.once('close', () => streams.delete(s));
        return s;
      },
    };
    const openCustom = unzipper.Open.custom as OpenCustom;
    // unzipper looks for the end record in a tail of the file: make it start at the one
    // found above (its own 80-byte tail misses records followed by a comment).
    const dir = await openCustom(zipSource, { tailSize: size - end }).catch((e: unknown) => {
      throw wrap(e);
    });

    // Everything is checked before anything is written.
    const planned = dir.files.map((f) => plan(f, fail));
    for (const p of planned) {
      const f = p.file;
      try {
        const entry = await toEntry(fh, p, fail);
        if (entry.type === 'directory') {
          await sink(entry, undefined);
        } else if (entry.type === 'symlink') {
          const chunks: Uint8Array[] = [];
          for await (const c of verified(f, p.name, fail, wrap, streams)) chunks.push(c);
          await sink({ ...entry, target: Buffer.concat(chunks).toString('utf8') }, undefined);
        } else {
          const content = verified(f, p.name, fail, wrap, streams);
          try {
            await sink(entry, content);
          } finally {
            // A sink that stops early leaves the rest unread: close it.
            void content.return(undefined).catch(() => undefined);
          }
        }
      } catch (e) {
        throw wrap(e, p.name);
      }
    }
  } catch (e) {
    throw wrap(e);
  } finally {
    for (const s of streams) s.destroy();
    await fh.close();
  }
}

/** An entry's type and mode from the central directory, or the reason it is refused. */
function plan(f: ZipFile, fail: Fail): Planned {
  if (f.signature !== CENTRAL_HEADER) fail('corrupt central directory');
  const unix = UNIX_HOSTS.has(f.versionMadeBy >> 8);
  // Zip names use "/"; DOS and Windows tools have been known to write "\".
  const name = unix ? f.path : f.path.replace(/\\/g, '/');
  const attrs = unix ? f.externalFileAttributes >>> 16 : 0;
  let type: Planned['type'];
  let mode: number;
  if (attrs === 0) {
    type = name.endsWith('/') ? 'directory' : 'file';
    mode = type === 'directory' ? 0o755 : 0o644;
  } else {
    mode = attrs & 0o7777;
    const fmt = attrs & S_IFMT;
    if (fmt === S_IFDIR || (name.endsWith('/') && fmt !== S_IFLNK)) type = 'directory';
    else if (fmt === S_IFLNK) type = 'symlink';
    // Zip holds no devices; Info-ZIP records what it read from a FIFO (zip's stdin,
    // or with -FI) with the FIFO's mode: as unzip does, that is a file.
    else type = 'file';
  }
  if (type !== 'directory') {
    if ((f.flags & 0x41) !== 0) fail('encrypted entries are not supported', name);
    if (f.compressionMethod !== 0 && f.compressionMethod !== 8) {
      const what = METHODS[f.compressionMethod];
      fail(`unsupported compression method ${f.compressionMethod}${what === undefined ? '' : ` (${what})`}`, name);
    }
    if (type === 'symlink' && f.uncompressedSize > MAX_LINK_TARGET) fail('symlink target longer than 4095 bytes', name);
    if (f.compressedSize === 0 && f.uncompressedSize !== 0) fail('no data for a non-empty entry', name);
  }
  return { file: f, name, type, mode };
}

/** The entry, with the times and owners from its local header's extra field. */
async function toEntry(fh: FileHandle, p: Planned, fail: Fail): Promise<Entry> {
  const f = p.file;
  // Usually one read: the local header repeats the central one's name and (mostly) extra.
  let want = 30 + f.fileNameLength + f.extraFieldLength + 64;
  let head = Buffer.alloc(want);
  let got = (await fh.read(head, 0, want, f.offsetToLocalFileHeader)).bytesRead;
  if (got < 30 || head.readUInt32LE(0) !== LOCAL_HEADER) fail('corrupt archive (no local header where the central directory says)', p.name);
  const nameLen = head.readUInt16LE(26);
  const extraLen = head.readUInt16LE(28);
  if (30 + nameLen + extraLen > got) {
    want = 30 + nameLen + extraLen;
    head = Buffer.alloc(want);
    got = (await fh.read(head, 0, want, f.offsetToLocalFileHeader)).bytesRead;
    if (got < want) fail('the archive ends early (truncated?)', p.name);
  }
  const meta = parseExtra(head.subarray(30 + nameLen, 30 + nameLen + extraLen));
  const base = {
    path: p.name,
    mode: p.mode,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    mtime: meta.mtime ?? dosTime(f.lastModifiedDate, f.lastModifiedTime),
  };
  switch (p.type) {
    case 'directory':
      return { ...base, type: 'directory' };
    case 'symlink':
      return { ...base, type: 'symlink', target: '' };
    case 'file':
      return { ...base, type: 'file', size: f.uncompressedSize };
  }
}

/** An entry's bytes, opened when first read, checked against its size and CRC-32; more
 * bytes than the size stop at once (the writer's limits count the recorded size). */
async function* verified(f: ZipFile, name: string, fail: Fail, wrap: (e: unknown, entry: string) => ZoneError, streams: Set<Readable>): AsyncGenerator<Uint8Array, void, undefined> {
  const size = f.uncompressedSize;
  if (f.compressedSize === 0) {
    if (f.crc32 !== 0) fail('CRC-32 mismatch (corrupt data)', name);
    return;
  }
  const stream = f.stream();
  streams.add(stream);
  let n = 0;
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > size) fail(`more data than the ${size} bytes recorded (corrupt archive)`, name);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (e) {
    throw wrap(e, name);
  } finally {
    stream.destroy();
    streams.delete(stream);
  }
  if (n !== size) fail(`${n} bytes of data, ${size} recorded (corrupt archive)`, name);
  if (crc >>> 0 !== f.crc32 >>> 0) fail('CRC-32 mismatch (corrupt data)', name);
}
