// zonectl autoboot boots the installed zones configured with autoboot=true, only those.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, json, makeRoot, ok, requireRootAndRunc } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('autoboot');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
});
t.after(() => cleanup(root));

t('boots only installed zones with autoboot=true', () => {
  ok(root, ['create', 'auto1', '--brand', 'native', '--set', 'autoboot=true']);
  ok(root, ['install', 'auto1', '--recipe', 'busybox']);
  ok(root, ['create', 'manual', '--brand', 'native']);
  ok(root, ['install', 'manual', '--recipe', 'busybox']);
  ok(root, ['create', 'auto-unin', '--brand', 'native', '--set', 'autoboot=true']);
  const r = json<Array<{ name: string; booted: boolean }>>(root, ['autoboot']);
  assert.equal(r, [{ name: 'auto1', booted: true }]);
  const states = json<ZoneView[]>(root, ['list']).map((z) => [z.name, z.state]);
  assert.equal(states, [
    ['auto-unin', 'configured'],
    ['auto1', 'running'],
    ['manual', 'installed'],
  ]);
  ok(root, ['halt', 'auto1']);
});

t.run();
