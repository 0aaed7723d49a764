// applyLayout writes a brand's skeleton or a recipe's files under a zone root, and
// only there: no path leaves the root, no symlink planted in the root is written through.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLinuxBrand } from '../../src/brands/brand.js';
import { applyLayout, substitute, type Layout } from '../../src/install/layout.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const VARS = { zone: 'web', hostname: 'web.example.com' };

let dir = '';
let root = '';
let outside = '';
test.before.each(() => {
  dir = makeTempDir();
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside, { mode: 0o755 });
});
test.after.each(() => {
  removeTempDir(dir);
});

const mode = (p: string): number => statSync(p).mode & 0o7777;

// --- what it makes -------------------------------------------------------------

test('makes directories, with modes where given (tmp 1777, root 0700)', async () => {
  await applyLayout(root, { dirs: ['etc', 'var/log', { path: 'tmp', mode: '1777' }, { path: 'root', mode: '0700' }, { path: 'var/spool', mode: '0755' }] }, VARS);
  for (const d of ['etc', 'var', 'var/log', 'tmp', 'root', 'var/spool']) assert.ok(statSync(join(root, d)).isDirectory(), d);
  assert.is(mode(join(root, 'tmp')), 0o1777);
  assert.is(mode(join(root, 'root')), 0o700);
  assert.is(mode(join(root, 'var/spool')), 0o755);
});

test('makes symlinks with the exact target, replacing what was there', async () => {
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/mtab'), 'old file');
  await applyLayout(root, { symlinks: { 'etc/mtab': '../proc/self/mounts', 'usr/bin/sh': '/bin/busybox' } }, VARS);
  assert.ok(lstatSync(join(root, 'etc/mtab')).isSymbolicLink());
  assert.is(readlinkSync(join(root, 'etc/mtab')), '../proc/self/mounts');
  assert.is(readlinkSync(join(root, 'usr/bin/sh')), '/bin/busybox');
});

test('writes files with %z and %h substituted, mode 0644 unless given', async () => {
  await applyLayout(
    root,
    {
      files: [
        { path: 'etc/hostname', content: '%h\n' },
        { path: 'etc/motd', content: 'zone %z on %h, 100%% sure\n' },
        { path: 'etc/shadow', content: 'root:*:19000::::::\n', mode: '0640' },
      ],
    },
    VARS,
  );
  assert.is(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'web.example.com\n');
  assert.is(readFileSync(join(root, 'etc/motd'), 'utf8'), 'zone web on web.example.com, 100% sure\n');
  assert.is(mode(join(root, 'etc/hostname')), 0o644);
  assert.is(mode(join(root, 'etc/shadow')), 0o640);
});

