// Where a zone's usage is read: its v1 controller's hierarchy on hybrid and v1 hosts,
// the unified hierarchy on v2 hosts; and the caps as OCI resources.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cgroupDir, parseProcCgroup } from '../../src/backends/linux/cgroup-usage.js';
import { ociResources } from '../../src/backends/linux/bundle.js';
import { resourcePlan } from '../../src/brands/plan.js';

const HYBRID_CGROUP = '9:name=systemd:/\n8:pids:/zonectl/ab-z\n4:memory:/zonectl/ab-z\n2:cpuacct:/zonectl/ab-z\n1:cpu:/zonectl/ab-z\n0::/\n';
const HYBRID_MOUNTS = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '38 31 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const V2_CGROUP = '0::/zonectl/ab-z\n';
const V2_MOUNTS = '25 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n';

test('hybrid: each controller from its own v1 hierarchy, not the v2 one beside it', () => {
  const cg = parseProcCgroup(HYBRID_CGROUP);
  assert.is(cgroupDir('memory', cg, HYBRID_MOUNTS), '/sys/fs/cgroup/memory/zonectl/ab-z');
  assert.is(cgroupDir('pids', cg, HYBRID_MOUNTS), '/sys/fs/cgroup/pids/zonectl/ab-z');
  assert.is(cgroupDir('cpuacct', cg, HYBRID_MOUNTS), '/sys/fs/cgroup/cpuacct/zonectl/ab-z');
});

test('pure v2: every controller from the unified hierarchy', () => {
  const cg = parseProcCgroup(V2_CGROUP);
  assert.is(cgroupDir('memory', cg, V2_MOUNTS), '/sys/fs/cgroup/zonectl/ab-z');
  assert.is(cgroupDir('pids', cg, V2_MOUNTS), '/sys/fs/cgroup/zonectl/ab-z');
});

test('caps become OCI resources: memory with swap equal to it, quota per 100 ms period, shares, pids', () => {
  const r = resourcePlan({ 'capped-memory': '512M', 'capped-cpu': '1.5', 'cpu-shares': '512', 'max-processes': '100' });
  assert.equal(ociResources(r), {
    devices: [{ allow: false, access: 'rwm' }],
    memory: { limit: 512 * 2 ** 20, swap: 512 * 2 ** 20 },
    cpu: { quota: 150000, period: 100000, shares: 512 },
    pids: { limit: 100 },
  });
  assert.equal(ociResources(resourcePlan({})), { devices: [{ allow: false, access: 'rwm' }] });
});

test.run();
