// An RPM package file, read without rpm: the 96-byte lead, the signature header (then
// zero padding to 8 bytes), the main header, and the compressed cpio payload.
// Only the headers are read here; the payload is streamed by extractRpmPayload and
// checked by verify(). Everything from the file is bounds-checked: a damaged, truncated
// or hostile file gives an 'install-failed' ZoneError naming it.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { sniffCompression, type Compression } from '../archive/detect.js';
import { HEADER_LIMITS, INTRO_SIZE, RpmHeader, SIGNATURE_LIMITS, headerExtent, type Fail, type HeaderLimits } from './header.js';
import { FileFlag, HASH_ALGOS, Sense, SigTag, Tag } from './tags.js';
import { signatures, verifyRpm, type RpmSignature, type VerifyResult } from './verify.js';

export { extractRpmPayload } from './payload.js';
export type { RpmSignature, VerifyResult } from './verify.js';

const LEAD_SIZE = 96;
const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);
/** RPMSIGTYPE_HEADERSIG: the signature is a header (every rpm since 2.x writes it). */
const HEADER_SIGNATURE = 5;

export interface RpmLead {
  major: number;
  minor: number;
  type: 'binary' | 'source';
  archNum: number;
  /** name-version-release as the builder wrote it (informational: use the header). */
  name: string;
  osNum: number;
}

export interface Dependency {
  name: string;
  /** RPMSENSE_* bits (see Sense). */
  flags: number;
  /** [epoch:]version[-release], or '' for any version. */
  version: string;
  /** The comparison the flags make: '<', '<=', '=', '>=', '>', or '' for none. */
  op: string;
}

export interface RpmFile {
  /** Absolute path, as rpm -ql prints it. */
  path: string;
  /** st_mode, type bits included. */
  mode: number;
  size: number;
  mtime: number;
  /** Hex digest of a regular file's content ('' otherwise), see fileDigestAlgo. */
  digest: string;
  /** A symlink's target ('' otherwise). */
  linkTo: string;
  user: string;
  group: string;
  rdev: number;
  /** RPMFILE_* bits (see FileFlag). */
  flags: number;
  config: boolean;
  /** Owned but not in the payload (a log file, a lock): created by nobody. */
  ghost: boolean;
}

export interface Scriptlet {
  /** The program and arguments that run the body (%post -p /sbin/ldconfig has no body). */
  interpreter: string[];
  body: string | undefined;
}

export type ScriptletName = 'pretrans' | 'prein' | 'postin' | 'preun' | 'postun' | 'posttrans';

export type PayloadCompressor = Compression | 'lzma';

export interface RpmPackage {
  path: string;
  lead: RpmLead;
  name: string;
  version: string;
  release: string;
  epoch: number | undefined;
  arch: string;
  os: string;
  summary: string;
  description: string;
  license: string;
  /** The source package this was built from; absent in source packages. */
  sourceRpm: string | undefined;
  buildTime: number | undefined;
  /** Installed size in bytes (RPMTAG_SIZE, or LONGSIZE for big packages). */
  size: number;
  /** Uncompressed payload bytes, if the package says. */
  archiveSize: number | undefined;
  payloadFormat: string;
  payloadCompressor: PayloadCompressor;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  files: RpmFile[];
  /** The algorithm of RpmFile.digest ('md5' before rpm 4.6's FILEDIGESTALGO). */
  fileDigestAlgo: string;
  scripts: Partial<Record<ScriptletName, Scriptlet>>;
  signatures: RpmSignature[];
  signature: RpmHeader;
  header: RpmHeader;
  /** The main header as stored in the file, magic included (header.bytes). */
  headerBlob: Buffer;
  /** File offsets of the main header and the payload. */
  headerOffset: number;
  payloadOffset: number;
  /** Checks the signature header's size and digests against the file. */
  verify(): Promise<VerifyResult>;
}

export interface ReadRpmOptions {
  /** For error details. */
  zone?: string;
  /** Verify size and digests too: a mismatch is an 'install-failed' ZoneError. */
  verify?: boolean;
}

