// The OCI config.json written for a zone: as confined as `runc spec`'s default
// container, with the brand's capabilities and seccomp deny list, on every ABI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOciConfig, cgroupsPath, parseNofileHard, type OciConfig } from '../../src/backends/linux/bundle.js';
import { errnoNumber, ociSeccomp } from '../../src/backends/linux/seccomp.js';
import { loadLinuxBrand, type LinuxBrand as Brand } from '../../src/brands/brand.js';
import { buildBootPlan, sharedDirectories, type BootPlan } from '../../src/brands/plan.js';
import type { ZoneRecord, ZoneStatus } from '../../src/core/zone.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

// `runc spec` (runc 1.1) defaults, written out here rather than read from the code.
const RUNC_MASKED = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
const RUNC_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const RUNC_MOUNTS = [
  { destination: '/proc', type: 'proc', source: 'proc' },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

const LIMITS = { nofileHard: 4096 };

function zone(name: string, config: Record<string, string> = {}): ZoneRecord {
  return { name, brand: 'native', zonepath: `/var/lib/zonectl/zones/${name}`, config, createdAt: '2024-01-01T00:00:00Z' };
}
const USERLAND = { method: 'recipe', recipe: 'busybox', arch: 'x64', installedAt: '2024-01-01T00:00:00Z' };
const INSTALLED: ZoneStatus = { state: 'installed', since: '2024-01-01T00:00:00Z', userland: USERLAND };

async function nativePlan(config: Record<string, string> = {}, status: ZoneStatus = INSTALLED): Promise<BootPlan> {
  return buildBootPlan(zone('web', config), status, await loadLinuxBrand('native'), []);
}

function handPlan(over: Partial<BootPlan> = {}): BootPlan {
  return {
    zone: 'hand',
    brand: 'native',
    rootfs: '/zones/hand/root',
    hostname: 'hand',
    init: { command: ['/sbin/init'], haltSignal: 'SIGTERM' },
    haltSignalNumber: 15,
    network: 'exclusive',
    capabilities: ['CAP_KILL', 'CAP_CHOWN'],
    binds: [],
    seccomp: { defaultAction: 'allow', deny: ['kexec_load', 'bpf'], errno: 'EPERM' },
    env: ['PATH=/bin'],
    arch: 'x64',
    personality: { linux32: false, uname26: false },
    kernel: { release: '6.1.0', machine: 'x86_64', exact: true },
    vsyscall: { needed: false, reason: 'test' },
    initctl: false,
    zoneFiles: false,
    lxcfs: false,
    fixupFamilies: [],
    resources: {},
    ...over,
  };
}

function namespaces(c: OciConfig): string[] {
  return c.linux.namespaces.map((n) => n.type).sort();
}

// --- namespaces --------------------------------------------------------------

test('exclusive ip-type (the default) gets its own network namespace', async () => {
  const plan = await nativePlan();
  assert.is(plan.network, 'exclusive');
  assert.equal(namespaces(buildOciConfig(plan, '/state', LIMITS)), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(namespaces(buildOciConfig(await nativePlan({ 'ip-type': 'exclusive' }), '/state', LIMITS)), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
});

test('shared ip-type uses the host network: no network namespace, the rest stays', async () => {
  const c = buildOciConfig(await nativePlan({ 'ip-type': 'shared' }), '/state', LIMITS);
  assert.equal(namespaces(c), ['cgroup', 'ipc', 'mount', 'pid', 'uts']);
});

test('no user or time namespace is asked for, and no namespace has a host path', async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  for (const n of c.linux.namespaces) assert.equal(Object.keys(n), ['type'], JSON.stringify(n));
  assert.not.ok(namespaces(c).includes('user'));
});

// --- runc's defaults ---------------------------------------------------------

test("masked and read-only paths are runc's defaults", async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  assert.equal([...c.linux.maskedPaths].sort(), [...RUNC_MASKED].sort());
  assert.equal([...c.linux.readonlyPaths].sort(), [...RUNC_READONLY].sort());
});

test("runc's default mounts are all there with the same options, plus a tmpfs /run", async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  for (const m of RUNC_MOUNTS) {
    const got = c.mounts.find((x) => x.destination === m.destination);
    assert.ok(got !== undefined, `mount ${m.destination}`);
    assert.equal(got, m, m.destination);
  }
  const run = c.mounts.find((m) => m.destination === '/run');
  assert.is(run?.type, 'tmpfs');
  assert.ok(run?.options?.includes('nosuid') === true && run.options.includes('nodev'));
  // /proc first: later mounts (masked paths) sit on it.
  assert.is(c.mounts[0]?.destination, '/proc');
});

test("all devices are denied by default (runc's device rule)", async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  assert.equal(c.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
});

