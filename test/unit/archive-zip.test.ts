// Zip archives made by Info-ZIP zip are read back as the tree they were made from:
// names, types, modes (set-id bits too), owners, times, link targets and bytes; and
// what cannot be read (corrupt, encrypted, bzip2) is refused with a one-line error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZoneError } from '../../src/core/errors.js';
import { extractZip, isZip } from '../../src/install/archive/zip.js';
import type { EntrySink } from '../../src/install/archive/tar.js';
import { ConfinedWriter, DEFAULT_LIMITS, type Entry } from '../../src/install/writer.js';

if (spawnSync('zip', ['-v']).status !== 0) throw new Error('these tests need Info-ZIP zip (Debian: apt-get install zip)');

const asRoot = process.getuid?.() === 0;

interface Seen {
  type: Entry['type'];
  mode: number;
  uid: number;
  gid: number;
  mtime: number; // seconds
  target?: string;
  sha256?: string;
}

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync('sh', ['-c', cmd], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The tree below `dir` as zip should record it (names without a trailing "/"). */
async function tree(dir: string, prefix = ''): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    const rel = prefix + name;
    const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      out.set(rel, { type: 'directory', ...base });
      for (const [k, v] of await tree(p, `${rel}/`)) out.set(k, v);
    } else if (st.isSymbolicLink()) {
      out.set(rel, { type: 'symlink', ...base, target: await readlink(p) });
    } else {
      out.set(rel, { type: 'file', ...base, sha256: sha(await readFile(p)) });
    }
  }
  return out;
}

/** Runs extractZip into a recording sink. */
async function record(zip: string): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  const sink: EntrySink = async (e, content) => {
    const seen: Seen = { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: Math.floor(e.mtime.getTime() / 1000) };
    if (e.type === 'symlink') seen.target = e.target;
    if (e.type === 'file') {
      assert.ok(content !== undefined, `${e.path}: a file comes with its content`);
      const h = createHash('sha256');
      let n = 0;
      for await (const chunk of content) {
        h.update(chunk);
        n += chunk.length;
      }
      assert.is(n, e.size, `${e.path}: size`);
      seen.sha256 = h.digest('hex');
    } else {
      assert.is(content, undefined, `${e.path}: no content`);
    }
    out.set(e.path.replace(/\/$/, ''), seen);
  };
  await extractZip(zip, sink, zip, 'z1');
  return out;
}

/** Fails with the error rather than hanging when extraction never settles. */
async function failure(zip: string, sink?: EntrySink): Promise<ZoneError> {
  const drain: EntrySink = async (_e, content) => {
    if (content !== undefined) for await (const _ of content) void _;
  };
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`${zip}: extraction hung`)), 10_000).unref());
  try {
    await Promise.race([extractZip(zip, sink ?? drain, zip, 'z1'), timeout]);
  } catch (e) {
    assert.instance(e, ZoneError, String(e));
    const ze = e as ZoneError;
    assert.is(ze.code, 'install-failed');
    assert.is(ze.zone, 'z1');
    assert.not.ok(ze.message.includes('\n'), `one line: ${ze.message}`);
    assert.ok(ze.message.startsWith(`${zip}: `), ze.message);
    return ze;
  }
  throw new Error(`${zip}: extracted without an error`);
}

let work = '';
let src = '';

test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'zonectl-zip-'));
  src = join(work, 'src');
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(src, 'empty'), '');
  await writeFile(join(src, 'random.bin'), randomBytes(300 * 1024));
  await writeFile(join(src, 'text.txt'), 'zonectl '.repeat(40_000)); // compresses: deflated
  await writeFile(join(src, 'script.sh'), '#!/bin/sh\necho hi\n');
  await writeFile(join(src, 'suid'), 'x');
  await writeFile(join(src, 'secret'), 'y');
  await writeFile(join(src, 'dated'), 'old');
  await writeFile(join(src, 'owned'), 'mine');
  await writeFile(join(src, 'sub', 'inner.txt'), 'inner');
  await symlink('random.bin', join(src, 'link'));
  await symlink('../script.sh', join(src, 'sub', 'up'));
  sh(
    [
      'chmod 0755 script.sh',
      'chmod 0600 secret',
      'chmod 4755 suid',
      'chmod 0750 sub',
      "touch -d '2019-07-08 09:10:11 UTC' dated",
      ...(asRoot ? ['chown 1234:2345 owned', 'chown -h 1234:2345 sub/up'] : []),
      // Directory times last: adding entries changed them.
      "touch -d '2020-01-02 03:04:05 UTC' sub/deeper sub",
    ].join(' && '),
    src,
  );
});

