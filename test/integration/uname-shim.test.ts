// The uname supervisor's life: a 64-bit lx zone with kernel-version 3.10.0 sees
// exactly that; the supervisor never outlives its zone, whether the zone is halted,
// its init exits by itself, or zonectl is killed -9 in the middle of a boot; and a
// supervisor that died is replaced for the next exec rather than leaving it stuck.
// Where LXCFS runs (the test starts it if it is not), /proc/uptime is the zone's own.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanup, json, killedAt, makeRoot, ok, processGone, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('uname supervisor');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  ok(root, ['create', 'z64', '--brand', 'lx', '--set', 'kernel-version=3.10.0']);
  ok(root, ['install', 'z64', '--source', join(root, 'zones', 'src', 'root')]);
});
let lxcfs: ChildProcess | undefined;
t.after(() => {
  cleanup(root);
  if (lxcfs !== undefined) {
    lxcfs.kill('SIGTERM');
    spawnSync('umount', ['-l', '/var/lib/lxcfs']);
  }
});

/** LXCFS at its Debian path: the running one, or one this test starts. */
function ensureLxcfs(): void {
  if (existsSync('/var/lib/lxcfs/proc/uptime')) return;
  mkdirSync('/var/lib/lxcfs', { recursive: true });
  lxcfs = spawn('lxcfs', ['/var/lib/lxcfs'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync('/var/lib/lxcfs/proc/uptime'); i++) spawnSync('sleep', ['0.05']);
  assert.ok(existsSync('/var/lib/lxcfs/proc/uptime'), 'lxcfs did not start (apt-get install lxcfs)');
}

const supervisor = (): number => json<ZoneView>(root, ['info', 'z64']).helpers?.find((h) => h.name === 'zonectl-uname-shim')?.pid ?? 0;

async function untilInstalled(): Promise<string> {
  let state = '';
  for (let i = 0; i < 50 && state !== 'installed'; i++) {
    state = json<ZoneView>(root, ['info', 'z64']).state;
    if (state !== 'installed') await sleep(100);
  }
  return state;
}

t('a 64-bit zone with kernel-version 3.10.0 reports 3.10.0 and x86_64, in uname and /proc', () => {
  ok(root, ['boot', 'z64']);
  const x = (...argv: string[]): string => ok(root, ['exec', 'z64', '--', ...argv]).stdout;
  assert.is(x('uname', '-r'), '3.10.0\n');
  assert.is(x('uname', '-m'), 'x86_64\n');
  assert.is(x('uname', '-n'), 'z64\n');
  assert.match(x('uname', '-v'), /^#1 SMP .* 2014\n$/);
  assert.is(x('cat', '/proc/sys/kernel/osrelease'), '3.10.0\n');
  assert.match(x('cat', '/proc/version'), /^Linux version 3\.10\.0 /);
  // /proc's files are read-only in the zone.
  assert.is.not(zonectl(root, ['exec', 'z64', '--', 'sh', '-c', 'echo 9.9 > /proc/version']).code, 0);
  const listed = json<ZoneView[]>(root, ['list']).find((z) => z.name === 'z64');
  assert.ok((listed?.helpers?.[0]?.rssKb ?? 0) > 0, 'list does not show the supervisor');
});

t('gone after halt, with its socket and pid file', () => {
  const pid = supervisor();
  assert.ok(pid > 0);
  ok(root, ['halt', 'z64']);
  assert.ok(processGone(pid), 'the supervisor outlived halt');
  assert.not.ok(existsSync(join(root, 'zones', 'z64', 'uname.sock')));
  assert.not.ok(existsSync(join(root, 'zones', 'z64', 'uname-shim.pid')));
});

t('gone when the zone powers itself off', async () => {
  ok(root, ['boot', 'z64']);
  const pid = supervisor();
  // busybox init powers off on SIGUSR2; its filter's last process is then gone.
  ok(root, ['exec', 'z64', '--', 'kill', '-USR2', '1']);
  assert.ok(processGone(pid), 'the supervisor outlived its zone');
  assert.is(await untilInstalled(), 'installed');
});

t('gone when zonectl is killed -9 after starting it, before the runtime started the zone', async () => {
  let pid = 0;
  await killedAt(root, ['boot', 'z64'], 'boot-shim', () => {
    pid = Number(readFileSync(join(root, 'zones', 'z64', 'uname-shim.pid'), 'utf8'));
  });
  assert.ok(pid > 0, 'no supervisor pid file');
  assert.ok(processGone(pid), 'the supervisor outlived the zonectl that started it');
  // The zone recovers: list shows it installed and it boots again.
  assert.is(await untilInstalled(), 'installed');
  ok(root, ['boot', 'z64']);
  assert.is(ok(root, ['exec', 'z64', '--', 'uname', '-r']).stdout, '3.10.0\n');
});

t('a supervisor that died is replaced for the next exec, which is answered', () => {
  const pid = supervisor();
  process.kill(pid, 'SIGKILL');
  assert.ok(processGone(pid));
  assert.is(ok(root, ['exec', 'z64', '--', 'uname', '-r']).stdout, '3.10.0\n');
  ok(root, ['halt', 'z64']);
});

t("with LXCFS, /proc/uptime and /proc/meminfo are the zone's", () => {
  ensureLxcfs();
  ok(root, ['boot', 'z64']);
  const zoneUptime = Number(ok(root, ['exec', 'z64', '--', 'cat', '/proc/uptime']).stdout.split(' ')[0]);
  const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  assert.ok(zoneUptime < 60 && zoneUptime < hostUptime, `zone uptime ${zoneUptime}, host ${hostUptime}`);
  assert.match(ok(root, ['exec', 'z64', '--', 'cat', '/proc/self/mountinfo']).stdout, /\/proc\/meminfo ro,.* - fuse\.lxcfs /);
  assert.match(ok(root, ['exec', 'z64', '--', 'head', '-1', '/proc/meminfo']).stdout, /^MemTotal:/);
  ok(root, ['halt', 'z64']);
});

t.run();