// --- the zone's process ------------------------------------------------------

test('init, root, hostname and env come from the plan', async () => {
  const c = buildOciConfig(await nativePlan({ hostname: 'www' }), '/state', LIMITS);
  assert.equal(c.process.args, ['/sbin/init']);
  assert.equal(c.process.user, { uid: 0, gid: 0 });
  assert.is(c.process.cwd, '/');
  assert.is(c.process.terminal, false);
  assert.equal(c.root, { path: '/var/lib/zonectl/zones/web/root', readonly: false });
  assert.is(c.hostname, 'www');
  assert.ok(
    c.process.env.some((e) => e.startsWith('PATH=/')),
    'PATH is set',
  );
  assert.ok(c.process.env.includes('HOSTNAME=www'));
  assert.equal(c.annotations, { 'org.zonectl.zone': 'web', 'org.zonectl.brand': 'native' });
});

test('the host name defaults to the zone name', async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  assert.is(c.hostname, 'web');
});

test("a userland that brings its own init overrides the brand's", async () => {
  const status: ZoneStatus = {
    ...INSTALLED,
    userland: { ...USERLAND, init: { command: ['/bin/busybox', 'init'], haltSignal: 'SIGUSR2' } },
  };
  const plan = await nativePlan({}, status);
  assert.is(plan.haltSignalNumber, 12);
  assert.equal(buildOciConfig(plan, '/state', LIMITS).process.args, ['/bin/busybox', 'init']);
  const brandInit = await nativePlan();
  assert.is(brandInit.haltSignalNumber, 37, "native's SIGRTMIN+3 (systemd's halt)");
});

test('the open-files limit never exceeds our own hard limit', () => {
  assert.equal(buildOciConfig(handPlan(), '/s', { nofileHard: 4096 }).process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 }]);
  assert.equal(buildOciConfig(handPlan(), '/s', { nofileHard: 512 }).process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 512, soft: 512 }]);
});

// --- binds -------------------------------------------------------------------

