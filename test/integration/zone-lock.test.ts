// Two zonectl processes never interleave on one zone: the second waits for the lock
// up to --lock-timeout and then fails naming the holder; other zones are not blocked.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CLI, CLI_STOPPABLE, cleanup, json, makeRoot, ok, oneLine, requireRootAndRunc, waitUntilStopped, zonectl } from './helpers.js';
import { clientId } from '../../src/core/lock.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('zone lock');
let root = '';
let holder: ChildProcess | undefined;

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['create', 'locked', '--brand', 'native']);
  ok(root, ['create', 'free', '--brand', 'native']);
});
t.after(() => {
  holder?.kill('SIGKILL');
  cleanup(root);
});

t('a second command waits, then fails naming the holder, and changes nothing', () => {
  // An install paused at its test stop point holds the zone's lock.
  holder = spawn(process.execPath, [...CLI_STOPPABLE, '--root', root, 'install', 'locked', '--recipe', 'busybox'], {
    env: { ...process.env, ZONECTL_TEST_STOP_AT: 'install' },
    stdio: 'ignore',
  });
  const pid = holder.pid as number;
  assert.ok(waitUntilStopped(pid), 'the install did not reach its stop point');

  const r = zonectl(root, ['configure', 'locked', '--set', 'hostname=other', '--lock-timeout', '1']);
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.ok(r.stderr.includes(`zone "locked" is busy: pid ${pid} (zonectl install) on ${clientId()} has held its lock since `), r.stderr);
  assert.equal(json<ZoneView>(root, ['info', 'locked']).config, {});
});

t('other zones are not blocked by it', () => {
  ok(root, ['configure', 'free', '--set', 'hostname=free1', '--lock-timeout', '1']);
  assert.equal(json<ZoneView>(root, ['info', 'free']).config, { hostname: 'free1' });
});

t('when the holder goes on, the waiting command gets the lock', async () => {
  const waiter = spawn(process.execPath, [CLI, '--root', root, 'uninstall', '-F', 'locked', '--lock-timeout', '60'], { stdio: 'pipe' });
  const done = new Promise<number>((resolve) => waiter.on('exit', (code) => resolve(code ?? 1)));
  spawnSync('sleep', ['0.3']);
  holder?.kill('SIGCONT');
  assert.is(await done, 0, 'uninstall did not get the lock after the install finished');
  assert.equal(json<ZoneView>(root, ['info', 'locked']).state, 'configured');
});

t.run();
