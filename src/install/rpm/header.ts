// The RPM header structure, used twice in a package (signature and main header):
//   magic 8E AD E8 01, 4 reserved bytes, u32 index count (il), u32 data length (dl),
//   il index entries of 16 bytes {u32 tag, u32 type, i32 offset, u32 count},
//   dl bytes of data store; integers big-endian.
// Every offset and count comes from the file, so every one is checked before use: a
// damaged or hostile header is a ZoneError (through the caller's `fail`), never a
// RangeError, an out-of-memory or a loop that does not end. Fixed-width values are
// checked when the header is parsed; strings when first read (finding their ends
// costs a scan, and most tags are never read).
import type { ZoneError } from '../../core/errors.js';
import { RegionTag } from './tags.js';

export const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

const TYPE_NAMES = ['NULL', 'CHAR', 'INT8', 'INT16', 'INT32', 'INT64', 'STRING', 'BIN', 'STRING_ARRAY', 'I18NSTRING'];
/** Bytes per element of the fixed-width types (strings are NUL-terminated instead). */
const WIDTH: Record<number, number> = { 0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };
const STRING_TYPES: ReadonlySet<number> = new Set([RpmType.STRING, RpmType.STRING_ARRAY, RpmType.I18NSTRING]);

export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
/** Magic, reserved, il and dl. */
export const INTRO_SIZE = 16;
const ENTRY_SIZE = 16;
/** A region tag's data: the trailer, itself an index entry. */
const TRAILER_SIZE = 16;

export interface HeaderLimits {
  maxTags: number;
  maxData: number;
}
/** rpm's own limits (lib/header.c hdrblobRead): a file beyond them is not a package
 * rpm would read, and they bound what a hostile file can make zonectl allocate. */
export const SIGNATURE_LIMITS: HeaderLimits = { maxTags: 32, maxData: 64 * 2 ** 20 };
export const HEADER_LIMITS: HeaderLimits = { maxTags: 0xffff, maxData: 0x0fffffff };
/** Values one tag may hold when decoded into an array (the largest real packages list
 * a few hundred thousand files): a hostile count must not exhaust memory. */
const MAX_VALUES = 2 ** 22;

export interface IndexEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/** The part of a header that digests and signatures cover: the first `entries` index
 * entries and the first `dataLength` data bytes. Entries after them ("dribbles") were
 * added later, e.g. by an old rpm rewriting the header. */
export interface Region {
  tag: number;
  entries: number;
  dataLength: number;
}

/** Builds the error for a damaged header; the caller's message names the file. */
export type Fail = (why: string) => ZoneError;

export interface HeaderExtent {
  il: number;
  dl: number;
  /** Bytes of the whole header, magic included. */
  length: number;
}

/** The size of a header from its first 16 bytes, or a ZoneError if it is not one. */
export function headerExtent(intro: Buffer, what: string, limits: HeaderLimits, fail: Fail): HeaderExtent {
  if (intro.length < INTRO_SIZE) throw fail(`the ${what} is truncated`);
  if (!intro.subarray(0, 4).equals(HEADER_MAGIC)) throw fail(`no ${what} (bad magic ${intro.toString('hex', 0, 4)})`);
  const il = intro.readUInt32BE(8);
  const dl = intro.readUInt32BE(12);
  if (il < 1 || il > limits.maxTags) throw fail(`damaged ${what}: ${il} tags (1 to ${limits.maxTags} allowed)`);
  if (dl > limits.maxData) throw fail(`damaged ${what}: ${dl} bytes of data (at most ${limits.maxData})`);
  return { il, dl, length: INTRO_SIZE + il * ENTRY_SIZE + dl };
}

function readEntry(b: Buffer, at: number): IndexEntry {
  return { tag: b.readUInt32BE(at), type: b.readUInt32BE(at + 4), offset: b.readInt32BE(at + 8), count: b.readUInt32BE(at + 12) };
}

export class RpmHeader {
  /** Tag → index entry (the first, should a tag repeat). */
  readonly entries: ReadonlyMap<number, IndexEntry>;
  /** The data store. */
  private readonly data: Buffer;
  /** Tag → decoded strings, found on first read. */
  private readonly stringCache = new Map<number, string[]>();

