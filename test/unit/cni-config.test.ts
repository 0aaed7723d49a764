// A zone's CNI configuration list and address choice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confList, firstFree } from '../../src/backends/linux/cni.js';
import { netPlan } from '../../src/brands/plan.js';
import { parseForward } from '../../src/core/config.js';
import { throwsZoneError } from './fixtures/expect-error.js';

test('bridge with host-local, firewall, and portmap only when ports are forwarded', () => {
  const plan = netPlan({ 'net-address': 'auto', 'net-forward': '8080:80,5353:53/udp' }, 'z');
  assert.equal(plan, {
    bridge: 'zonectl0',
    subnet: '10.88.0.0/16',
    forwards: [
      { host: 8080, zone: 80, protocol: 'tcp' },
      { host: 5353, zone: 53, protocol: 'udp' },
    ],
  });
  const list = confList(plan as NonNullable<typeof plan>);
  assert.equal(
    list.plugins.map((p) => p.type),
    ['bridge', 'firewall', 'portmap'],
  );
  assert.is(list.name, 'zonectl-zonectl0');
  assert.equal((list.plugins[0] as unknown as { ipam: unknown }).ipam, { type: 'host-local', ranges: [[{ subnet: '10.88.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] });
  const plain = confList(netPlan({ 'net-address': '10.88.0.9' }, 'z') as NonNullable<typeof plan>);
  assert.equal(
    plain.plugins.map((p) => p.type),
    ['bridge', 'firewall'],
  );
});

test('no net-address: no network of its own; with ip-type shared it is refused', () => {
  assert.is(netPlan({}, 'z'), undefined);
  const e = throwsZoneError(() => netPlan({ 'net-address': 'auto', 'ip-type': 'shared' }, 'z'), 'invalid-config');
  assert.match(e.message, /has net-address but ip-type shared/);
});

test('the lowest free address after the gateway, so a released one is reused first', () => {
  assert.is(firstFree('10.88.0.0/16', new Set()), '10.88.0.2');
  assert.is(firstFree('10.88.0.0/16', new Set(['10.88.0.2', '10.88.0.4'])), '10.88.0.3');
  assert.is(firstFree('10.1.2.0/30', new Set(['10.1.2.2'])), undefined);
});

test('port forwards: HOST:ZONE with tcp by default, ports in range', () => {
  assert.equal(parseForward('80:8080'), { host: 80, zone: 8080, protocol: 'tcp' });
  for (const bad of ['80', '0:80', '70000:80', '80:80/sctp', 'a:b']) assert.is(parseForward(bad), undefined, bad);
});

test.run();