/** Reads a package's lead and headers (not its payload). */
export async function readRpm(path: string, opts: ReadRpmOptions = {}): Promise<RpmPackage> {
  const fail: Fail = (why) => new ZoneError('install-failed', `${path}: ${why}`, { zone: opts.zone });
  let fh: FileHandle;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer. It
    // changes nothing for the regular files that get past the stat below.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ZoneError('install-failed', `${path}: cannot open: ${e instanceof Error ? e.message : String(e)}`, { zone: opts.zone, cause: e });
  }
  let pkg: RpmPackage;
  try {
    pkg = await readParts(fh, path, fail);
  } catch (e) {
    if (e instanceof ZoneError) throw e;
    // A read error (EISDIR, EIO): still this file's failure.
    throw fail(`cannot read: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await fh.close();
  }
  if (opts.verify === true) await assertVerified(pkg, fail);
  return pkg;
}

/** Throws naming the checks that failed. */
async function assertVerified(pkg: RpmPackage, fail: Fail): Promise<void> {
  const r = await pkg.verify();
  if (r.ok) return;
  const bad = r.checks.filter((l) => r.failed.some((f) => l.startsWith(`${f}:`)));
  throw fail(`${r.failed.map((f) => f.toUpperCase()).join(', ')} check failed, the package is damaged or altered: ${bad.join('; ')}`);
}

/** Exactly `len` bytes at `pos`, or a ZoneError saying which part is cut short. */
async function readAt(fh: FileHandle, pos: number, len: number, fileSize: number, what: string, fail: Fail): Promise<Buffer> {
  if (pos + len > fileSize) throw fail(`truncated: the file ends inside the ${what} (${fileSize} bytes)`);
  const buf = Buffer.alloc(len);
  for (let got = 0; got < len; ) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) throw fail(`truncated: the file ends inside the ${what}`);
    got += bytesRead;
  }
  return buf;
}

async function readHeaderAt(fh: FileHandle, pos: number, fileSize: number, what: string, limits: HeaderLimits, fail: Fail): Promise<RpmHeader> {
  const intro = await readAt(fh, pos, INTRO_SIZE, fileSize, what, fail);
  const { length } = headerExtent(intro, what, limits, fail);
  return RpmHeader.parse(await readAt(fh, pos, length, fileSize, what, fail), what, limits, fail);
}

async function readParts(fh: FileHandle, path: string, fail: Fail): Promise<RpmPackage> {
  const st = await fh.stat();
  if (!st.isFile()) throw fail('not a regular file');
  if (st.size < LEAD_SIZE) throw fail(`not an RPM package (${st.size} bytes, shorter than a lead)`);
  const lead = parseLead(await readAt(fh, 0, LEAD_SIZE, st.size, 'lead', fail), fail);
  const signature = await readHeaderAt(fh, LEAD_SIZE, st.size, 'signature header', SIGNATURE_LIMITS, fail);
  // The signature header is zero-padded to a multiple of 8 bytes.
  const headerOffset = LEAD_SIZE + signature.extent.length + ((8 - (signature.extent.length % 8)) % 8);
  const header = await readHeaderAt(fh, headerOffset, st.size, 'header', HEADER_LIMITS, fail);
  const payloadOffset = headerOffset + header.extent.length;
  if (payloadOffset >= st.size) throw fail('truncated: the file ends before the payload');
  const head = await readAt(fh, payloadOffset, Math.min(16, st.size - payloadOffset), st.size, 'payload', fail);
  return build({ path, lead, signature, header, headerOffset, payloadOffset, head }, fail);
}

function parseLead(b: Buffer, fail: Fail): RpmLead {
  if (!b.subarray(0, 4).equals(LEAD_MAGIC)) throw fail('not an RPM package (no lead magic ED AB EE DB)');
  const major = b.readUInt8(4);
  // rpm reads formats 3 and 4 (4 only with rpm 6's v6 packages); 1 and 2 predate 1997.
  if (major !== 3 && major !== 4) throw fail(`RPM format version ${major} is not supported (3 or 4 is)`);
  const sigType = b.readUInt16BE(78);
  if (sigType !== HEADER_SIGNATURE) throw fail(`unsupported signature type ${sigType} in the lead (${HEADER_SIGNATURE} expected)`);
  const nameEnd = b.indexOf(0, 10);
  return {
    major,
    minor: b.readUInt8(5),
    type: b.readUInt16BE(6) === 1 ? 'source' : 'binary',
    archNum: b.readUInt16BE(8),
    name: b.toString('latin1', 10, nameEnd === -1 || nameEnd > 76 ? 76 : nameEnd),
    osNum: b.readUInt16BE(76),
  };
}

interface Parts {
  path: string;
  lead: RpmLead;
  signature: RpmHeader;
  header: RpmHeader;
  headerOffset: number;
  payloadOffset: number;
  head: Buffer;
}

function build(p: Parts, fail: Fail): RpmPackage {
  const h = p.header;
  const required = (tag: number, name: string): string => {
    const v = h.string(tag);
    if (v === undefined) throw fail(`damaged header: no ${name}`);
    return v;
  };
  const pkg: RpmPackage = {
    path: p.path,
    lead: p.lead,
    name: required(Tag.NAME, 'NAME'),
    version: required(Tag.VERSION, 'VERSION'),
    release: required(Tag.RELEASE, 'RELEASE'),
    epoch: h.int(Tag.EPOCH),
    arch: h.string(Tag.ARCH) ?? '',
    os: h.string(Tag.OS) ?? '',
    summary: h.string(Tag.SUMMARY) ?? '',
    description: h.string(Tag.DESCRIPTION) ?? '',
    license: h.string(Tag.LICENSE) ?? '',
    sourceRpm: h.string(Tag.SOURCERPM),
    buildTime: h.int(Tag.BUILDTIME),
    size: h.int(Tag.LONGSIZE) ?? h.int(Tag.SIZE) ?? 0,
    archiveSize: archiveSize(p.signature, h),
    payloadFormat: h.string(Tag.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: payloadCompressor(h.string(Tag.PAYLOADCOMPRESSOR), p.head, fail),
    provides: dependencies(h, Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION, fail),
    requires: dependencies(h, Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION, fail),
    conflicts: dependencies(h, Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION, fail),
    obsoletes: dependencies(h, Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION, fail),
    files: files(h, fail),
    fileDigestAlgo: fileDigestAlgo(h),
    scripts: scriptlets(h),
    signatures: signatures(p.signature),
    signature: p.signature,
    header: h,
    headerBlob: h.bytes,
    headerOffset: p.headerOffset,
    payloadOffset: p.payloadOffset,
    // A file that vanished or cannot be read since is still this package's failure.
    verify: () => verifyRpm(pkg).catch((e: unknown) => Promise.reject(e instanceof ZoneError ? e : fail(`cannot verify: ${e instanceof Error ? e.message : String(e)}`))),
  };
  return pkg;
}

function archiveSize(sig: RpmHeader, h: RpmHeader): number | undefined {
  return sig.int(SigTag.LONGARCHIVESIZE) ?? sig.int(SigTag.PAYLOADSIZE) ?? h.int(SigTag.LONGARCHIVESIZE) ?? h.int(Tag.ARCHIVESIZE);
}

const COMPRESSORS: Record<string, PayloadCompressor> = { gzip: 'gzip', bzip2: 'bzip2', xz: 'xz', lzma: 'lzma', zstd: 'zstd' };

/** The payload's compression by its magic (what decompresses it), else by the header's
 * word for it: legacy lzma has no real magic, and an uncompressed payload starts with
 * cpio's. Absent PAYLOADCOMPRESSOR means gzip (rpm's original and default). */
function payloadCompressor(claimed: string | undefined, head: Buffer, fail: Fail): PayloadCompressor {
  const sniffed = sniffCompression(head);
  if (sniffed !== 'none') return sniffed;
  // The .lzma header: properties byte (0x5d for the usual lc/lp/pb), dictionary size.
  if (head[0] === 0x5d && head[1] === 0x00) return 'lzma';
  if (head.toString('latin1', 0, 5) === '07070') return 'none';
  const named = COMPRESSORS[claimed ?? 'gzip'];
  if (named === undefined) throw fail(`unknown payload compressor "${printable(claimed ?? '')}"`);
  return named;
}

const OPS = ['', '<', '>', '<>', '=', '<=', '>=', '<>='];

/** One dependency list from its parallel name, flags and version arrays. */
export function dependencies(h: RpmHeader, namesTag: number, flagsTag: number, versionsTag: number, fail: Fail): Dependency[] {
  const names = h.strings(namesTag) ?? [];
  const flags = parallel(h.ints(flagsTag), names.length, flagsTag, fail);
  const versions = parallel(h.strings(versionsTag), names.length, versionsTag, fail);
  return names.map((name, i) => {
    const f = flags?.[i] ?? 0;
    const cmp = (f & (Sense.LESS | Sense.GREATER | Sense.EQUAL)) >> 1;
    return { name, flags: f, version: versions?.[i] ?? '', op: OPS[cmp] as string };
  });
}

/** `values` if it has one value per item (absent is allowed: defaults apply). */
function parallel<T>(values: T[] | undefined, n: number, tag: number, fail: Fail): T[] | undefined {
  if (values !== undefined && values.length !== n) throw fail(`damaged header: tag ${tag} has ${values.length} values for ${n} items`);
  return values;
}

/** The paths: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i] (rpm >= 4), else OLDFILENAMES. */
export function filePaths(h: RpmHeader, fail: Fail): string[] {
  const base = h.strings(Tag.BASENAMES);
  if (base === undefined) return h.strings(Tag.OLDFILENAMES) ?? [];
  const dirs = h.strings(Tag.DIRNAMES) ?? [];
  const index = parallel(h.ints(Tag.DIRINDEXES), base.length, Tag.DIRINDEXES, fail) ?? [];
  return base.map((b, i) => {
    const dir = dirs[index[i] ?? -1];
    if (dir === undefined) throw fail(`damaged header: file ${i + 1} ("${printable(b)}") has no directory`);
    return dir + b;
  });
}

function files(h: RpmHeader, fail: Fail): RpmFile[] {
  const paths = filePaths(h, fail);
  const n = paths.length;
  const ints = (tag: number): number[] => parallel(h.ints(tag), n, tag, fail) ?? [];
  const strs = (tag: number): string[] => parallel(h.strings(tag), n, tag, fail) ?? [];
  const [modes, sizes, mtimes, rdevs, flags] = [Tag.FILEMODES, Tag.FILESIZES, Tag.FILEMTIMES, Tag.FILERDEVS, Tag.FILEFLAGS].map(ints) as [number[], number[], number[], number[], number[]];
  const longSizes = ints(Tag.LONGFILESIZES);
  const [digests, links, users, groups] = [Tag.FILEDIGESTS, Tag.FILELINKTOS, Tag.FILEUSERNAME, Tag.FILEGROUPNAME].map(strs) as [string[], string[], string[], string[]];
  return paths.map((path, i) => {
    const f = flags[i] ?? 0;
    return {
      path,
      mode: modes[i] ?? 0,
      size: longSizes[i] ?? sizes[i] ?? 0,
      mtime: mtimes[i] ?? 0,
      digest: digests[i] ?? '',
      linkTo: links[i] ?? '',
      user: users[i] ?? 'root',
      group: groups[i] ?? 'root',
      rdev: rdevs[i] ?? 0,
      flags: f,
      config: (f & FileFlag.CONFIG) !== 0,
      ghost: (f & FileFlag.GHOST) !== 0,
    };
  });
}

function fileDigestAlgo(h: RpmHeader): string {
  const n = h.int(Tag.FILEDIGESTALGO) ?? 1;
  return HASH_ALGOS[n] ?? `unknown-${n}`;
}

const SCRIPT_TAGS: [ScriptletName, number, number][] = [
  ['pretrans', Tag.PRETRANS, Tag.PRETRANSPROG],
  ['prein', Tag.PREIN, Tag.PREINPROG],
  ['postin', Tag.POSTIN, Tag.POSTINPROG],
  ['preun', Tag.PREUN, Tag.PREUNPROG],
  ['postun', Tag.POSTUN, Tag.POSTUNPROG],
  ['posttrans', Tag.POSTTRANS, Tag.POSTTRANSPROG],
];

/** The scriptlets present: a body, a program (-p), or both. The program is a STRING in
 * old packages and a STRING_ARRAY (program and arguments) in newer ones; a body
 * without one runs under /bin/sh. */
function scriptlets(h: RpmHeader): Partial<Record<ScriptletName, Scriptlet>> {
  const out: Partial<Record<ScriptletName, Scriptlet>> = {};
  for (const [name, bodyTag, progTag] of SCRIPT_TAGS) {
    const body = h.string(bodyTag);
    const prog = h.strings(progTag);
    if (body !== undefined || prog !== undefined) out[name] = { interpreter: prog ?? ['/bin/sh'], body };
  }
  return out;
}

/** "name op version" as rpm -q --requires/--provides prints a dependency. */
export function formatDependency(d: Dependency): string {
  return d.op === '' ? d.name : `${d.name} ${d.op} ${d.version}`;
}