test('binds become rbind mounts, read-only ones rbind,ro, after the base mounts', () => {
  const c = buildOciConfig(
    handPlan({
      binds: [
        { source: '/usr', destination: '/usr', readonly: true },
        { source: '/srv/data', destination: '/data', readonly: false },
      ],
    }),
    '/s',
    LIMITS,
  );
  const usr = c.mounts.find((m) => m.destination === '/usr');
  assert.equal(usr, { destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] });
  const data = c.mounts.find((m) => m.destination === '/data');
  assert.equal(data, { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind'] });
  const dests = c.mounts.map((m) => m.destination);
  assert.ok(dests.indexOf('/usr') > dests.indexOf('/run'), 'binds come after the base mounts');
});

test("sparse: the host's real directories among its host-paths are bound read-only", async () => {
  const dir = makeTempDir();
  try {
    const sparse = await loadLinuxBrand('sparse');
    const rootfs = join(dir, 'root');
    // The install makes a directory where the host has one.
    for (const p of ['usr', 'bin', 'sbin', 'lib', 'lib64']) mkdirSync(join(rootfs, p), { recursive: true });
    const shared = await sharedDirectories(rootfs, sparse);
    assert.ok(shared.includes('/usr'), `/usr is shared: ${shared.join(' ')}`);
    const record: ZoneRecord = { ...zone('sp'), brand: 'sparse', zonepath: dir };
    const c = buildOciConfig(buildBootPlan(record, INSTALLED, sparse, shared), '/state', LIMITS);
    const binds = c.mounts.filter((m) => m.type === 'bind');
    assert.equal(
      binds.map((m) => m.destination),
      shared,
    );
    for (const b of binds) {
      assert.equal(b.options, ['rbind', 'ro'], b.destination);
      assert.is(b.source, b.destination);
    }
  } finally {
    removeTempDir(dir);
  }
});

// --- capabilities ------------------------------------------------------------

test("capabilities are exactly the brand's list, in every set", async () => {
  const native: Brand = await loadLinuxBrand('native');
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  const want = [...native.capabilities].sort();
  assert.equal(c.process.capabilities.bounding, want);
  assert.equal(c.process.capabilities.effective, want);
  assert.equal(c.process.capabilities.permitted, want);
  for (const dangerous of ['CAP_SYS_ADMIN', 'CAP_SYS_MODULE', 'CAP_SYS_TIME', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_RAWIO']) {
    assert.not.ok(c.process.capabilities.bounding.includes(dangerous), dangerous);
  }
});

test("a hand-made plan's capabilities bound the zone, nothing added", () => {
  const c = buildOciConfig(handPlan({ capabilities: ['CAP_KILL'] }), '/s', LIMITS);
  assert.equal(c.process.capabilities.bounding, ['CAP_KILL']);
  const none = buildOciConfig(handPlan({ capabilities: [] }), '/s', LIMITS);
  assert.equal(none.process.capabilities, { bounding: [], effective: [], permitted: [] });
});

// --- seccomp -----------------------------------------------------------------

test('on x64 the seccomp filter covers x86_64, x86 and x32', async () => {
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS, 'x64');
  assert.equal([...c.linux.seccomp.architectures].sort(), ['SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
});

test('on arm64 the filter covers aarch64 and 32-bit arm', () => {
  const s = ociSeccomp({ defaultAction: 'allow', deny: ['bpf'], errno: 'EPERM' }, 'arm64');
  assert.equal([...s.architectures].sort(), ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

test("the brand's deny list gets SCMP_ACT_ERRNO with errnoRet 1 (EPERM); the rest is allowed", async () => {
  const native = await loadLinuxBrand('native');
  const c = buildOciConfig(await nativePlan(), '/state', LIMITS);
  const s = c.linux.seccomp;
  assert.is(s.defaultAction, 'SCMP_ACT_ALLOW');
  assert.is(s.syscalls.length, 1);
  const rule = s.syscalls[0];
  assert.ok(rule !== undefined);
  assert.is(rule.action, 'SCMP_ACT_ERRNO');
  assert.is(rule.errnoRet, 1);
  assert.equal([...rule.names].sort(), [...native.seccomp.deny].sort());
  for (const sc of ['kexec_load', 'init_module', 'bpf', 'keyctl', 'open_by_handle_at', 'vm86']) {
    assert.ok(rule.names.includes(sc), sc);
  }
});

test('an empty deny list gives no syscall rules', () => {
  const s = ociSeccomp({ defaultAction: 'allow', deny: [], errno: 'EPERM' }, 'x64');
  assert.equal(s.syscalls, []);
  assert.is(s.defaultAction, 'SCMP_ACT_ALLOW');
});

test('errno names map to Linux numbers; unknown ones throw', () => {
  assert.is(errnoNumber('EPERM'), 1);
  assert.is(errnoNumber('ENOSYS'), 38);
  assert.throws(() => errnoNumber('EBOGUS'));
  const s = ociSeccomp({ defaultAction: 'allow', deny: ['bpf'], errno: 'ENOSYS' }, 'x64');
  assert.is(s.syscalls[0]?.errnoRet, 38);
});

// --- cgroups -----------------------------------------------------------------

test('cgroupsPath differs for two state roots and is stable for one', () => {
  const a = cgroupsPath('/var/lib/zonectl', 'web');
  const b = cgroupsPath('/tmp/zonectl-test-1', 'web');
  assert.is.not(a, b);
  assert.is(cgroupsPath('/var/lib/zonectl', 'web'), a);
  assert.is.not(cgroupsPath('/var/lib/zonectl', 'db'), a);
  for (const p of [a, b]) {
    assert.ok(p.startsWith('/zonectl/'), p);
    assert.ok(p.endsWith('-web'), p);
  }
});

test("buildOciConfig puts the state root's cgroup path in the config", async () => {
  const plan = await nativePlan();
  const one = buildOciConfig(plan, '/root-one', LIMITS).linux.cgroupsPath;
  const two = buildOciConfig(plan, '/root-two', LIMITS).linux.cgroupsPath;
  assert.is(one, cgroupsPath('/root-one', 'web'));
  assert.is.not(one, two);
});

// --- /proc/self/limits -------------------------------------------------------

test('parseNofileHard reads the hard open-files limit of this very process', () => {
  const text = readFileSync('/proc/self/limits', 'utf8');
  const n = parseNofileHard(text);
  const sh = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const want = sh.stdout.trim() === 'unlimited' ? 1048576 : Number(sh.stdout.trim());
  assert.ok(Number.isInteger(want) && want > 0, `ulimit -Hn said ${sh.stdout}`);
  assert.is(n, want);
});

test('parseNofileHard: unlimited, other columns, and a missing line', () => {
  const head = 'Limit                     Soft Limit           Hard Limit           Units     \n';
  assert.is(parseNofileHard(`${head}Max open files            1024                 524288               files     \n`), 524288);
  assert.is(parseNofileHard(`${head}Max open files            unlimited            unlimited            files     \n`), 1048576);
  assert.is(
    parseNofileHard(
      `${head}Max processes             63704                63704                processes \nMax open files            1024                 4096                 files     \n`,
    ),
    4096,
  );
  assert.is(parseNofileHard(`${head}Max processes             63704                63704                processes \n`), undefined);
  assert.is(parseNofileHard(''), undefined);
});

test.run();
