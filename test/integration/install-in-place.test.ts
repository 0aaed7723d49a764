// --in-place: a directory becomes the zone root where it is. The zone writes into it;
// uninstall and delete forget it but never remove the user's directory.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, makeRoot, ok, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('install in place');
let root = '';
let dir = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  dir = join(root, 'my-rootfs');
  cpSync(`${root}/zones/src/root`, dir, { recursive: true, verbatimSymlinks: true });
});
t.after(() => cleanup(root));

t('the zone runs on the directory itself', () => {
  ok(root, ['create', 'ip', '--brand', 'native']);
  ok(root, ['install', 'ip', '--source', dir, '--in-place']);
  const v = json<ZoneView & { userland: { inPlace?: string } }>(root, ['info', 'ip']);
  assert.is(v.userland.inPlace, dir);
  ok(root, ['boot', 'ip']);
  ok(root, ['exec', 'ip', '--', 'sh', '-c', 'echo written-inside > /root/proof']);
  assert.is(readFileSync(join(dir, 'root/proof'), 'utf8'), 'written-inside\n');
  ok(root, ['halt', 'ip']);
});

t('uninstall and delete leave the directory alone', () => {
  ok(root, ['uninstall', '-F', 'ip']);
  ok(root, ['delete', 'ip']);
  assert.ok(existsSync(join(dir, 'bin/busybox')));
  assert.ok(existsSync(join(dir, 'root/proof')));
});

t('--in-place needs a directory source and a brand without shared host paths', () => {
  ok(root, ['create', 'ip2', '--brand', 'native']);
  const a = zonectl(root, ['install', 'ip2', '--recipe', 'busybox', '--in-place']);
  assert.match(a.stderr, /--in-place needs --source DIRECTORY/);
  const b = zonectl(root, ['install', 'ip2', '--source', '/', '--in-place']);
  assert.match(b.stderr, /the host's own root cannot be a zone root/);
  assert.is(json<ZoneView>(root, ['info', 'ip2']).state, 'configured');
});

t.run();
