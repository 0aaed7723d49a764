// Paths inside a zone root, resolved as the zone sees them (the root is "/", symlinks
// never lead out), and the little ELF reading install does on what it finds there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf } from '../../src/install/elf.js';
import { resolveInRoot } from '../../src/install/root-path.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

let dir = '';
let root = '';
test.before.each(() => {
  dir = makeTempDir();
  root = join(dir, 'root');
  // A small userland: /usr merged, busybox in /bin, an /etc with passwd.
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'etc', 'home/alice', 'var']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'usr/bin/busybox'), 'busybox');
  writeFileSync(join(root, 'etc/passwd'), 'zone passwd');
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('/usr/sbin', join(root, 'sbin'));
  symlinkSync('busybox', join(root, 'usr/bin/sh'));
  symlinkSync('/bin/busybox', join(root, 'usr/sbin/init'));
  // Host-like files next to the root that must never be reached.
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/passwd'), 'HOST passwd');
});
test.after.each(() => {
  removeTempDir(dir);
});

test('plain paths resolve under the root, with or without a leading /', async () => {
  assert.is(await resolveInRoot(root, '/etc/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, 'etc/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, '/'), root);
  assert.is(await resolveInRoot(root, '/home/alice/'), join(root, 'home/alice'));
  assert.is(await resolveInRoot(root, '//etc/./passwd'), join(root, 'etc/passwd'));
});

test('relative symlinks are followed from their own directory', async () => {
  assert.is(await resolveInRoot(root, '/bin/sh'), join(root, 'usr/bin/busybox'));
  assert.is(await resolveInRoot(root, '/usr/bin/sh'), join(root, 'usr/bin/busybox'));
});

test("absolute symlinks are followed from the zone root, not the host's", async () => {
  assert.is(await resolveInRoot(root, '/sbin/init'), join(root, 'usr/bin/busybox'));
  assert.is(await resolveInRoot(root, '/usr/sbin/init'), join(root, 'usr/bin/busybox'));
});

test('a symlink to /../../etc/passwd resolves inside the root', async () => {
  symlinkSync('/../../etc/passwd', join(root, 'var/evil'));
  const r = await resolveInRoot(root, '/var/evil');
  assert.is(r, join(root, 'etc/passwd'));
});

test('a relative symlink with more .. than depth stops at the root', async () => {
  symlinkSync('../../../../../../etc/passwd', join(root, 'home/alice/evil'));
  assert.is(await resolveInRoot(root, '/home/alice/evil'), join(root, 'etc/passwd'));
});

