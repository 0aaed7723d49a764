// A network per zone through the standard CNI plugins: two zones on one bridge each
// have their own address and reach each other; a forwarded host port reaches a server
// in a zone; a halted zone's address goes to the next zone, but never while a crashed
// boot still holds it; a zone cannot see or change the host's interfaces or routes.
// The test uses its own bridge and subnet, removed at the end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cleanup, json, killedAt, makeRoot, ok, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('zone network');
let root = '';
const BRIDGE = `zt${process.pid % 100000}`;
const SUBNET = '10.231.7.0/24';
const PORT = 20000 + (process.pid % 10000);
const LEASES = `/var/lib/cni/networks/zonectl-${BRIDGE}`;

function netZone(name: string, extra: string[] = []): void {
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', name]);
  ok(root, ['configure', name, '--set', 'net-address=auto', '--set', `net-bridge=${BRIDGE}`, '--set', `net-subnet=${SUBNET}`, ...extra]);
}

const address = (zone: string): string => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(ok(root, ['exec', zone, '--', 'ip', '-4', 'addr', 'show', 'eth0']).stdout)?.[1] ?? '';

const leases = (): string[] =>
  existsSync(LEASES)
    ? readdirSync(LEASES)
        .filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))
        .sort()
    : [];

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  netZone('web', ['--set', `net-forward=${PORT}:80`]);
  netZone('client');
  ok(root, ['boot', 'web']);
  ok(root, ['boot', 'client']);
  ok(root, ['exec', 'web', '--', 'sh', '-c', 'mkdir -p /www && echo served-by-web > /www/index.html && httpd -p 80 -h /www']);
});
t.after(() => {
  cleanup(root);
  spawnSync('ip', ['link', 'del', BRIDGE]);
  rmSync(LEASES, { recursive: true, force: true });
});

t('each zone has its own address on the bridge, and they reach each other', () => {
  const [a, b] = [address('web'), address('client')];
  assert.match(a, /^10\.231\.7\.\d+$/);
  assert.match(b, /^10\.231\.7\.\d+$/);
  assert.is.not(a, b);
  assert.is(ok(root, ['exec', 'client', '--', 'wget', '-qO-', `http://${a}/`]).stdout, 'served-by-web\n');
  assert.equal(leases(), [a, b].sort());
  assert.match(ok(root, ['info', 'web']).stdout, new RegExp(`^address: ${a.replaceAll('.', '\\.')}/24 on ${BRIDGE}$`, 'm'));
});

t('a forwarded host port reaches the server in the zone', async () => {
  const res = await fetch(`http://127.0.0.1:${PORT}/`);
  assert.is(await res.text(), 'served-by-web\n');
});

t('a zone sees only its own interfaces and cannot change them or the routes', () => {
  const links = ok(root, ['exec', 'client', '--', 'ip', '-o', 'link'])
    .stdout.trim()
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0]);
  assert.equal(links, ['lo', 'eth0']);
  const add = zonectl(root, ['exec', 'client', '--', 'ip', 'link', 'add', 'x0', 'type', 'dummy']);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /Operation not permitted/);
  const route = zonectl(root, ['exec', 'client', '--', 'ip', 'route', 'add', '192.0.2.0/24', 'dev', 'eth0']);
  assert.is.not(route.code, 0);
  assert.match(route.stderr, /Operation not permitted/);
});

t('a halted zone releases its address and forwards; the next zone gets that address', () => {
  const a = address('web');
  ok(root, ['halt', 'web']);
  assert.not.ok(leases().includes(a), 'the halted zone kept its lease');
  assert.not.match(spawnSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).stdout, new RegExp(`--dport ${PORT}\\b`));
  netZone('next');
  ok(root, ['boot', 'next']);
  assert.is(address('next'), a);
});

t('an address held by a crashed boot is never handed to another zone; halting the crashed zone frees it', async () => {
  netZone('crashy');
  await killedAt(root, ['boot', 'crashy'], 'boot-net');
  const held = leases();
  ok(root, ['boot', 'web']);
  const a = address('web');
  assert.ok(!held.filter((ip) => ip !== address('next') && ip !== address('client')).includes(a), `web got ${a}, which the crashed boot holds`);
  const crashed = held.find((ip) => ![address('next'), address('client'), a].includes(ip));
  assert.ok(crashed !== undefined, `the crashed boot holds no lease: ${held.join(' ')}`);
  // The crashed zone is ready (created, never started): halting it releases the address.
  assert.is(json<ZoneView>(root, ['info', 'crashy']).state, 'ready');
  ok(root, ['halt', 'crashy']);
  assert.not.ok(leases().includes(crashed), "halt did not release the crashed boot's address");
});

t('halting everything leaves no lease and no masquerade rule behind', () => {
  for (const z of ['web', 'client', 'next']) ok(root, ['halt', z]);
  assert.equal(leases(), []);
  const nat = spawnSync('iptables', ['-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }).stdout;
  assert.not.match(nat, /10\.231\.7\./, "a zone's masquerade rule outlived it");
});

t.run();
