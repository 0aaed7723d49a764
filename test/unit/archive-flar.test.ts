// Flash archives built by hand (cookie, identification, a user section to skip, then
// the files as cpio or pax, plain or compress(1)ed) give back their identification and
// their entries; archives an installer cannot use are refused before any entry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ZoneError } from '../../src/core/errors.js';
import { extractFlar, isFlar } from '../../src/install/archive/flar.js';
import type { Entry } from '../../src/install/writer.js';
import { rejectsInTime } from './fixtures/expect-error.js';

function sh(script: string, cwd?: string, input?: Buffer): Buffer {
  const r = spawnSync('sh', ['-ec', script], { cwd, input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr.toString()}`);
  return r.stdout;
}

const tmp = mkdtempSync(join(tmpdir(), 'zonectl-flar-'));
sh('mkdir -p etc usr/bin && ln -s ../usr/bin bin', tmp);
writeFileSync(join(tmp, 'etc/release'), 'Oracle Solaris 10 8/11 s10x_u10wos_17b X86\n');
writeFileSync(join(tmp, 'usr/bin/ls'), Buffer.alloc(70000, 7));
sh("find . -exec touch -h -d '2011-08-01 00:00:00 UTC' {} +", tmp);

const cpio = sh('find . | cpio -o --quiet -H newc', tmp);
const pax = sh('tar --format=pax -cf - .', tmp);

const IDENT = [
  'archive_id=0c6b2fa4e1d3f5a7b9c8d7e6f5a4b3c2',
  'files_archived_method=cpio',
  'creation_date=20110801000000',
  'creation_master=s10-master',
  'content_name=s10 web tier',
  'content_architectures=i86pc',
  'files_compressed_method=none',
];

/** A flash archive: the cookie, `sections` as given, and the payload after the
 * archive section's begin line (left out when `payload` is undefined). */
function flar(sections: string[], payload: Buffer | undefined, cookie = 'FlAsH-aRcHiVe-2.0'): Buffer {
  const head = [cookie, ...sections, ...(payload === undefined ? [] : ['section_begin=archive'])].join('\n') + '\n';
  return Buffer.concat([Buffer.from(head), payload ?? Buffer.alloc(0)]);
}

const ident = (lines: string[]): string[] => ['section_begin=identification', ...lines, 'section_end=identification'];
const user = ['section_begin=Xfoo', 'c29tZSBiYXNlNjQ=', 'x'.repeat(200_000), 'section_end=Xfoo_not_yet', 'section_end=Xfoo'];

interface Got {
  entry: Entry;
  sha256?: string;
}

async function read(buf: Buffer): Promise<{ id: Record<string, string>; got: Got[] }> {
  const got: Got[] = [];
  // Small chunks: the payload starts mid-chunk and headers straddle chunks.
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 1000) parts.push(buf.subarray(i, i + 1000));
  const id = await extractFlar(
    Readable.from(parts),
    async (entry, content) => {
      if (content === undefined) return void got.push({ entry });
      const h = createHash('sha256');
      for await (const c of content) h.update(c);
      got.push({ entry, sha256: h.digest('hex') });
    },
    'test.flar',
    'z',
  );
  return { id, got };
}

function summary(got: Got[]): string[] {
  return got
    .map(({ entry: e, sha256 }) => {
      const what = e.type === 'symlink' || e.type === 'hardlink' ? e.target : e.type === 'file' ? `${e.size} ${sha256?.slice(0, 12)}` : '';
      return `${e.path.replace(/^\.\//, '').replace(/\/$/, '') || '.'} ${e.type} ${what} ${e.mtime.toISOString()}`.trim();
    })
    .sort();
}

const sha12 = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 12);
const WANT = [
  '. directory  2011-08-01T00:00:00.000Z',
  'bin symlink ../usr/bin 2011-08-01T00:00:00.000Z',
  'etc directory  2011-08-01T00:00:00.000Z',
  `etc/release file 43 ${sha12(Buffer.from('Oracle Solaris 10 8/11 s10x_u10wos_17b X86\n'))} 2011-08-01T00:00:00.000Z`,
  'usr directory  2011-08-01T00:00:00.000Z',
  'usr/bin directory  2011-08-01T00:00:00.000Z',
  `usr/bin/ls file 70000 ${sha12(Buffer.alloc(70000, 7))} 2011-08-01T00:00:00.000Z`,
];