test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('isZip: a local file header, or an empty archive', () => {
  assert.ok(isZip(Buffer.from('PK\x03\x04rest')));
  assert.ok(isZip(Buffer.from('PK\x05\x06' + '\0'.repeat(18))));
  assert.not.ok(isZip(Buffer.from('PK\x01\x02')));
  assert.not.ok(isZip(Buffer.from('PK')));
  assert.not.ok(isZip(Buffer.alloc(512)));
});

test('an Info-ZIP archive reads back as the tree it was made from', async () => {
  const zip = join(work, 'full.zip');
  sh(`zip -qry ${zip} .`, src);
  const want = await tree(src);
  const got = await record(zip);
  assert.equal([...got.keys()].sort(), [...want.keys()].sort(), 'names');
  for (const [name, w] of want) assert.equal(got.get(name), w, name);
  assert.is(got.get('suid')?.mode, 0o4755);
  assert.is(got.get('secret')?.mode, 0o600);
  assert.is(got.get('script.sh')?.mode, 0o755);
  assert.is(got.get('link')?.target, 'random.bin');
  assert.is(got.get('dated')?.mtime, Date.UTC(2019, 6, 8, 9, 10, 11) / 1000, 'extended timestamp: to the second');
  if (asRoot) assert.equal([got.get('owned')?.uid, got.get('owned')?.gid], [1234, 2345], 'owner from the "ux" field');
});

test('through the confined writer, the tree is rebuilt', async () => {
  const zip = join(work, 'full.zip');
  const root = join(work, 'root');
  await mkdir(root);
  const writer = new ConfinedWriter(root, { zone: 'z1', limits: DEFAULT_LIMITS, asRoot, source: zip });
  await extractZip(zip, (e, c) => writer.write(e, c), zip, 'z1');
  const totals = await writer.finish();
  const want = await tree(src);
  assert.is(totals.entries, want.size);
  const got = await tree(root);
  if (!asRoot) for (const m of [want, got]) for (const v of m.values()) (v.uid = 0), (v.gid = 0);
  assert.equal(got, want);
});

test('zip64 (zip -fz) and a comment after the end record', async () => {
  const zip = join(work, 'z64.zip');
  const comment = join(work, 'comment');
  await writeFile(comment, 'a comment, long enough that an 80-byte tail search misses the end record\n');
  sh(`zip -qryz -fz ${zip} . < ${comment}`, src);
  const bytes = await readFile(zip);
  assert.ok(bytes.includes(Buffer.from('PK\x06\x06', 'latin1')), 'zip64 end of central directory record');
  assert.ok(bytes.subarray(-200).includes(Buffer.from('80-byte tail')), 'the comment');
  assert.equal(await record(zip), await tree(src));
});

test('a stream zipped from stdin (data descriptor, zip64 local header)', async () => {
  const zip = join(work, 'stdin.zip');
  sh(`cat random.bin | zip -q ${zip} -`, src);
  const got = await record(zip);
  const data = await readFile(join(src, 'random.bin'));
  assert.is(got.get('-')?.type, 'file', 'recorded with a FIFO mode: read as a file, as unzip does');
  assert.is(got.get('-')?.sha256, sha(data));
});

test('zip -X (no extra fields): DOS times in local time, owners 0', async () => {
  const zip = join(work, 'plain.zip');
  const tz = process.env.TZ;
  try {
    // An even second: DOS times have 2-second steps.
    process.env.TZ = 'America/New_York';
    sh(`touch -d '2018-05-06 07:08:10' dated && zip -qryX ${zip} dated sub`, src, { ...process.env, TZ: 'America/New_York' });
    const got = await record(zip);
    assert.is(got.get('dated')?.mtime, Date.UTC(2018, 4, 6, 11, 8, 10) / 1000, 'local (EDT) time, not UTC');
    assert.equal([got.get('sub/up')?.uid, got.get('sub/up')?.gid], [0, 0]);
    assert.is(got.get('sub')?.mode, 0o750, 'modes still come from the external attributes');
    assert.is(got.get('sub/up')?.target, '../script.sh');
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    sh("touch -d '2019-07-08 09:10:11 UTC' dated && touch -d '2020-01-02 03:04:05 UTC' sub", src);
  }
});

