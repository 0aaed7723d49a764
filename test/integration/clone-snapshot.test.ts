// Copy-on-write zones: a clone shares its source's files (it holds only what it
// changed) and has its own identity; a rollback puts a root back exactly; a zone with
// clones is not removed under them; a crash in the middle leaves the source whole and
// the target removable.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, killedAt, makeRoot, ok, oneLine, requireRootAndRunc, treeManifest, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('clone and snapshot');
let root = '';
const rootOf = (zone: string): string => join(root, 'zones', zone, 'root');

function sh(script: string, cwd: string): string {
  const r = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
}

const manifest = treeManifest;

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'base']);
  const r = rootOf('base');
  mkdirSync(join(r, 'etc/ssh'), { recursive: true });
  writeFileSync(join(r, 'etc/ssh/ssh_host_ed25519_key'), 'secret\n', { mode: 0o600 });
  writeFileSync(join(r, 'etc/ssh/ssh_host_ed25519_key.pub'), 'public\n');
  writeFileSync(join(r, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  sh('head -c 50000000 /dev/urandom > big && chown 12:34 big && chmod 640 big && ln big big.link && ln -s big big.sym', join(r, 'root'));
});
t.after(() => cleanup(root));

t("a clone shares its source's files, holding only what it changed, with its own identity", () => {
  const before = manifest(rootOf('base'));
  const out = ok(root, ['clone', 'base', 'copy']).stdout;
  assert.match(out, /^zone copy cloned from base in \d+ ms$/m);
  const v = json<ZoneView>(root, ['info', 'copy']);
  assert.equal([v.state, v.brand, v.userland?.recipe], ['installed', 'native', 'busybox']);
  // Everything but its identity is the source's, byte for byte.
  const identity = /^\.\/etc\/(hostname|hosts|machine-id|ssh\/ssh_host_\S+) /;
  assert.equal(
    manifest(rootOf('copy'), identity),
    before.filter((l) => !identity.test(l)),
  );
  assert.is(readFileSync(join(rootOf('copy'), 'etc/hostname'), 'utf8'), 'copy\n');
  assert.is(readFileSync(join(rootOf('copy'), 'etc/machine-id'), 'utf8'), '');
  assert.not.ok(existsSync(join(rootOf('copy'), 'etc/ssh/ssh_host_ed25519_key')));
  // No copy was made: the clone's own directory holds a few small files, not 50 MB.
  const held = Number(sh('du -sb upper | cut -f1', join(root, 'zones', 'copy')).trim());
  assert.ok(held < 200_000, `the clone holds ${held} bytes of its own`);
  // Both boot, and what one changes the other does not see.
  ok(root, ['boot', 'copy']);
  assert.is(ok(root, ['exec', 'copy', '--', 'hostname']).stdout, 'copy\n');
  ok(root, ['exec', 'copy', '--', 'sh', '-c', 'echo mine > /root/big']);
  ok(root, ['halt', 'copy']);
  assert.is(Number(sh('stat -c %s root/big', rootOf('base')).trim()), 50_000_000);
  assert.equal(manifest(rootOf('base')), before);
});

t('a rollback puts the root back exactly: contents, modes, owners, links, deleted files back, new files gone', () => {
  const r = rootOf('base');
  const before = manifest(r);
  const snap = json<{ name: string; createdAt: string }>(root, ['snapshot', 'base', 'create', 'clean']);
  assert.is(snap.name, 'clean');
  sh(
    'echo changed > etc/passwd && chmod 600 etc/group && chown 7:7 etc/shadow 2>/dev/null; rm root/big && rm -f root/big.sym && ln -s /etc root/big.sym && echo new > newfile && mkdir newdir',
    r,
  );
  assert.is.not(manifest(r).join('\n'), before.join('\n'));
  ok(root, ['rollback', 'base', 'clean']);
  assert.equal(manifest(r), before);
  // A later change and a second rollback: the snapshot itself never changed.
  sh('echo again > etc/passwd', r);
  ok(root, ['rollback', 'base', 'clean']);
  assert.equal(manifest(r), before);
  const list = json<Array<{ name: string; createdAt: string; bytes: number }>>(root, ['snapshot', 'base', 'list']);
  assert.equal(
    list.map((s) => [s.name, s.createdAt]),
    [['clean', snap.createdAt]],
  );
  assert.ok(list[0] !== undefined && list[0].bytes >= 0);
});