test('a cpio flash archive: identification parsed, user section skipped, files read', async () => {
  const buf = flar([...ident(IDENT), ...user], cpio);
  assert.ok(isFlar(buf));
  const { id, got } = await read(buf);
  assert.is(id.content_name, 's10 web tier');
  assert.is(id.creation_master, 's10-master');
  assert.is(id.files_archived_method, 'cpio');
  assert.is(Object.keys(id).length, IDENT.length);
  assert.equal(summary(got), WANT);
});

test('pax payloads and defaults: no method keys means cpio, uncompressed', async () => {
  const bare = ['content_name=bare'];
  assert.equal(summary((await read(flar(ident(bare), cpio))).got), WANT);
  const paxed = await read(flar([...user, ...ident([...bare, 'files_archived_method=pax'])], pax));
  assert.equal(summary(paxed.got), WANT);
});

test('compress(1)ed payloads are read through gzip -dc', async () => {
  const z = sh('compress -c', undefined, cpio);
  assert.equal([...z.subarray(0, 2)], [0x1f, 0x9d], 'LZW magic');
  const lines = IDENT.map((l) => (l.startsWith('files_compressed_method=') ? 'files_compressed_method=compress' : l));
  assert.equal(summary((await read(flar(ident(lines), z))).got), WANT);
  // Damaged LZW data is an error, not a short archive taken as whole.
  const bad = await rejects(read(flar(ident(lines), z.subarray(0, 200))));
  assert.match(bad.message, /^test\.flar: /);
});

/** The one-line install-failed ZoneError `p` fails with, within 5 s, naming the file. */
async function rejects(p: Promise<unknown>): Promise<ZoneError> {
  const e = await rejectsInTime(p, 'install-failed');
  assert.ok(e.message.startsWith('test.flar: '), e.message);
  return e;
}

test('refusals: no cookie, root pool, no archive section, unclosed sections, bad keys', async () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.concat([Buffer.from('section_begin=identification\n'), cpio]), /not a flash archive/],
    [flar(ident(IDENT), cpio, 'FlAsH-aRcHiVe-two'), /not a flash archive/],
    [Buffer.alloc(0), /not a flash archive/],
    [flar(ident([...IDENT, 'rootpool=rpool']), cpio), /a ZFS root pool archive cannot install a zone/],
    [flar([...ident(IDENT), ...user], undefined), /no archive section/],
    [flar(['section_begin=identification', ...IDENT], undefined), /section "identification" is never closed/],
    [flar([...ident(IDENT), ...user.slice(0, -1), 'section_begin=archive'], cpio), /section "Xfoo" is never closed/],
    [flar(ident(IDENT.filter((l) => !l.startsWith('content_name='))), cpio), /no content_name/],
    [flar(ident([...IDENT, 'files_archived_method=ufsdump']), cpio), /files archived with "ufsdump"/],
    [flar(ident([...IDENT, 'files_compressed_method=bzip2']), cpio), /files compressed with "bzip2"/],
    [flar(ident([...IDENT, 'not a key value line']), cpio), /is not key=value/],
    [flar(['section_begin=Xfoo', 'section_end=Xfoo'], cpio), /no identification section/],
    [flar(ident(IDENT), Buffer.from('garbage, not cpio')), /not a cpio archive/],
    [flar(ident(IDENT), cpio.subarray(0, 5000)), /ends inside this entry/],
  ];
  for (const [buf, why] of cases) {
    const entries: string[] = [];
    const p = extractFlar(Readable.from([buf]), async (e) => void entries.push(e.path), 'test.flar', 'z');
    assert.match((await rejects(p)).message, why);
    // Only a damaged payload can have let entries through; a refusal comes first.
    if (!/cpio|ends inside/.test(why.source)) assert.equal(entries, [], `${why}: nothing before the refusal`);
  }
  assert.not.ok(isFlar(cpio));
  assert.not.ok(isFlar(Buffer.from('FlAsH')));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