test('.. in the asked path does not leave the root', async () => {
  assert.is(await resolveInRoot(root, '/../etc/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, '../../../etc/passwd'), join(root, 'etc/passwd'));
});

test('a symlinked directory in the middle of the path is followed, inside the root', async () => {
  symlinkSync('/', join(root, 'var/slash'));
  symlinkSync('../..', join(root, 'home/alice/up'));
  assert.is(await resolveInRoot(root, '/var/slash/etc/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, '/home/alice/up/up/etc/passwd'), undefined, 'up only exists in home/alice');
  assert.is(await resolveInRoot(root, '/home/alice/up/etc/passwd'), join(root, 'etc/passwd'));
});

test('what resolves is never outside the root', async () => {
  symlinkSync(join(dir, 'etc'), join(root, 'var/hostetc')); // the host's absolute path, read in the zone
  const r = await resolveInRoot(root, '/var/hostetc/passwd');
  assert.ok(r === undefined || r.startsWith(`${root}/`), `stays inside: ${r}`);
  assert.is(r, undefined, `${dir}/etc does not exist inside the zone`);
});

test('missing paths are undefined', async () => {
  assert.is(await resolveInRoot(root, '/etc/shadow'), undefined);
  assert.is(await resolveInRoot(root, '/nope/x'), undefined);
  assert.is(await resolveInRoot(root, '/etc/passwd/x'), undefined, 'through a file');
  symlinkSync('/does/not/exist', join(root, 'var/dangling'));
  assert.is(await resolveInRoot(root, '/var/dangling'), undefined);
});

test('symlink loops are undefined, not a hang', async () => {
  symlinkSync('loop-b', join(root, 'var/loop-a'));
  symlinkSync('loop-a', join(root, 'var/loop-b'));
  symlinkSync('self', join(root, 'var/self'));
  symlinkSync('/var/dirloop/x', join(root, 'var/dirloop'));
  assert.is(await resolveInRoot(root, '/var/loop-a'), undefined);
  assert.is(await resolveInRoot(root, '/var/self'), undefined);
  assert.is(await resolveInRoot(root, '/var/dirloop/y'), undefined);
});

test('a long but finite chain within the hop limit resolves', async () => {
  let prev = '/etc/passwd';
  for (let i = 0; i < 30; i++) {
    symlinkSync(prev, join(root, `var/c${i}`));
    prev = `/var/c${i}`;
  }
  assert.is(await resolveInRoot(root, prev), join(root, 'etc/passwd'));
});

test('.. after a symlinked directory in the asked path goes up from the target, as in the zone', async () => {
  mkdirSync(join(root, 'a/b'), { recursive: true });
  writeFileSync(join(root, 'a/f'), 'f');
  symlinkSync('a/b', join(root, 'lnk'));
  assert.is(await resolveInRoot(root, '/lnk/../f'), join(root, 'a/f'));
  // home/alice/up -> ../.. is the root; two more .. stay there.
  symlinkSync('../..', join(root, 'home/alice/up'));
  assert.is(await resolveInRoot(root, '/home/alice/up/../../etc/passwd'), join(root, 'etc/passwd'));
});

// --- ELF -------------------------------------------------------------------------

test('readElf: /usr/bin/busybox is a static x64 binary', async () => {
  assert.equal(await readElf('/usr/bin/busybox'), { arch: 'x64', static: true });
});

test('readElf: /bin/ls is a dynamic x64 binary (it has an interpreter)', async () => {
  assert.equal(await readElf('/bin/ls'), { arch: 'x64', static: false });
});

test('readElf: not ELF, too short or missing is undefined', async () => {
  writeFileSync(join(dir, 'script'), '#!/bin/sh\necho hi\n');
  writeFileSync(join(dir, 'short'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
  writeFileSync(join(dir, 'empty'), '');
  assert.is(await readElf(join(dir, 'script')), undefined);
  assert.is(await readElf(join(dir, 'short')), undefined);
  assert.is(await readElf(join(dir, 'empty')), undefined);
  assert.is(await readElf(join(dir, 'missing')), undefined);
});

test('readElf: a directory is undefined, not an EISDIR error', async () => {
  assert.is(await readElf(dir), undefined);
});

/** A minimal 32-bit little-endian ELF: header plus program headers of the given types. */
function elf32(machine: number, phTypes: number[]): Buffer {
  const ehsize = 52;
  const phentsize = 32;
  const b = Buffer.alloc(ehsize + phentsize * phTypes.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 1; // ELFCLASS32
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeUInt32LE(ehsize, 28); // e_phoff
  b.writeUInt16LE(ehsize, 40);
  b.writeUInt16LE(phentsize, 42);
  b.writeUInt16LE(phTypes.length, 44);
  phTypes.forEach((t, i) => b.writeUInt32LE(t, ehsize + i * phentsize));
  return b;
}

test('readElf: a 32-bit i386 userland binary, static and dynamic', async () => {
  writeFileSync(join(dir, 'static32'), elf32(3, [1, 1]));
  writeFileSync(join(dir, 'dynamic32'), elf32(3, [6, 3, 1])); // PT_PHDR, PT_INTERP, PT_LOAD
  assert.equal(await readElf(join(dir, 'static32')), { arch: 'ia32', static: true });
  assert.equal(await readElf(join(dir, 'dynamic32')), { arch: 'ia32', static: false });
});

test('readElf: an unknown machine is reported by number', async () => {
  writeFileSync(join(dir, 'weird'), elf32(9999, [1]));
  assert.equal(await readElf(join(dir, 'weird')), { arch: 'em-9999', static: true });
});

test("readElf through resolveInRoot: the zone's /bin/sh", async () => {
  const zroot = join(dir, 'zone');
  mkdirSync(join(zroot, 'usr/bin'), { recursive: true });
  writeFileSync(join(zroot, 'usr/bin/busybox'), elf32(3, [1]));
  symlinkSync('usr/bin', join(zroot, 'bin'));
  symlinkSync('/usr/bin/busybox', join(zroot, 'usr/bin/sh'));
  const sh = await resolveInRoot(zroot, '/bin/sh');
  assert.is(sh, join(zroot, 'usr/bin/busybox'));
  assert.equal(await readElf(sh as string), { arch: 'ia32', static: true }, "the zone's busybox, not the host's");
});

test.run();