  private constructor(
    /** The header exactly as stored in the package, magic included: what its digests
     * cover. (The rpm database stores it without the 8 magic and reserved bytes.) */
    readonly bytes: Buffer,
    readonly extent: HeaderExtent,
    entries: Map<number, IndexEntry>,
    readonly region: Region | undefined,
    private readonly what: string,
    private readonly fail: Fail,
  ) {
    this.entries = entries;
    this.data = bytes.subarray(INTRO_SIZE + extent.il * ENTRY_SIZE);
  }

  /** Parses `bytes`, which must be exactly one header (see headerExtent). `what` names
   * it in messages ("signature header", "header"). */
  static parse(bytes: Buffer, what: string, limits: HeaderLimits, fail: Fail): RpmHeader {
    const extent = headerExtent(bytes, what, limits, fail);
    if (bytes.length < extent.length) throw fail(`the ${what} is truncated`);
    bytes = bytes.subarray(0, extent.length);
    const entries = new Map<number, IndexEntry>();
    const list: IndexEntry[] = [];
    for (let i = 0; i < extent.il; i++) {
      const e = readEntry(bytes, INTRO_SIZE + i * ENTRY_SIZE);
      checkEntry(e, i, extent.dl, what, fail);
      list.push(e);
      if (!entries.has(e.tag)) entries.set(e.tag, e);
    }
    const data = bytes.subarray(INTRO_SIZE + extent.il * ENTRY_SIZE);
    const region = readRegion(list[0] as IndexEntry, data, extent, what, fail);
    return new RpmHeader(bytes, extent, entries, region, what, fail);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** The type of a tag's value (RpmType), or undefined if the tag is absent. */
  type(tag: number): number | undefined {
    return this.entries.get(tag)?.type;
  }

  /** A string value: STRING, or the first of an array or i18n string (its "C" text). */
  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  /** All strings of a STRING_ARRAY or I18NSTRING (or a STRING as one). */
  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (e === undefined) return undefined;
    if (!STRING_TYPES.has(e.type)) throw this.wrongType(e, 'strings');
    this.checkCount(e);
    let out = this.stringCache.get(tag);
    if (out === undefined) {
      out = this.decodeStrings(e);
      this.stringCache.set(tag, out);
    }
    return out;
  }

  /** The first number of an integer tag. */
  int(tag: number): number | undefined {
    return this.ints(tag)?.[0];
  }

  /** The numbers of a CHAR, INT8, INT16, INT32 or INT64 tag, read as unsigned (rpm's
   * own reading: file modes are u16, sizes u32). */
  ints(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (e === undefined) return undefined;
    const width = e.type >= RpmType.CHAR && e.type <= RpmType.INT64 ? (WIDTH[e.type] as number) : 0;
    if (width === 0) throw this.wrongType(e, 'integers');
    this.checkCount(e);
    const out: number[] = [];
    for (let i = 0, at = e.offset; i < e.count; i++, at += width) out.push(this.readInt(e, at, width));
    return out;
  }

  /** The bytes of a BIN tag (a view into the header, not a copy). */
  bin(tag: number): Buffer | undefined {
    const e = this.entries.get(tag);
    if (e === undefined) return undefined;
    if (e.type !== RpmType.BIN) throw this.wrongType(e, 'binary data');
    return this.data.subarray(e.offset, e.offset + e.count);
  }

  /** The bytes a header SHA-1/SHA-256 and a DSA/RSA header signature cover: the
   * immutable region as a header of its own (rpm's headerGet(HEADERIMMUTABLE)), which
   * is the whole header unless entries were added after it was signed. */
  immutableBytes(): Buffer {
    const r = this.region;
    if (r === undefined || (r.entries === this.extent.il && r.dataLength === this.extent.dl)) return this.bytes;
    const intro = Buffer.alloc(INTRO_SIZE);
    HEADER_MAGIC.copy(intro);
    intro.writeUInt32BE(r.entries, 8);
    intro.writeUInt32BE(r.dataLength, 12);
    const index = this.bytes.subarray(INTRO_SIZE, INTRO_SIZE + r.entries * ENTRY_SIZE);
    return Buffer.concat([intro, index, this.data.subarray(0, r.dataLength)]);
  }