test('without Unix attributes (made on DOS): default modes, links are files', async () => {
  const zip = join(work, 'dos.zip');
  sh(`zip -qryX ${zip} script.sh sub`, src);
  const bytes = await readFile(zip);
  // "Version made by", high byte: 3 (Unix) to 0 (MS-DOS), in every central header.
  for (let i = bytes.indexOf('PK\x01\x02', 0, 'latin1'); i >= 0; i = bytes.indexOf('PK\x01\x02', i + 4, 'latin1')) bytes[i + 5] = 0;
  await writeFile(zip, bytes);
  const got = await record(zip);
  assert.equal([...got].map(([k, v]) => [k, v.type, v.mode, v.uid, v.gid]).sort(), [
    ['script.sh', 'file', 0o644, 0, 0],
    ['sub', 'directory', 0o755, 0, 0],
    ['sub/deeper', 'directory', 0o755, 0, 0],
    ['sub/inner.txt', 'file', 0o644, 0, 0],
    ['sub/up', 'file', 0o644, 0, 0],
  ]);
  assert.is(got.get('sub/up')?.sha256, sha(Buffer.from('../script.sh')));
});

test('an empty archive has no entries', async () => {
  const zip = join(work, 'empty.zip');
  await writeFile(zip, Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]));
  assert.is((await record(zip)).size, 0);
});

test('corrupt archives: one-line errors, no hang', async () => {
  const zip = join(work, 'full.zip');
  const bytes = await readFile(zip);

  const cut = join(work, 'cut.zip');
  await writeFile(cut, bytes);
  await truncate(cut, Math.floor(bytes.length / 2));
  assert.match((await failure(cut)).message, /no end of central directory/);

  // The end record kept, the start gone: offsets point at the wrong bytes.
  const headless = join(work, 'headless.zip');
  await writeFile(headless, bytes.subarray(1000));
  await failure(headless);

  // A flipped byte in stored data: the CRC says so.
  const flipped = join(work, 'flipped.zip');
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from('random.bin', 'latin1')) + 2000;
  copy[at] = (copy[at] as number) ^ 0xff;
  await writeFile(flipped, copy);
  assert.match((await failure(flipped)).message, /entry "random\.bin": CRC-32 mismatch/);

  // Deflated data damaged.
  const mangled = join(work, 'mangled.zip');
  const copy2 = Buffer.from(bytes);
  const at2 = copy2.indexOf(Buffer.from('text.txt', 'latin1')) + 60;
  copy2.fill(0xff, at2, at2 + 200);
  await writeFile(mangled, copy2);
  assert.match((await failure(mangled)).message, /entry "text\.txt": /);

  const notZip = join(work, 'not.zip');
  await writeFile(notZip, 'hello');
  await failure(notZip);
});

test('encrypted entries are refused, naming the entry, before anything is written', async () => {
  const zip = join(work, 'enc.zip');
  sh(`zip -qX ${zip} empty && zip -qX -e -P secret ${zip} secret`, src);
  let written = 0;
  const err = await failure(zip, async () => {
    written++;
  });
  assert.match(err.message, /entry "secret": encrypted/);
  assert.is(written, 0);
});

test('compression methods other than store and deflate are refused', async () => {
  const zip = join(work, 'bz.zip');
  sh(`zip -qX -Z bzip2 ${zip} text.txt`, src);
  assert.match((await failure(zip)).message, /entry "text\.txt": unsupported compression method 12 \(bzip2\)/);
});

test('a sink that leaves content unread: extraction goes on, nothing stays open', async () => {
  const zip = join(work, 'full.zip');
  const fds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
  const before = await fds();
  const names: string[] = [];
  await extractZip(
    zip,
    async (e, content) => {
      names.push(e.path);
      if (content !== undefined) for await (const _ of content) break;
    },
    zip,
    'z1',
  );
  assert.is(names.length, (await tree(src)).size);
  await new Promise((r) => setTimeout(r, 50));
  assert.is(await fds(), before, 'file descriptors');
});

test('an error from the sink stops extraction unchanged', async () => {
  const zip = join(work, 'full.zip');
  const mine = new ZoneError('install-failed', `${zip}: entry "x": from the sink`, { zone: 'z1' });
  const err = await failure(zip, async () => {
    throw mine;
  });
  assert.is(err, mine);
});

test.run();
