// A native zone from the busybox recipe, through its whole life: create, install,
// boot, look around inside, shut down, halt, uninstall, delete.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { cleanup, json, makeRoot, ok, processGone, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('native zone life cycle');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
});
t.after(() => cleanup(root));

t('create leaves a configured zone with the given settings', () => {
  ok(root, ['create', 'web1', '--brand', 'native', '--set', 'hostname=www.example']);
  const v = json<ZoneView>(root, ['info', 'web1']);
  assert.equal(v.name, 'web1');
  assert.equal(v.brand, 'native');
  assert.equal(v.state, 'configured');
  assert.equal(v.zonepath, `${root}/zones/web1`);
  assert.equal(v.config, { hostname: 'www.example' });
  assert.not.ok(existsSync(`${root}/zones/web1/root`), 'nothing on disk under the zonepath yet');
});

t('install with the busybox recipe puts a userland under the zone root', () => {
  ok(root, ['install', 'web1', '--recipe', 'busybox']);
  const v = json<ZoneView>(root, ['info', 'web1']);
  assert.equal(v.state, 'installed');
  assert.equal(v.userland?.recipe, 'busybox');
  assert.equal(v.userland?.arch, process.arch);
  assert.ok(existsSync(`${root}/zones/web1/root/bin/busybox`));
  assert.match(readFileSync(`${root}/zones/web1/root/etc/hostname`, 'utf8'), /^www\.example\n$/);
});

t('boot starts init as PID 1; it keeps running after boot returns', () => {
  ok(root, ['boot', 'web1']);
  const list = json<ZoneView[]>(root, ['list']);
  assert.equal(
    list.map((z) => [z.name, z.state]),
    [['web1', 'running']],
  );
  const comm = ok(root, ['exec', 'web1', '--', 'cat', '/proc/1/comm']).stdout.trim();
  assert.equal(comm, 'init');
});

t('the zone sees its own hostname and none of the host processes', () => {
  assert.equal(ok(root, ['exec', 'web1', '--', 'hostname']).stdout.trim(), 'www.example');
  const pids = ok(root, ['exec', 'web1', '--', 'sh', '-c', 'ls -d /proc/[0-9]*'])
    .stdout.trim()
    .split('\n')
    .map((p) => Number(p.slice('/proc/'.length)));
  // init, sh and ls at most: a handful of small pids, and not ours.
  assert.ok(pids.length <= 4, `zone sees ${pids.length} processes: ${pids.join(' ')}`);
  assert.not.ok(pids.includes(process.pid), 'the test process is visible in the zone');
  assert.ok(Math.max(...pids) < 100, `pids look like the host's: ${pids.join(' ')}`);
});

t('the zone has its own network namespace with loopback only', () => {
  const links = ok(root, ['exec', 'web1', '--', 'ip', '-o', 'link']).stdout.trim().split('\n');
  assert.equal(links.length, 1, links.join('\n'));
  assert.match(links[0] ?? '', /: lo: /);
});

t('exec passes exit codes, stdin and stdout through', () => {
  assert.equal(zonectl(root, ['exec', 'web1', '--', 'sh', '-c', 'exit 7']).code, 7);
  assert.equal(zonectl(root, ['exec', 'web1', '--', 'false']).code, 1);
  const r = ok(root, ['exec', 'web1', '--', 'tr', 'a-z', 'A-Z'], { input: 'hello zone\n' });
  assert.equal(r.stdout, 'HELLO ZONE\n');
  const missing = zonectl(root, ['exec', 'web1', '--', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /no-such-command: command not found/);
});

t('shutdown sends the halt signal and init exits by itself', () => {
  const r = json<ZoneView & { shutdown: { clean: boolean; signal: string } }>(root, ['shutdown', 'web1', '--timeout', '20']);
  assert.equal(r.state, 'installed');
  assert.equal(r.shutdown.signal, 'SIGUSR2');
  assert.ok(r.shutdown.clean, 'init did not stop on SIGUSR2 within the timeout');
  assert.match(readFileSync(`${root}/zones/web1/console.log`, 'utf8'), /The system is going down NOW!/);
});

t('reboot and halt: a halted zone is installed and its processes are gone', () => {
  ok(root, ['boot', 'web1']);
  const before = ok(root, ['exec', 'web1', '--', 'cat', '/proc/1/stat']).stdout;
  ok(root, ['reboot', 'web1']);
  const after = ok(root, ['exec', 'web1', '--', 'cat', '/proc/1/stat']).stdout;
  assert.is.not(before.split(' ')[21], after.split(' ')[21], 'init was not restarted');
  const pid = Number(readFileSync(`${root}/zones/web1/bundle/init.pid`, 'utf8'));
  ok(root, ['halt', 'web1']);
  assert.equal(json<ZoneView>(root, ['info', 'web1']).state, 'installed');
  assert.ok(processGone(pid), `zone init ${pid} still runs after halt`);
});

t('uninstall removes the userland; delete removes the zone', () => {
  ok(root, ['uninstall', '-F', 'web1']);
  assert.equal(json<ZoneView>(root, ['info', 'web1']).state, 'configured');
  assert.not.ok(existsSync(`${root}/zones/web1/root`));
  ok(root, ['delete', 'web1']);
  assert.equal(json<ZoneView[]>(root, ['list']), []);
  assert.not.ok(existsSync(`${root}/zones/web1`));
});

t('one step: install --brand native busybox creates and installs a zone', () => {
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'bb']);
  const v = json<ZoneView>(root, ['info', 'bb']);
  assert.equal([v.brand, v.state, v.userland?.recipe], ['native', 'installed', 'busybox']);
  ok(root, ['install', '--brand', 'native', 'busybox']);
  assert.equal(json<ZoneView>(root, ['info', 'busybox']).state, 'installed');
});

t('delete -F halts, uninstalls and deletes a running zone', () => {
  ok(root, ['boot', 'bb']);
  const pid = Number(readFileSync(`${root}/zones/bb/bundle/init.pid`, 'utf8'));
  ok(root, ['delete', '-F', 'bb']);
  assert.ok(processGone(pid), `zone init ${pid} still runs after delete -F`);
  assert.not.ok(existsSync(`${root}/zones/bb`));
  assert.equal(
    json<ZoneView[]>(root, ['list']).map((z) => z.name),
    ['busybox'],
  );
});

t.run();
