// cpio archives made by GNU cpio (newc, crc, odc) from a real tree are read back entry
// by entry: names, types, modes, owners, times, link targets, devices and file bytes
// match the tree, hard links come as links to the name that carried the data, and
// damaged input (truncated, a crc sum that does not add up, garbage) is an error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ZoneError } from '../../src/core/errors.js';
import { cpioFormat, extractCpio } from '../../src/install/archive/cpio.js';
import { ConfinedWriter, DEFAULT_LIMITS, type Entry } from '../../src/install/writer.js';
import { rejectsInTime } from './fixtures/expect-error.js';

function sh(script: string, cwd?: string): Buffer {
  const r = spawnSync('sh', ['-ec', script], { cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr.toString()}`);
  return r.stdout;
}

const tmp = mkdtempSync(join(tmpdir(), 'zonectl-cpio-'));
const tree = join(tmp, 'tree');
const big = randomBytes(300 * 1024);

// The tree every archive is made from: odd modes, owners and times, every file type.
sh(`mkdir -p ${tree}/sub`);
writeFileSync(join(tree, 'a'), 'hello\n');
writeFileSync(join(tree, 'empty'), '');
writeFileSync(join(tree, 'big'), big);
writeFileSync(join(tree, 'sub/f'), 'x\n');
writeFileSync(join(tree, 'h1'), 'linked\n');
writeFileSync(join(tree, 'e1'), '');
sh(
  [
    'ln h1 h2',
    'ln e1 e2 && ln e1 sub/e3', // an empty file's links: no name carries data
    'ln -s ../a sub/link',
    'mkfifo ff',
    'mknod cdev c 4 66',
    'chmod 4755 a && chmod 600 big empty',
    'chown 1234:5678 sub/f && chown -h 42:43 sub/link',
    "find . -exec touch -h -d '2020-02-03 04:05:06 UTC' {} +",
    "touch -h -d '2001-02-03 04:05:06 UTC' a sub/link",
  ].join('\n'),
  tree,
);

function archive(format: string): Buffer {
  return sh(`find . | cpio -o --quiet -H ${format}`, tree);
}

/** `buf` as a stream of `size`-byte chunks, to cross every boundary a chunk can. */
function chunked(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

interface Got {
  entry: Entry;
  sha256?: string;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function read(input: Readable, opts: { drain?: boolean } = {}): Promise<Got[]> {
  const got: Got[] = [];
  await extractCpio(
    input,
    async (entry, content) => {
      if (content === undefined || opts.drain === false) {
        got.push({ entry });
        return;
      }
      const h = createHash('sha256');
      for await (const c of content) h.update(c);
      got.push({ entry, sha256: h.digest('hex') });
    },
    'test.cpio',
    'z',
  );
  return got;
}

/** What the archive must say about one path of the tree. */
function expected(path: string): Record<string, unknown> {
  const full = join(tree, path);
  const st = lstatSync(full);
  const meta = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isDirectory()) return { ...meta, type: 'directory' };
  if (st.isSymbolicLink()) return { ...meta, type: 'symlink', target: readlinkSync(full) };
  if (st.isFIFO()) return { ...meta, type: 'fifo' };
  if (st.isCharacterDevice()) return { ...meta, type: 'char-device', major: 4, minor: 66 };
  return { ...meta, type: 'file', size: st.size, sha256: sha(readFileSync(full)) };
}

function actual(g: Got): Record<string, unknown> {
  const { mtime, ...rest } = g.entry;
  const out: Record<string, unknown> = { ...rest, mtime: mtime.getTime() / 1000 };
  if (g.sha256 !== undefined) out.sha256 = g.sha256;
  return out;
}

function checkAgainstTree(got: Got[], format: string): void {
  const paths = sh('find .', tree)
    .toString()
    .trim()
    .split('\n')
    .map((p) => (p === '.' ? '.' : p.slice(2)));
  assert.equal(got.map((g) => g.entry.path).sort(), paths.sort(), `${format}: the same names`);
  const seen = new Map<string, Got>();
  for (const g of got) {
    const e = g.entry;
    const ino = lstatSync(join(tree, e.path)).ino;
    if (e.type === 'hardlink') {
      // A link names a file already given in full, with the same inode in the tree.
      const target = seen.get(e.target);
      assert.ok(target !== undefined && target.entry.type === 'file', `${format}: ${e.path} links to a file given before it`);
      assert.is(lstatSync(join(tree, e.target)).ino, ino, `${format}: ${e.path} and ${e.target} are one file`);
      const { type: _t, target: _x, ...own } = actual(g);
      const { type: _u, size: _s, sha256: _h, ...want } = expected(e.path);
      assert.equal(own, want, `${format}: ${e.path}`);
    } else {
      assert.equal(actual(g), expected(e.path), `${format}: ${e.path}`);
    }
    seen.set(e.path, g);
  }
  // Each group of links is written once, in full, and linked to otherwise.
  const files = (names: string[]) => got.filter((g) => names.includes(g.entry.path) && g.entry.type === 'file').length;
  assert.is(files(['h1', 'h2']), 1, `${format}: h1/h2 carried once`);
  assert.is(files(['e1', 'e2', 'sub/e3']), 1, `${format}: e1/e2/e3 carried once`);
}

for (const format of ['newc', 'crc', 'odc']) {
  test(`${format}: every entry matches the tree it was made from`, async () => {
    const buf = archive(format);
    assert.is(cpioFormat(buf), format);
    checkAgainstTree(await read(Readable.from([buf])), format);
    // Chunks that split headers, names and padding change nothing.
    checkAgainstTree(await read(chunked(buf, 997)), `${format} in 997-byte chunks`);
    checkAgainstTree(await read(chunked(buf, 3)), `${format} in 3-byte chunks`);
  });
}

test('newc: the name that carries the data is the file, the earlier names link to it', async () => {
  const got = await read(Readable.from([archive('newc')]));
  const names = got.map((g) => g.entry.path);
  const file = got.find((g) => (g.entry.path === 'h1' || g.entry.path === 'h2') && g.entry.type === 'file');
  const link = got.find((g) => (g.entry.path === 'h1' || g.entry.path === 'h2') && g.entry.type === 'hardlink');
  assert.ok(file !== undefined && link !== undefined);
  assert.equal(link.entry, { ...link.entry, type: 'hardlink', target: file.entry.path });
  assert.ok(names.indexOf(link.entry.path) > names.indexOf(file.entry.path), 'the link comes after the file');
  assert.is(file.sha256, sha(Buffer.from('linked\n')));
});

test('a sink that leaves a file unread still gets every later entry', async () => {
  const got = await read(Readable.from([archive('crc')]), { drain: false });
  assert.is(got.length, sh('find .', tree).toString().trim().split('\n').length);
});

test('strips a leading ./ and nothing else', async () => {
  const dir = mkdtempSync(join(tmp, 'names-'));
  sh('mkdir d && touch d/x', dir);
  const buf = sh("printf '%s\\n' ./d ./d/x d/x | cpio -o --quiet -H newc", dir);
  assert.equal(
    (await read(Readable.from([buf]))).map((g) => g.entry.path),
    ['d', 'd/x', 'd/x'],
  );
});

/** The one-line install-failed ZoneError `p` fails with, within 5 s (a hang fails). */
function rejects(p: Promise<unknown>): Promise<ZoneError> {
  return rejectsInTime(p, 'install-failed');
}

test('a truncated archive is an error naming where it ends, not a hang', async () => {
  for (const format of ['newc', 'odc']) {
    const buf = archive(format);
    const bigAt = buf.indexOf('big\0');
    const inBig = await rejects(read(chunked(buf.subarray(0, bigAt + 1000), 4096)));
    assert.match(inBig.message, /^test\.cpio: entry "big": .*ends inside/);
    // Cut just after the entry before the trailer: no header is damaged, the end is missing.
    const trailerAt = buf.lastIndexOf(format === 'odc' ? '070707' : '070701', buf.indexOf('TRAILER!!!'));
    const noTrailer = await rejects(read(Readable.from([buf.subarray(0, trailerAt)])));
    assert.match(noTrailer.message, /without its trailer/);
    for (const cut of [3, 50, 111, trailerAt + 20]) await rejects(read(Readable.from([buf.subarray(0, cut)])));
  }
});

test('crc: a flipped data byte is an error naming the entry', async () => {
  const buf = Buffer.from(archive('crc'));
  const at = buf.indexOf('big\0') + 4 + 1000;
  buf[at] = (buf[at] as number) ^ 0x40;
  const e = await rejects(read(Readable.from([buf])));
  assert.match(e.message, /^test\.cpio: entry "big": checksum mismatch/);
  // newc has no checksum: the same flip goes unnoticed there, by design.
});

test('garbage, an empty stream and old binary cpio are refused', async () => {
  assert.match((await rejects(read(Readable.from([Buffer.from('this is not a cpio archive at all, no')])))).message, /not a cpio archive/);
  assert.match((await rejects(read(Readable.from([randomBytes(4096)])))).message, /not a cpio archive/);
  assert.match((await rejects(read(Readable.from([])))).message, /not a cpio archive/);
  assert.match((await rejects(read(Readable.from([archive('bin')])))).message, /old binary cpio/);
  // A damaged header in the middle names the entry before it.
  const buf = Buffer.from(archive('newc'));
  const second = buf.indexOf('070701', 6);
  buf.write('0x', second + 20, 'latin1');
  assert.match((await rejects(read(Readable.from([buf])))).message, /damaged archive: the header after entry "\."/);
  assert.is(cpioFormat(Buffer.from('0707')), undefined);
  assert.is(cpioFormat(Buffer.from('070708')), undefined);
});

test('into the confined writer, the archive makes the same tree', async () => {
  const root = mkdtempSync(join(tmp, 'root-'));
  const w = new ConfinedWriter(root, { zone: 'z', limits: DEFAULT_LIMITS, asRoot: process.getuid?.() === 0, source: 'test.cpio' });
  await extractCpio(Readable.from([archive('newc')]), (e, c) => w.write(e, c), 'test.cpio', 'z');
  await w.finish();
  const list = (dir: string): string =>
    sh("find . -printf '%p %y %m %U %G %T@ %l %n\\n' | sort", dir)
      .toString()
      .replace(/(\.\d*)? (\S*) (\d+)$/gm, ' $2 $3'); // whole seconds
  assert.is(list(root), list(tree));
  assert.is(lstatSync(join(root, 'h1')).ino, lstatSync(join(root, 'h2')).ino);
  assert.is(sha(readFileSync(join(root, 'big'))), sha(big));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
