// The other storage drivers behave as overlay does for a user: btrfs (subvolume
// snapshots, on a btrfs filesystem made here on a loop device) and copy (reflinked or
// plain copies): snapshots are read-only and a rollback is exact, a clone is the same
// tree with its own identity, and a rollback killed -9 half-way is finished later.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, killedAt, makeRoot, ok, requireRootAndRunc, treeManifest } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('storage drivers');
let plainRoot = '';
let btrfsMount = '';
let btrfsImage = '';
let btrfsRoot = '';
const identity = /^\.\/etc\/(hostname|hosts|machine-id|ssh\/ssh_host_\S+) /;

function sh(script: string, cwd = '/'): string {
  const r = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
}

t.before(() => {
  requireRootAndRunc();
  plainRoot = makeRoot();
  const dir = mkdtempSync('/var/tmp/zonectl-btrfs-');
  btrfsImage = join(dir, 'fs.img');
  btrfsMount = join(dir, 'mnt');
  mkdirSync(btrfsMount);
  sh(`truncate -s 1G ${btrfsImage} && mkfs.btrfs -q ${btrfsImage} && mount -o loop ${btrfsImage} ${btrfsMount}`);
  btrfsRoot = join(btrfsMount, 'state');
  mkdirSync(btrfsRoot);
});
t.after(() => {
  cleanup(plainRoot);
  cleanup(btrfsRoot);
  spawnSync('umount', [btrfsMount]);
  rmSync(join(btrfsMount, '..'), { recursive: true, force: true });
});

/** What every driver must do: exact rollback, identical clone with its own identity. */
function exercise(root: string): void {
  const r = join(root, 'zones', 'src', 'root');
  sh('echo one > data && chmod 600 data && ln -s data link && mkdir -p etc/ssh && echo k > etc/ssh/ssh_host_rsa_key', r);
  const before = treeManifest(r);
  ok(root, ['snapshot', 'src', 'create', 's1']);
  sh('echo two > data && rm link && echo x > extra && chown 5:5 etc/passwd', r);
  ok(root, ['rollback', 'src', 's1']);
  assert.equal(treeManifest(r), before, 'rollback is not exact');
  ok(root, ['clone', 'src', 'dst']);
  const c = join(root, 'zones', 'dst', 'root');
  assert.equal(
    treeManifest(c, identity),
    before.filter((l) => !identity.test(l)),
  );
  assert.is(readFileSync(join(c, 'etc/hostname'), 'utf8'), 'dst\n');
  ok(root, ['boot', 'dst']);
  assert.is(ok(root, ['exec', 'dst', '--', 'cat', '/data']).stdout, 'one\n');
  ok(root, ['halt', 'dst']);
  assert.equal(
    json<Array<{ name: string }>>(root, ['snapshot', 'src', 'list']).map((s) => s.name),
    ['s1'],
  );
}

t('copy driver (storage-driver=copy): exact rollback, identical clones', () => {
  ok(plainRoot, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  ok(plainRoot, ['configure', 'src', '--set', 'storage-driver=copy']);
  exercise(plainRoot);
  // Copies are independent: the source goes without promoting anything.
  ok(plainRoot, ['delete', '-F', 'src']);
  assert.is(json<ZoneView>(plainRoot, ['info', 'dst']).state, 'installed');
});

t('btrfs driver (chosen by itself on btrfs): subvolumes, read-only snapshots', () => {
  ok(btrfsRoot, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  exercise(btrfsRoot);
  const z = join(btrfsRoot, 'zones');
  // inode 256 is a subvolume's root; the snapshot cannot be written.
  assert.is(sh('stat -c %i src/root dst/root src/snapshots/s1', z).trim().split('\n').join(' '), '256 256 256');
  assert.match(sh('btrfs property get -ts src/snapshots/s1 ro', z), /ro=true/);
  assert.is(spawnSync('touch', [join(z, 'src/snapshots/s1/x')]).status, 1, 'a snapshot took a write');
});

t('a rollback killed -9 half-way is finished the next time the zone is used', async () => {
  const root = btrfsRoot;
  const r = join(root, 'zones', 'src', 'root');
  const before = treeManifest(r);
  ok(root, ['snapshot', 'src', 'create', 's2']);
  sh('echo changed > data && rm -rf bin', r);
  await killedAt(root, ['rollback', 'src', 's2'], 'storage-step');
  ok(root, ['boot', 'src']);
  ok(root, ['halt', 'src']);
  // (init's utmp is what the boot itself wrote)
  const runtime = /^\.\/var\/run/;
  assert.equal(
    treeManifest(r, runtime),
    before.filter((l) => !runtime.test(l)),
  );
});

t('removing the zones removes their subvolumes', () => {
  ok(btrfsRoot, ['delete', '-F', 'dst']);
  ok(btrfsRoot, ['delete', '-F', 'src']);
  assert.is(sh(`btrfs subvolume list ${btrfsMount}`).trim(), '');
});

t.run();