t('a snapshot killed -9 after its journal is finished, not lost, by the next rollback', async () => {
  const r = rootOf('base');
  sh('echo at-s2 > /dev/null; echo s2-state > marker', r);
  const want = manifest(r);
  await killedAt(root, ['snapshot', 'base', 'create', 's2'], 'storage-step');
  ok(root, ['rollback', 'base', 's2']);
  assert.equal(manifest(r), want, 'the interrupted snapshot lost the changes it was freezing');
});

t('a running zone is neither cloned nor snapshotted nor rolled back', () => {
  ok(root, ['boot', 'copy']);
  for (const argv of [
    ['clone', 'copy', 'x'],
    ['snapshot', 'copy', 'create', 's'],
    ['rollback', 'copy', 'clean'],
  ]) {
    const r = zonectl(root, argv);
    assert.is(r.code, 1, argv.join(' '));
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(r.stderr, /it is running; .*zonectl halt copy/);
  }
  ok(root, ['halt', 'copy']);
});

t('a zone with clones is not removed under them, unless they are promoted first', () => {
  const refused = zonectl(root, ['delete', '-F', 'base']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /zone "base" has clones that depend on it: copy; add --promote-clones/);
  assert.is(json<ZoneView>(root, ['info', 'base']).state, 'installed', 'the refused delete changed the zone');
  const want = manifest(rootOf('copy'));
  ok(root, ['delete', '-F', 'base', '--promote-clones']);
  assert.equal(manifest(rootOf('copy')), want, 'the clone changed when its origin went');
  ok(root, ['boot', 'copy']);
  assert.is(ok(root, ['exec', 'copy', '--', 'stat', '-c', '%s', '/root/big']).stdout, '5\n');
  ok(root, ['halt', 'copy']);
});

/** `zonectl clone copy half`, killed -9 at its Nth journaled storage step. */
const crashClone = (step: number): Promise<void> => killedAt(root, ['clone', 'copy', 'half'], `storage-step#${step}`);

t('a clone killed -9 while freezing the source: the source is whole, no target', async () => {
  ok(root, ['boot', 'copy']);
  ok(root, ['exec', 'copy', '--', 'sh', '-c', 'echo fresh > /root/fresh']);
  ok(root, ['halt', 'copy']);
  const want = manifest(rootOf('copy'));
  await crashClone(1);
  // The source finishes the journaled step the next time it is used, unchanged.
  ok(root, ['boot', 'copy']);
  ok(root, ['halt', 'copy']);
  assert.equal(manifest(rootOf('copy')), want);
  assert.not.ok(json<ZoneView[]>(root, ['list']).some((z) => z.name === 'half'));
});

t('a clone killed -9 while making the target: the source is whole, the target incomplete and removable', async () => {
  ok(root, ['boot', 'copy']);
  ok(root, ['exec', 'copy', '--', 'sh', '-c', 'echo fresher > /root/fresh']);
  ok(root, ['halt', 'copy']);
  const want = manifest(rootOf('copy'));
  await crashClone(2);
  assert.is(json<ZoneView>(root, ['info', 'half']).state, 'incomplete');
  ok(root, ['delete', '-F', 'half']);
  assert.equal(manifest(rootOf('copy')), want);
  ok(root, ['clone', 'copy', 'half']);
  assert.is(json<ZoneView>(root, ['info', 'half']).state, 'installed');
  assert.is(readFileSync(join(rootOf('half'), 'root/fresh'), 'utf8'), 'fresher\n');
});

t('removing the last zones frees every layer and leaves nothing mounted', () => {
  ok(root, ['delete', '-F', 'copy', '--promote-clones']);
  ok(root, ['delete', '-F', 'half']);
  assert.equal(sh('ls layers 2>/dev/null || true', root).trim(), '');
  assert.not.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(root));
});

t.run();
