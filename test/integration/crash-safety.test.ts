// An install killed with SIGKILL halfway leaves a zone that list shows as incomplete,
// that nothing but install or uninstall accepts, and that either one finishes cleanly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CLI_STOPPABLE, cleanup, json, makeRoot, ok, requireRootAndRunc, waitUntilStopped, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('crash safety');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
});
t.after(() => cleanup(root));

/** Starts an install that stops itself (SIGSTOP) after writing the userland but before
 * recording it, then kills it with SIGKILL there: a crash at a known point. */
async function crashInstall(zone: string): Promise<void> {
  const child = spawn(process.execPath, [...CLI_STOPPABLE, '--root', root, 'install', zone, '--recipe', 'busybox'], {
    env: { ...process.env, ZONECTL_TEST_STOP_AT: 'install' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const pid = child.pid as number;
  assert.ok(waitUntilStopped(pid), 'install never reached its stop point');
  child.kill('SIGKILL');
  await exited;
}

t('a killed install leaves an incomplete zone with a stale lock', async () => {
  ok(root, ['create', 'crash1', '--brand', 'native']);
  await crashInstall('crash1');
  assert.ok(existsSync(`${root}/zones/crash1/lock.d/owner`), 'the dead process left its lock');
  assert.ok(readdirSync(`${root}/zones/crash1/root`).length > 0, 'the userland was partly written');
  const list = json<ZoneView[]>(root, ['list']);
  assert.equal(
    list.map((z) => [z.name, z.state]),
    [['crash1', 'incomplete']],
  );
});

t('an incomplete zone refuses boot and delete, naming its state', () => {
  const boot = zonectl(root, ['boot', 'crash1']);
  assert.is(boot.code, 1);
  assert.match(boot.stderr, /cannot boot zone "crash1": it is incomplete.*zonectl install crash1/);
  assert.match(zonectl(root, ['delete', 'crash1']).stderr, /it is incomplete/);
});

t('uninstall cleans it up: configured, root gone, lock taken over and released', () => {
  ok(root, ['uninstall', '-F', 'crash1']);
  assert.equal(json<ZoneView>(root, ['info', 'crash1']).state, 'configured');
  assert.not.ok(existsSync(`${root}/zones/crash1/root`));
  assert.not.ok(existsSync(`${root}/zones/crash1/lock.d`));
  assert.equal(
    readdirSync(`${root}/zones/crash1`).filter((n) => n.startsWith('lock')),
    [],
    'no guard or moved-aside lock left',
  );
});

t('install again after a crash restarts it and the zone boots', async () => {
  ok(root, ['create', 'crash2', '--brand', 'native']);
  await crashInstall('crash2');
  ok(root, ['install', 'crash2', '--recipe', 'busybox']);
  assert.equal(json<ZoneView>(root, ['info', 'crash2']).state, 'installed');
  ok(root, ['boot', 'crash2']);
  assert.equal(ok(root, ['exec', 'crash2', '--', 'echo', 'alive']).stdout, 'alive\n');
  ok(root, ['halt', 'crash2']);
});

t('nothing is left mounted or running on the host after the crashes', () => {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.not.ok(mounts.includes(root), 'a mount under the state root remains');
  const runc = spawnSync('runc', ['--root', `${root}/runtime/runc`, 'list', '-q'], { encoding: 'utf8' });
  assert.is(runc.stdout.trim(), '');
});

t.run();
