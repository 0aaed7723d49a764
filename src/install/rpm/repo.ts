// Readers of RPM repository metadata, for installing from a repository without yum:
//   - repodata/ (yum >= 2.4, CentOS 4 and later): repomd.xml names primary.xml[.gz|.bz2|
//     .xz|.zst], which lists every package with its dependencies and its /etc and bin
//     files;
//   - headers/ (yum 2.0's yum-arch, CentOS 3): header.info lists the packages, one
//     gzip-compressed RPM header per package holds the dependencies and files;
//   - a plain autoindex page of .rpm files (last resort): every package is downloaded
//     and read.
// Everything read comes from the network, so everything is checked: a damaged or hostile
// file is an 'install-failed' ZoneError of one line naming it, never another exception.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { crypto, zlib } from '../../core/builtins.js';
import { ZoneError, errnoCode } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { sniffCompression } from '../archive/detect.js';
import { download } from '../download.js';
import type { Emit } from '../methods.js';
import { HEADER_LIMITS, RpmHeader, type Fail } from './header.js';
import { dependencies, filePaths, readRpm, type Dependency, type RpmPackage } from './package.js';
import { Sense, Tag } from './tags.js';

export type ChecksumType = 'sha256' | 'sha1' | 'md5' | 'sha512' | 'sha384' | 'sha224';

export interface Checksum {
  type: ChecksumType;
  /** Lower-case hex. */
  value: string;
}

export interface RepoPackage {
  name: string;
  /** Absent when the package has none or it is 0 (repodata cannot tell the two apart). */
  epoch?: string;
  version: string;
  release: string;
  arch: string;
  /** The package file relative to the repository's base URL (an absolute URL when
   * repodata's xml:base puts it elsewhere): fetch `new URL(location, baseUrl)`. */
  location: string;
  /** Of the package file, when the metadata gives one (repodata) or it was downloaded. */
  checksum?: Checksum;
  /** Bytes of the package file, when known. */
  size?: number;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  /** The paths the metadata lists: repodata's primary only lists /etc/*, *bin/* and
   * /usr/lib/sendmail (directories and ghosts included); headers and packages list all. */
  files: string[];
}

export interface RepomdData {
  href: string;
  checksum?: Checksum;
  openChecksum?: Checksum;
}

export interface Repomd {
  primary: RepomdData;
}

export interface HeaderInfoEntry {
  /** '0' when the package has none (as yum-arch writes it). */
  epoch: string;
  name: string;
  version: string;
  release: string;
  arch: string;
  location: string;
}

export interface LoadOptions {
  cacheDir: string;
  zone: string;
  emit: Emit;
}

const failer =
  (source: string, zone?: string): Fail =>
  (why) =>
    new ZoneError('install-failed', `${source}: ${oneLine(why)}`, { zone });

/** A message from a file or a library, made safe to print on one line. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------- XML

type XmlNode = Record<string, unknown>;

/** The elements that may repeat, always arrays (whatever their namespace prefix: the
 * parser drops prefixes, so rpm:entry is entry). */
const REPEATED: ReadonlySet<string> = new Set(['data', 'package', 'entry', 'file']);

type XmlParser = { parse(xml: string, validate: boolean): unknown };
let parserPromise: Promise<XmlParser> | undefined;

/** fast-xml-parser, loaded on first use: only RPM installs read XML, and the CLI is one
 * bundle whose start-up every command pays. */
function xmlParser(): Promise<XmlParser> {
  parserPromise ??= import('fast-xml-parser').then(
    ({ XMLParser }) =>
      new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '@',
        // Versions stay strings ("1.10" is not 1.1).
        parseTagValue: false,
        parseAttributeValue: false,
        removeNSPrefix: true,
        // Decodes numeric character references too (&#38;, &#x26;).
        htmlEntities: true,
        isArray: (tag: string) => REPEATED.has(tag),
        // Free text that is never read: not decoded, not built into objects.
        stopNodes: ['*.description', '*.summary', '*.changelog'],
      }),
  );
  return parserPromise;
}