  private readInt(e: IndexEntry, at: number, width: number): number {
    switch (width) {
      case 1:
        return this.data.readUInt8(at);
      case 2:
        return this.data.readUInt16BE(at);
      case 4:
        return this.data.readUInt32BE(at);
      default: {
        const v = this.data.readBigUInt64BE(at);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`damaged ${this.what}: tag ${e.tag} holds ${v}, too large`);
        return Number(v);
      }
    }
  }

  /** `count` NUL-terminated strings from the entry's offset, each ending inside the
   * data store. Each step moves forward, so this ends after at most dl bytes. */
  private decodeStrings(e: IndexEntry): string[] {
    const out: string[] = [];
    let at = e.offset;
    for (let i = 0; i < e.count; i++) {
      const nul = at < this.data.length ? this.data.indexOf(0, at) : -1;
      if (nul === -1) throw this.fail(`damaged ${this.what}: tag ${e.tag}: string ${i + 1} of ${e.count} runs past the end of the data`);
      out.push(this.data.toString('utf8', at, nul));
      at = nul + 1;
    }
    return out;
  }

  private checkCount(e: IndexEntry): void {
    if (e.count > MAX_VALUES) throw this.fail(`damaged ${this.what}: tag ${e.tag} has ${e.count} values (at most ${MAX_VALUES})`);
  }

  private wrongType(e: IndexEntry, wanted: string): ZoneError {
    return this.fail(`damaged ${this.what}: tag ${e.tag} is of type ${TYPE_NAMES[e.type] ?? e.type}, not ${wanted}`);
  }
}

/** The checks that need no scan: a known type, an offset inside the data store, and
 * fixed-width values ending inside it. */
function checkEntry(e: IndexEntry, i: number, dl: number, what: string, fail: Fail): void {
  const where = `damaged ${what}: index entry ${i} (tag ${e.tag})`;
  if (e.type > RpmType.I18NSTRING) throw fail(`${where} has unknown type ${e.type}`);
  if (e.offset < 0 || e.offset > dl) throw fail(`${where} has offset ${e.offset} outside the ${dl} bytes of data`);
  if (e.type === RpmType.NULL) return;
  if (e.count < 1) throw fail(`${where} has no values`);
  if (e.type === RpmType.STRING && e.count !== 1) throw fail(`${where} is a STRING with count ${e.count}`);
  const width = WIDTH[e.type];
  // Doubles are exact here: count < 2^32 and width <= 8.
  if (width !== undefined && e.offset + e.count * width > dl) throw fail(`${where} runs past the end of the data`);
}

const REGION_TAGS: ReadonlySet<number> = new Set(Object.values(RegionTag));

/** The region described by the first entry, if it is a region tag: its BIN data is a
 * trailer entry whose negated offset is the region's index size (rpm's
 * hdrblobVerifyRegion, without its legacy repairs). */
function readRegion(first: IndexEntry, data: Buffer, extent: HeaderExtent, what: string, fail: Fail): Region | undefined {
  if (!REGION_TAGS.has(first.tag) || first.type !== RpmType.BIN || first.count !== TRAILER_SIZE) return undefined;
  // checkEntry has put the trailer inside the data store.
  const trailer = readEntry(data, first.offset);
  // Old packages name the signature region HEADERIMAGE in the trailer: accept any
  // region tag there.
  if (!REGION_TAGS.has(trailer.tag) || trailer.type !== RpmType.BIN || trailer.count !== TRAILER_SIZE) {
    throw fail(`damaged ${what}: the region trailer of tag ${first.tag} is not a region entry`);
  }
  const indexBytes = -trailer.offset;
  const entries = indexBytes / ENTRY_SIZE;
  if (!Number.isInteger(entries) || entries < 1 || entries > extent.il) {
    throw fail(`damaged ${what}: the region of tag ${first.tag} claims ${indexBytes} bytes of index (the header has ${extent.il} entries)`);
  }
  return { tag: first.tag, entries, dataLength: first.offset + TRAILER_SIZE };
}