test('a file replaces an existing one (and a symlink in its place) instead of writing through it', async () => {
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(outside, 'passwd'), 'host secret\n');
  symlinkSync(join(outside, 'passwd'), join(root, 'etc/passwd'));
  writeFileSync(join(root, 'etc/group'), 'a very long old content that must go entirely\n');
  await applyLayout(
    root,
    {
      files: [
        { path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
        { path: 'etc/group', content: 'root:x:0:\n' },
      ],
    },
    VARS,
  );
  assert.is(readFileSync(join(outside, 'passwd'), 'utf8'), 'host secret\n', 'the host file is untouched');
  assert.not.ok(lstatSync(join(root, 'etc/passwd')).isSymbolicLink());
  assert.is(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  assert.is(readFileSync(join(root, 'etc/group'), 'utf8'), 'root:x:0:\n');
});

test('substitute: %z, %h and %% only', () => {
  assert.is(substitute('%z/%h/%%/%x/%', VARS), 'web/web.example.com/%/%x/%');
});

test("the sparse brand's skeleton applies cleanly", async () => {
  const sparse = await loadLinuxBrand('sparse');
  const skeleton = sparse.install.skeleton as Layout;
  await applyLayout(root, skeleton, VARS);
  assert.is(mode(join(root, 'tmp')), 0o1777);
  assert.is(mode(join(root, 'root')), 0o700);
  assert.is(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'web.example.com\n');
  assert.match(readFileSync(join(root, 'etc/hosts'), 'utf8'), /127\.0\.1\.1 web\.example\.com/);
  assert.is(readlinkSync(join(root, 'etc/mtab')), '../proc/self/mounts');
  assert.equal(readdirSync(outside), []);
});

// --- refusals ------------------------------------------------------------------

const ESCAPES: Array<[string, Layout]> = [
  ['a dir with ..', { dirs: ['../outside/x'] }],
  ['a dir that climbs back out', { dirs: ['etc/../../outside/x'] }],
  ['an absolute dir', { dirs: ['/etc/zonectl-test'] }],
  ['a dir object with ..', { dirs: [{ path: '../outside/x', mode: '0777' }] }],
  ['a symlink path with ..', { symlinks: { '../outside/link': '/etc/passwd' } }],
  ['an absolute symlink path', { symlinks: { '/tmp/zonectl-unit-link': 'x' } }],
  ['a file with ..', { files: [{ path: '../outside/passwd', content: 'x' }] }],
  ['a file with a deeper ..', { files: [{ path: 'etc/../../outside/passwd', content: 'x' }] }],
  ['an absolute file', { files: [{ path: '/etc/zonectl-unit-test', content: 'x' }] }],
];

for (const [what, layout] of ESCAPES) {
  test(`refuses ${what}, writing nothing outside`, async () => {
    const e = await rejectsZoneError(applyLayout(root, layout, VARS), 'invalid-file');
    assert.match(e.message, /leaves the zone root/);
    assert.equal(readdirSync(outside), []);
    assert.not.ok(existsSync('/etc/zonectl-unit-test'));
    assert.not.ok(existsSync('/etc/zonectl-test'));
    assert.not.ok(existsSync('/tmp/zonectl-unit-link'));
  });
}

test('refuses to write a file through a symlinked directory planted in the root', async () => {
  symlinkSync(outside, join(root, 'etc'));
  const e = await rejectsZoneError(applyLayout(root, { files: [{ path: 'etc/passwd', content: 'root::0:0::/:/bin/sh\n' }] }, VARS), 'install-failed');
  assert.match(e.message, /etc/);
  assert.match(e.message, /symlink/);
  assert.equal(readdirSync(outside), [], 'nothing written in the outside directory');
});

test('refuses files, dirs and symlinks under a planted symlink deeper in the tree', async () => {
  mkdirSync(join(root, 'var'));
  symlinkSync(outside, join(root, 'var/spool'));
  await rejectsZoneError(applyLayout(root, { files: [{ path: 'var/spool/cron/root', content: 'x' }] }, VARS), 'install-failed');
  await rejectsZoneError(applyLayout(root, { dirs: ['var/spool/cron'] }, VARS), 'install-failed');
  await rejectsZoneError(applyLayout(root, { symlinks: { 'var/spool/link': '/x' } }, VARS), 'install-failed');
  assert.equal(readdirSync(outside), []);
});

test('refuses a symlink planted higher up, however deep the write', async () => {
  symlinkSync(outside, join(root, 'usr'));
  await rejectsZoneError(applyLayout(root, { files: [{ path: 'usr/lib/x/y/z', content: 'x' }] }, VARS), 'install-failed');
  assert.equal(readdirSync(outside), []);
});

test('a relative symlink planted in the root that climbs out is refused too', async () => {
  symlinkSync('../outside', join(root, 'etc'));
  await rejectsZoneError(applyLayout(root, { files: [{ path: 'etc/shadow', content: 'x' }] }, VARS), 'install-failed');
  assert.equal(readdirSync(outside), []);
});

test('refuses a dir entry that is itself a planted symlink (no chmod outside the root)', async () => {
  symlinkSync(outside, join(root, 'tmp'));
  await rejectsZoneError(applyLayout(root, { dirs: [{ path: 'tmp', mode: '1777' }] }, VARS), 'install-failed');
  assert.is(mode(outside), 0o755, 'the outside directory keeps its mode');
});

test.run();
