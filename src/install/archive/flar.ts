// Solaris flash archives (flar, flash_archive(4)): a cookie line, text sections between
// section_begin=<name> and section_end=<name>, and last the "archive" section, whose
// remainder is the files as a cpio or pax (tar) stream, possibly compress(1)ed.
import { Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import { throughProgram } from './decompress.js';
import { printable } from '../../core/zone.js';
import { ByteReader, extractCpio } from './cpio.js';
import { extractTar, type EntrySink } from './tar.js';

/** The identification section's key=value lines; content_name is always there. */
export type FlarIdentification = Record<string, string>;

const COOKIE_PREFIX = 'FlAsH-aRcHiVe-';
const COOKIE = /^FlAsH-aRcHiVe-\d+\.\d+$/;
/** Identification lines are short; other sections' lines are only compared with their
 * end marker, so longer ones are skipped without being held. */
const MAX_LINE = 64 * 1024;

/** A flash archive, by its cookie (file(1) looks for the same bytes). */
export function isFlar(head: Buffer): boolean {
  return head.toString('latin1', 0, COOKIE_PREFIX.length) === COOKIE_PREFIX;
}

type Fail = (why: string) => ZoneError;

/** key=value lines up to section_end=identification. */
async function readIdentification(r: ByteReader, fail: Fail): Promise<FlarIdentification> {
  const id: FlarIdentification = {};
  for (;;) {
    const line = await r.readLine(MAX_LINE);
    if (line === undefined) throw fail('section "identification" is never closed (no section_end=identification)');
    if (line.text === 'section_end=identification') return id;
    if (line.text === '') continue;
    const eq = line.text.indexOf('=');
    if (eq <= 0 || line.long) throw fail(`identification line "${printable(line.text)}" is not key=value`);
    id[line.text.slice(0, eq)] = line.text.slice(eq + 1);
  }
}

/** Skips a section this installer has no use for (user "X" sections, summary, ...). */
async function skipSection(r: ByteReader, name: string, fail: Fail): Promise<void> {
  const end = `section_end=${name}`;
  for (;;) {
    const line = await r.readLine(end.length + 1);
    if (line === undefined) throw fail(`section "${printable(name)}" is never closed (no ${printable(end)})`);
    if (!line.long && line.text === end) return;
  }
}

/** Reads the cookie and the sections, leaving the reader at the archive section's
 * payload; returns the identification. */
async function readSections(r: ByteReader, fail: Fail): Promise<FlarIdentification> {
  const cookie = await r.readLine(64);
  if (cookie === undefined || cookie.long || !COOKIE.test(cookie.text)) {
    throw fail('not a flash archive (its first line is not a FlAsH-aRcHiVe-<major>.<minor> cookie)');
  }
  let id: FlarIdentification | undefined;
  for (;;) {
    const line = await r.readLine(MAX_LINE);
    if (line === undefined) throw fail('no archive section (section_begin=archive): the archive holds no files');
    if (line.text === '') continue;
    const m = /^section_begin=(.+)$/.exec(line.text);
    if (m === null || line.long) throw fail(`unexpected line outside any section: "${printable(line.text)}"`);
    const name = m[1] as string;
    if (name === 'archive') break;
    if (name === 'identification') id = await readIdentification(r, fail);
    else await skipSection(r, name, fail);
  }
  if (id === undefined) throw fail('no identification section before the archive section');
  return id;
}

/** Refuses what this installer cannot unpack, before any file is written. */
function checkIdentification(id: FlarIdentification, fail: Fail): { method: 'cpio' | 'pax'; compressed: boolean } {
  if (id.content_name === undefined || id.content_name === '') throw fail('identification has no content_name');
  if (id.rootpool !== undefined) throw fail('a ZFS root pool archive cannot install a zone');
  const method = id.files_archived_method ?? 'cpio';
  if (method !== 'cpio' && method !== 'pax') throw fail(`files archived with "${printable(method)}", not cpio or pax`);
  const comp = id.files_compressed_method ?? 'none';
  if (comp !== 'none' && comp !== 'compress') throw fail(`files compressed with "${printable(comp)}", not compress or none`);
  return { method, compressed: comp === 'compress' };
}

/** compress(1)ed (LZW, .Z) data made plain by `gzip -dc`, which reads that format too. */
function uncompress(input: Readable, source: string, zone: string): Readable {
  return throughProgram(input, ['gzip', '-dc'], {
    missing: () => new ZoneError('host-missing', `${source}: its files are compress(1)ed and the host has no gzip to read them`, { zone, hint: 'apt-get install gzip' }),
    failed: (why) => new ZoneError('install-failed', `${source}: uncompressing the archive section failed: ${why}`, { zone }),
  });
}

/** Reads a flash archive from `input` into `sink` and returns its identification.
 * Refusals (no cookie, unclosed or missing sections, a root pool archive, a method
 * other than cpio or pax) come before any entry reaches the sink. */
export async function extractFlar(input: Readable, sink: EntrySink, source: string, zone: string): Promise<FlarIdentification> {
  const fail: Fail = (why) => new ZoneError('install-failed', `${source}: ${why}`, { zone });
  const r = new ByteReader(input);
  try {
    const id = await readSections(r, fail);
    const { method, compressed } = checkIdentification(id, fail);
    const raw = Readable.from(r.rest(), { objectMode: false });
    const payload = compressed ? uncompress(raw, source, zone) : raw;
    if (method === 'cpio') await extractCpio(payload, sink, source, zone);
    else await extractTar(payload, sink, source, zone);
    return id;
  } catch (e) {
    input.destroy();
    if (e instanceof ZoneError) throw e;
    throw fail(e instanceof Error ? e.message : String(e));
  }
}
