// Recipe pieces that need no network: post-install edits, the choice of architecture,
// and the debootstrap command line and progress lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEdits } from '../../src/install/edits.js';
import { chooseArch, loadRecipe, type Recipe } from '../../src/install/recipe.js';
import { debootstrapArgs, progressOf, type DebootstrapMethod } from '../../src/install/debootstrap.js';
import { ZoneError } from '../../src/core/errors.js';

const INITTAB = ['id:2:initdefault:', '1:2345:respawn:/sbin/getty 38400 tty1', '2:23:respawn:/sbin/getty 38400 tty2', 'pf::powerwait:/etc/init.d/powerfail start', ''].join('\n');

test('edits delete and replace whole lines, through symlinks inside the root', async () => {
  const root = mkdtempSync(join(tmpdir(), 'zonectl-edits-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/inittab.real'), INITTAB);
    symlinkSync('inittab.real', join(root, 'etc/inittab'));
    const n = await applyEdits(
      root,
      [
        { 'delete-lines': { path: 'etc/inittab', match: '[0-9]+:[0-9]+:respawn:/sbin/getty.*' } },
        { 'replace-lines': { path: 'etc/inittab', match: 'pf::powerwait:.*', with: 'pf::powerwait:/sbin/shutdown -h now' } },
      ],
      'test',
      'z',
    );
    assert.is(n, 3);
    assert.is(readFileSync(join(root, 'etc/inittab.real'), 'utf8'), 'id:2:initdefault:\npf::powerwait:/sbin/shutdown -h now\n');
    // A pattern matches whole lines only.
    await applyEdits(root, [{ 'delete-lines': { path: 'etc/inittab', match: 'initdefault' } }], 'test', 'z');
    assert.match(readFileSync(join(root, 'etc/inittab.real'), 'utf8'), /^id:2:initdefault:$/m);
    try {
      await applyEdits(root, [{ 'delete-lines': { path: 'etc/missing', match: 'x' } }], 'test', 'z');
      assert.unreachable('an edit of a missing file was accepted');
    } catch (e) {
      assert.instance(e, ZoneError);
      assert.match((e as Error).message, /recipe test: edit of \/etc\/missing: no such file in zone "z"/);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the architecture: asked for, else the first the host runs; refusals say why', async () => {
  const r = await loadRecipe('debian-bookworm');
  assert.is(chooseArch(r, undefined, ['amd64', 'i386']), 'amd64');
  assert.is(chooseArch(r, 'i386', ['amd64', 'i386']), 'i386');
  assert.throws(() => chooseArch(r, 'arm64', ['amd64', 'i386']), /installs amd64, i386, not arm64/);
  assert.throws(() => chooseArch(r, 'i386', ['arm64']), /cannot run i386/);
  const one: Recipe = { ...r, arches: ['i386'] };
  assert.is(chooseArch(one, undefined, ['amd64', 'i386']), 'i386');
  const bb = await loadRecipe('busybox');
  assert.is(chooseArch(bb, undefined, ['amd64', 'i386']), 'amd64', "no arches: the host's");
});

test('debootstrap command line and progress lines', () => {
  const m: DebootstrapMethod = { kind: 'debootstrap', suite: 'bookworm', variant: 'minbase', mirrors: ['http://m/debian'], include: ['a', 'b'], components: ['main', 'contrib'] };
  assert.equal(debootstrapArgs(m, 'i386', '/z/root', 'http://x/debian'), [
    'debootstrap',
    '--arch=i386',
    '--variant=minbase',
    '--components=main,contrib',
    '--include=a,b',
    'bookworm',
    '/z/root',
    'http://x/debian',
  ]);
  assert.is(progressOf('I: Retrieving libc6 2.36-9+deb12u4'), 'Retrieving libc6 2.36-9+deb12u4');
  assert.is(progressOf('I: Base system installed successfully.'), 'Base system installed successfully.');
  assert.is(progressOf('W: something else'), undefined);
});

test('a recipe given as a path is read and validated like the packaged ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-recipe-'));
  try {
    writeFileSync(join(dir, 'mine.yaml'), 'name: mine\ndescription: mine\nbrands: [native]\nmethod:\n  kind: host-busybox\n');
    assert.is((await loadRecipe(join(dir, 'mine.yaml'))).name, 'mine');
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\ndescription: bad\nbrands: [native]\nmethod:\n  kind: debootstrap\n  suite: bookworm\n');
    try {
      await loadRecipe(join(dir, 'bad.yaml'));
      assert.unreachable('a recipe without mirrors was accepted');
    } catch (e) {
      assert.match((e as Error).message, /recipe file .*bad\.yaml: \/method/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