async function parseXml(xml: string, fail: Fail): Promise<XmlNode> {
  const parser = await xmlParser();
  let doc: unknown;
  try {
    // true: validate first, so that a truncated or broken file fails instead of
    // giving what the lenient parser makes of it.
    doc = parser.parse(xml.replace(/^\uFEFF/, ''), true);
  } catch (e) {
    // The validator says "message:line:column".
    const why = errorText(e).replace(/:(\d+):(\d+|undefined)$/, (_m, line: string, col: string) => ` (line ${line}${col === 'undefined' ? '' : `, column ${col}`})`);
    throw fail(`not well-formed XML: ${why}`);
  }
  const node = asNode(doc);
  if (node === undefined) throw fail('not an XML document');
  return node;
}

function asNode(v: unknown): XmlNode | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** An element's text: a plain string, or the text of an element with attributes. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const n = asNode(v);
  if (n === undefined) return undefined;
  const t = n['#text'];
  return typeof t === 'string' ? t : '';
}

function attr(n: XmlNode | undefined, name: string): string | undefined {
  const v = n?.[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function child(n: XmlNode, name: string): XmlNode | undefined {
  const v = n[name];
  return asNode(Array.isArray(v) ? v[0] : v);
}

const CHECKSUM_TYPES: Record<string, ChecksumType> = {
  // yum 2.4's createrepo (CentOS 4, 5) writes "sha" for SHA-1.
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  md5: 'md5',
};
const DIGEST_HEX: Record<ChecksumType, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

function checksumOf(v: unknown, what: string, fail: Fail): Checksum | undefined {
  if (v === undefined) return undefined;
  const n = asNode(Array.isArray(v) ? v[0] : v);
  const type = attr(n, 'type') ?? '';
  const value = (textOf(n) ?? '').trim().toLowerCase();
  const known = CHECKSUM_TYPES[type.toLowerCase()];
  if (known === undefined) throw fail(`${what}: unknown checksum type "${printable(type)}"`);
  if (value.length !== DIGEST_HEX[known] || !/^[0-9a-f]+$/.test(value)) throw fail(`${what}: malformed ${known} checksum "${printable(value)}"`);
  return { type: known, value };
}

// ---------------------------------------------------------------- repomd.xml

/** The primary metadata's location and checksums from repomd.xml. */
export async function parseRepomd(xml: string, source = 'repomd.xml', zone?: string): Promise<Repomd> {
  const fail = failer(source, zone);
  const root = asNode((await parseXml(xml, fail))['repomd']);
  if (root === undefined) throw fail('no <repomd> element: not repository metadata');
  const data = asList(root['data']).map(asNode);
  const primary = data.find((d) => attr(d, 'type') === 'primary');
  if (primary === undefined) throw fail('no <data type="primary"> entry');
  const location = child(primary, 'location');
  const href = attr(location, 'href');
  if (href === undefined || href === '') throw fail('the primary entry has no location href');
  const out: RepomdData = { href: withBase(href, attr(location, 'base'), fail) };
  const checksum = checksumOf(primary['checksum'], 'primary', fail);
  if (checksum !== undefined) out.checksum = checksum;
  const open = checksumOf(primary['open-checksum'], 'primary open-checksum', fail);
  if (open !== undefined) out.openChecksum = open;
  return { primary: out };
}

/** A location href with its xml:base (the file is elsewhere than the repository). */
function withBase(href: string, base: string | undefined, fail: Fail): string {
  if (base === undefined || base === '') return href;
  try {
    const u = new URL(href, base.endsWith('/') ? base : `${base}/`);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${u.protocol} is not http or https`);
    return u.toString();
  } catch (e) {
    throw fail(`bad xml:base "${printable(base)}": ${errorText(e)}`);
  }
}

// ---------------------------------------------------------------- primary.xml

/** RPMSENSE_* bits of repodata's flags attribute. */
const FLAG_BITS: Record<string, number> = {
  EQ: Sense.EQUAL,
  LT: Sense.LESS,
  LE: Sense.LESS | Sense.EQUAL,
  GT: Sense.GREATER,
  GE: Sense.GREATER | Sense.EQUAL,
};

/** The comparison of RPMSENSE_* flags, as package.ts spells it (rpm -q --requires). */
const OPS = ['', '<', '>', '<>', '=', '<=', '>=', '<>='];
function opOf(flags: number): string {
  return OPS[(flags & (Sense.LESS | Sense.GREATER | Sense.EQUAL)) >> 1] as string;
}

/** [epoch:]version[-release], as an RPM header stores it; epoch 0 is left out, since
 * createrepo writes epoch="0" for every versioned dependency without one. */
function evr(epoch: string | undefined, ver: string | undefined, rel: string | undefined): string {
  if (ver === undefined || ver === '') return '';
  const e = epoch !== undefined && epoch !== '' && epoch !== '0' ? `${epoch}:` : '';
  return `${e}${ver}${rel !== undefined && rel !== '' ? `-${rel}` : ''}`;
}

function entries(format: XmlNode, list: string, pkg: string, fail: Fail): Dependency[] {
  const holder = child(format, list);
  if (holder === undefined) return [];
  return asList(holder['entry']).map((v, i) => {
    const e = asNode(v);
    const name = attr(e, 'name');
    if (name === undefined || name === '') throw fail(`package ${pkg}: ${list} entry ${i + 1} has no name`);
    const word = attr(e, 'flags');
    let flags = 0;
    if (word !== undefined) {
      const bits = FLAG_BITS[word];
      if (bits === undefined) throw fail(`package ${pkg}: ${list} entry "${printable(name)}" has unknown flags "${printable(word)}"`);
      flags = bits;
    }
    // pre="1": needed before the package's scriptlets run (createrepo sets it for
    // PREREQ and the SCRIPT_* bits, which cannot be told apart any more).
    if (attr(e, 'pre') === '1') flags |= Sense.PREREQ;
    if (name.startsWith('rpmlib(')) flags |= Sense.RPMLIB;
    const version = flags & (Sense.LESS | Sense.GREATER | Sense.EQUAL) ? evr(attr(e, 'epoch'), attr(e, 'ver'), attr(e, 'rel')) : '';
    return { name, flags, version, op: opOf(flags) };
  });
}

function required(n: XmlNode, name: string, what: string, fail: Fail): string {
  const v = textOf(n[name]);
  if (v === undefined || v.trim() === '') throw fail(`${what} has no <${name}>`);
  return v.trim();
}

/** The packages of a primary.xml (its <package type="rpm"> entries). */
export async function parsePrimary(xml: string, source = 'primary.xml', zone?: string): Promise<RepoPackage[]> {
  const fail = failer(source, zone);
  const root = asNode((await parseXml(xml, fail))['metadata']);
  if (root === undefined) throw fail('no <metadata> element: not primary repository metadata');
  const all = asList(root['package']);
  // The count createrepo writes: a cheap check against a cut-down file.
  const claimed = attr(root, 'packages');
  if (claimed !== undefined && /^\d+$/.test(claimed) && Number(claimed) !== all.length) {
    throw fail(`lists ${all.length} packages but says it has ${claimed}`);
  }
  const out: RepoPackage[] = [];
  all.forEach((v, i) => {
    const p = asNode(v);
    if (p === undefined) throw fail(`package ${i + 1} is empty`);
    if ((attr(p, 'type') ?? 'rpm') !== 'rpm') return;
    const name = required(p, 'name', `package ${i + 1}`, fail);
    const what = `package ${printable(name)}`;
    const ver = child(p, 'version');
    const version = attr(ver, 'ver');
    const release = attr(ver, 'rel');
    if (version === undefined || version === '' || release === undefined) throw fail(`${what} has no version or release`);
    const location = child(p, 'location');
    const href = attr(location, 'href');
    if (href === undefined || href === '') throw fail(`${what} has no location href`);
    const format = child(p, 'format') ?? {};
    const pkg: RepoPackage = {
      name,
      version,
      release,
      arch: required(p, 'arch', what, fail),
      location: withBase(href, attr(location, 'base'), fail),
      provides: entries(format, 'provides', name, fail),
      requires: entries(format, 'requires', name, fail),
      conflicts: entries(format, 'conflicts', name, fail),
      obsoletes: entries(format, 'obsoletes', name, fail),
      files: asList(format['file'])
        .map((f) => (textOf(f) ?? '').trim())
        .filter((f) => f !== ''),
    };
    const epoch = attr(ver, 'epoch');
    if (epoch !== undefined && epoch !== '' && epoch !== '0') {
      if (!/^\d+$/.test(epoch)) throw fail(`${what} has a malformed epoch "${printable(epoch)}"`);
      pkg.epoch = epoch;
    }
    const checksum = checksumOf(p['checksum'], what, fail);
    if (checksum !== undefined) pkg.checksum = checksum;
    const size = attr(child(p, 'size'), 'package');
    if (size !== undefined && /^\d+$/.test(size)) pkg.size = Number(size);
    out.push(pkg);
  });
  return out;
}

// ---------------------------------------------------------------- headers/ (yum 2.0)

/** The lines of yum-arch's headers/header.info: `EPOCH:NAME-VERSION-RELEASE.ARCH=PATH`,
 * the path relative to the repository. Names hold dashes, so the version and release
 * are split off from the right (as yum 2.0's stripENVRA does). */
export function parseHeaderInfo(text: string, source = 'header.info', zone?: string): HeaderInfoEntry[] {
  const fail = failer(source, zone);
  if (text.includes('\0')) throw fail('binary data, not a header list');
  const out: HeaderInfoEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const bad = (why: string): ZoneError => fail(`line ${i + 1} ("${printable(line)}") ${why}`);
    const eq = line.indexOf('=');
    if (eq === -1) throw bad('has no "=PATH"');
    const nevra = line.slice(0, eq);
    const location = line.slice(eq + 1).trim();
    if (location === '') throw bad('has an empty path');
    const colon = nevra.indexOf(':');
    if (colon === -1) throw bad('has no "EPOCH:"');
    const epoch = nevra.slice(0, colon);
    if (!/^\d+$/.test(epoch)) throw bad(`has a malformed epoch "${printable(epoch)}"`);
    const nvra = nevra.slice(colon + 1);
    const dot = nvra.lastIndexOf('.');
    const relDash = dot === -1 ? -1 : nvra.lastIndexOf('-', dot);
    const verDash = relDash === -1 ? -1 : nvra.lastIndexOf('-', relDash - 1);
    if (verDash <= 0) throw bad('is not EPOCH:NAME-VERSION-RELEASE.ARCH=PATH');
    const entry = {
      epoch,
      name: nvra.slice(0, verDash),
      version: nvra.slice(verDash + 1, relDash),
      release: nvra.slice(relDash + 1, dot),
      arch: nvra.slice(dot + 1),
      location,
    };
    if (entry.version === '' || entry.release === '' || entry.arch === '' || /[\s/]/.test(entry.arch)) throw bad('is not EPOCH:NAME-VERSION-RELEASE.ARCH=PATH');
    out.push(entry);
  });
  return out;
}

/** Where yum-arch put an entry's header: headers/NAME-EPOCH-VERSION-RELEASE.ARCH.hdr. */
export function headerFileName(e: HeaderInfoEntry): string {
  return `${e.name}-${e.epoch}-${e.version}-${e.release}.${e.arch}.hdr`;
}

/** A .hdr file: an RPM header (magic 8e ad e8 01), gzip-compressed as yum-arch writes
 * it by default, or plain. */
export function parseHeaderFile(bytes: Buffer, source: string, zone?: string): RpmHeader {
  const fail = failer(source, zone);
  let raw = bytes;
  if (sniffCompression(bytes) === 'gzip') {
    try {
      raw = zlib().gunzipSync(bytes, { maxOutputLength: HEADER_LIMITS.maxData + 16 * 0x10000 + 16 });
    } catch (e) {
      throw fail(`cannot decompress: ${errorText(e)}`);
    }
  }
  return RpmHeader.parse(raw, 'header', HEADER_LIMITS, fail);
}

/** A header.info entry with the dependencies and files of its header. The header must
 * be the entry's package. */
export function headerInfoPackage(entry: HeaderInfoEntry, hdr: RpmHeader, source = 'header', zone?: string): RepoPackage {
  const fail = failer(source, zone);
  const fromHeader = headerPackage(hdr, entry.location, fail);
  const epoch = entry.epoch === '0' ? undefined : entry.epoch;
  const [a, b] = [nevra(fromHeader), nevra({ ...entry, epoch })];
  if (a !== b) throw fail(`the header is of ${printable(a)}, header.info says ${printable(b)}`);
  return fromHeader;
}

const nevra = (p: { name: string; epoch?: string | undefined; version: string; release: string; arch: string }): string =>
  `${p.name}-${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}-${p.release}.${p.arch}`;

/** A package's metadata from its main header (adapter: package.ts keeps its
 * dependency and file-path readers to itself; these do the same). */
function headerPackage(h: RpmHeader, location: string, fail: Fail): RepoPackage {
  const str = (tag: number, name: string): string => {
    const v = h.string(tag);
    if (v === undefined || v === '') throw fail(`damaged header: no ${name}`);
    return v;
  };
  const pkg: RepoPackage = {
    name: str(Tag.NAME, 'NAME'),
    version: str(Tag.VERSION, 'VERSION'),
    release: str(Tag.RELEASE, 'RELEASE'),
    arch: h.string(Tag.ARCH) ?? '',
    location,
    provides: dependencies(h, Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION, fail),
    requires: dependencies(h, Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION, fail),
    conflicts: dependencies(h, Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION, fail),
    obsoletes: dependencies(h, Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION, fail),
    files: filePaths(h, fail),
  };
  const epoch = h.int(Tag.EPOCH);
  if (epoch !== undefined && epoch !== 0) pkg.epoch = String(epoch);
  return pkg;
}

/** A downloaded package file as a repository entry. */
export function repoPackageFromRpm(p: RpmPackage, location: string, checksum?: Checksum, size?: number): RepoPackage {
  const out: RepoPackage = {
    name: p.name,
    version: p.version,
    release: p.release,
    arch: p.arch,
    location,
    provides: p.provides,
    requires: p.requires,
    conflicts: p.conflicts,
    obsoletes: p.obsoletes,
    files: p.files.map((f) => f.path),
  };
  if (p.epoch !== undefined && p.epoch !== 0) out.epoch = String(p.epoch);
  if (checksum !== undefined) out.checksum = checksum;
  if (size !== undefined) out.size = size;
  return out;
}

// ---------------------------------------------------------------- directory listing

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    return HTML_ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** The .rpm files an Apache or nginx autoindex page links to, as paths relative to
 * `base` (the page's URL): links elsewhere (other hosts, outside the directory, '..')
 * are left out, and each path is given once, in page order. */
export function parseDirectoryListing(html: string, base: string): string[] {
  let baseUrl: URL;
  try {
    baseUrl = new URL(base);
  } catch {
    throw new ZoneError('install-failed', `bad repository URL "${printable(base)}"`);
  }
  const dir = baseUrl.pathname.endsWith('/') ? baseUrl.pathname : baseUrl.pathname.replace(/[^/]*$/, '');
  const seen = new Set<string>();
  for (const m of html.matchAll(/<a\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))/gi)) {
    const href = decodeHtml((m[1] ?? m[2] ?? m[3] ?? '').trim());
    let u: URL;
    try {
      u = new URL(href, baseUrl);
    } catch {
      continue;
    }
    if (u.origin !== baseUrl.origin || !u.pathname.startsWith(dir) || !/\.rpm$/i.test(u.pathname)) continue;
    let rel: string;
    try {
      rel = decodeURIComponent(u.pathname.slice(dir.length));
    } catch {
      continue;
    }
    const parts = rel.split('/');
    if (rel === '' || parts.some((p) => p === '' || p === '.' || p === '..') || /[\u0000-\u001f\u007f]/.test(rel)) continue;
    seen.add(rel);
  }
  return [...seen];
}

// ---------------------------------------------------------------- loading

/** Fetches a repository's package list: repodata/ if it has one, else yum 2.0's
 * headers/, else the .rpm files its directory listing links to (each downloaded and
 * read: slow). Source packages are left out. */
export async function loadRepository(baseUrl: string, o: LoadOptions): Promise<RepoPackage[]> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  if (!/^https?:\/\//.test(base)) throw new ZoneError('install-failed', `repository ${printable(baseUrl)}: not an http or https URL`, { zone: o.zone });
  const missed: string[] = [];
  for (const shape of [fromRepodata, fromHeaders, fromListing]) {
    const got = await shape(base, o);
    if (got instanceof NotThere) {
      missed.push(got.why);
      continue;
    }
    return got.filter((p) => p.arch !== 'src' && p.arch !== 'nosrc');
  }
  throw new ZoneError('install-failed', `repository ${oneLine(base)} has no repodata/repomd.xml, no headers/header.info and no .rpm files listed (${missed.join('; ')})`, {
    zone: o.zone,
    hint: 'give the URL of the directory that holds repodata/ or headers/, or of a directory listing of .rpm files',
  });
}

/** A repository shape's first file is not on the server: try the next shape. */
class NotThere {
  constructor(readonly why: string) {}
}

/** A shape's first file, or NotThere if the server has no such file (HTTP 4xx). Any
 * other failure, and any failure of the files it leads to, is the repository's. */
async function fetchFirst(url: string, o: LoadOptions): Promise<Buffer | NotThere> {
  try {
    return readFileSync(await download(url, o));
  } catch (e) {
    if (e instanceof ZoneError && /failed: HTTP 4\d\d$/.test(e.message)) return new NotThere(e.message.replace(/^download of /, ''));
    throw e;
  }
}

async function fromRepodata(base: string, o: LoadOptions): Promise<RepoPackage[] | NotThere> {
  const repomdUrl = `${base}repodata/repomd.xml`;
  const bytes = await fetchFirst(repomdUrl, o);
  if (bytes instanceof NotThere) return bytes;
  const repomd = await parseRepomd(bytes.toString('utf8'), repomdUrl, o.zone);
  const { href, checksum, openChecksum } = repomd.primary;
  const url = resolveIn(base, href, repomdUrl, o.zone);
  const fail = failer(url, o.zone);
  const path = await download(url, { ...o, expected: checksum?.type === 'sha256' ? { sha256: checksum.value } : {} });
  const packed = readFileSync(path);
  if (checksum !== undefined) checkDigest(packed, checksum, fail);
  const xml = decompress(packed, fail, o.zone);
  if (openChecksum !== undefined) checkDigest(xml, openChecksum, fail, 'open-checksum (of the decompressed file)');
  const packages = await parsePrimary(xml.toString('utf8'), url, o.zone);
  o.emit({ type: 'phase', zone: o.zone, phase: 'metadata', message: `${packages.length} packages in ${base}` });
  return packages;
}

async function fromHeaders(base: string, o: LoadOptions): Promise<RepoPackage[] | NotThere> {
  const infoUrl = `${base}headers/header.info`;
  const bytes = await fetchFirst(infoUrl, o);
  if (bytes instanceof NotThere) return bytes;
  const list = parseHeaderInfo(bytes.toString('utf8'), infoUrl, o.zone);
  const unique = [...new Map(list.map((e) => [headerFileName(e), e])).values()];
  o.emit({ type: 'phase', zone: o.zone, phase: 'metadata', message: `reading ${unique.length} package headers from ${base}headers/` });
  const quiet = quietly(o);
  let done = 0;
  return mapLimit(unique, 8, async (e) => {
    const url = resolveIn(base, `headers/${headerFileName(e)}`, infoUrl, o.zone);
    const hdr = parseHeaderFile(readFileSync(await download(url, quiet)), url, o.zone);
    o.emit({ type: 'progress', zone: o.zone, phase: 'metadata', done: ++done, total: unique.length, unit: 'items' });
    return headerInfoPackage(e, hdr, url, o.zone);
  });
}

async function fromListing(base: string, o: LoadOptions): Promise<RepoPackage[] | NotThere> {
  const bytes = await fetchFirst(base, o);
  if (bytes instanceof NotThere) return bytes;
  const files = parseDirectoryListing(bytes.toString('utf8'), base).filter((f) => !/\.(no)?src\.rpm$/i.test(f));
  if (files.length === 0) return new NotThere(`${oneLine(base)} lists no .rpm files`);
  o.emit({ type: 'phase', zone: o.zone, phase: 'metadata', message: `no repository metadata at ${base}: reading its ${files.length} packages` });
  const quiet = quietly(o);
  let done = 0;
  return mapLimit(files, 4, async (f) => {
    const path = await download(resolveIn(base, f, base, o.zone), quiet);
    const p = await readRpm(path, { zone: o.zone, verify: true });
    const name = basename(path);
    const sha256 = /^[0-9a-f]{64}$/.test(name) ? name : crypto().createHash('sha256').update(readFileSync(path)).digest('hex');
    o.emit({ type: 'progress', zone: o.zone, phase: 'metadata', done: ++done, total: files.length, unit: 'items' });
    return repoPackageFromRpm(p, f, { type: 'sha256', value: sha256 }, statSync(path).size);
  });
}

/** For downloads made many at once: their own messages and byte counts would
 * interleave, so only the count of files done is reported. */
function quietly(o: LoadOptions): LoadOptions {
  const emit: Emit = (e) => {
    if (e.type === 'warning' || e.phase !== 'download') o.emit(e);
  };
  return { ...o, emit };
}

function resolveIn(base: string, href: string, from: string, zone: string): string {
  try {
    // An href is a path (createrepo writes "Packages/libstdc++-...rpm"), not an
    // escaped URL: escape what a URL would read otherwise.
    const u = /^https?:\/\//i.test(href)
      ? new URL(href)
      : new URL(
          href.replace(/[%#?\s]/g, (c) => encodeURIComponent(c)),
          base,
        );
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${u.protocol} is not http or https`);
    return u.toString();
  } catch (e) {
    throw failer(from, zone)(`bad location "${printable(href)}": ${errorText(e)}`);
  }
}

function checkDigest(bytes: Buffer, want: Checksum, fail: Fail, what = 'checksum'): void {
  const got = crypto().createHash(want.type).update(bytes).digest('hex');
  if (got !== want.value) throw fail(`does not match its ${want.type} ${what} in repomd.xml (expected ${want.value}, got ${got})`);
}

/** At most this much decompressed metadata (a CentOS 7 primary.xml is ~ 50 MB). */
const MAX_METADATA = 1 << 30;

function decompress(bytes: Buffer, fail: Fail, zone: string): Buffer {
  const kind = sniffCompression(bytes);
  if (kind === 'none') return bytes;
  if (kind === 'gzip') {
    try {
      return zlib().gunzipSync(bytes, { maxOutputLength: MAX_METADATA });
    } catch (e) {
      throw fail(`cannot decompress (gzip): ${errorText(e)}`);
    }
  }
  const tool = kind === 'bzip2' ? 'bzip2' : kind === 'xz' ? 'xz' : 'zstd';
  const r = spawnSync(tool, ['-dc'], { input: bytes, maxBuffer: MAX_METADATA });
  if (r.error !== undefined) {
    if (errnoCode(r.error) === 'ENOENT') {
      throw new ZoneError('host-missing', `${tool} is needed to decompress the repository metadata but is not installed`, { zone, hint: `install the host's ${tool} package` });
    }
    throw fail(`cannot decompress (${kind}): ${errorText(r.error)}`);
  }
  if (r.status !== 0) throw fail(`cannot decompress (${kind}): ${tool} says ${oneLine(r.stderr.toString('utf8')) || `status ${r.status}`}`);
  return r.stdout;
}

/** `fn` over `items`, at most `limit` at once, results in order; the first failure
 * rejects (the others still running finish first, unobserved). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  const settled = await Promise.allSettled(workers);
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (bad !== undefined) throw bad.reason;
  return out;
}
