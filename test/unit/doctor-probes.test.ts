import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDoctor } from '../../src/hosts/linux/doctor.js';
import {
  cmdlineParam,
  ia32FromConfig,
  ia32Status,
  kstrtobool,
  parseCgroupLayout,
  parseFilesystems,
  parseKconfig,
  parseMountInfo,
  parseOsRelease,
  parseRuntimeVersion,
  parseSeccompActions,
  parseSeccompStatus,
  parseSysctlInt,
  parseVsyscall,
  vsyscallFromBoot,
  vsyscallFromMaps,
} from '../../src/probes/linux.js';

// A Debian 12 host booted with systemd's hybrid hierarchy (this is what the dev VM shows).
const MOUNTINFO_HYBRID = `22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// Debian 12 / Fedora default: unified hierarchy only.
const MOUNTINFO_V2 = `22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
31 23 0:27 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw
`;

// CentOS 7 style: v1 only, co-mounted controllers, named systemd hierarchy with release_agent.
const MOUNTINFO_V1 = `18 62 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755
25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
30 24 0:26 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,pids
31 24 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_prio,net_cls
`;

// Kernel 6.x x86_64 maps excerpt; the [vsyscall] line is the last one.
const MAPS_BASE = `55d0c8a00000-55d0c8a02000 r--p 00000000 fe:00 1835017                    /usr/bin/cat
7ffd5c1d3000-7ffd5c1f4000 rw-p 00000000 00:00 0                          [stack]
7ffd5c1f8000-7ffd5c1fa000 r-xp 00000000 00:00 0                          [vdso]
`;
const MAPS_XONLY = `${MAPS_BASE}ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n`;
const MAPS_EMULATE = `${MAPS_BASE}ffffffffff600000-ffffffffff601000 r-xp 00000000 00:00 0                  [vsyscall]\n`;

const KCONFIG_DEBIAN = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.0-18-amd64 Kernel Configuration
#
CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14) 12.2.0"
CONFIG_X86_VSYSCALL_EMULATION=y
# CONFIG_LEGACY_VSYSCALL_EMULATE is not set
CONFIG_LEGACY_VSYSCALL_XONLY=y
# CONFIG_LEGACY_VSYSCALL_NONE is not set
CONFIG_IA32_EMULATION=y
# CONFIG_X86_X32_ABI is not set
CONFIG_COMPAT_32=y
`;
const KCONFIG_IA32_DEFAULT_OFF = `CONFIG_IA32_EMULATION=y
CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y
CONFIG_X86_VSYSCALL_EMULATION=y
CONFIG_LEGACY_VSYSCALL_NONE=y
`;
const KCONFIG_NO_IA32 = `# CONFIG_IA32_EMULATION is not set
# CONFIG_X86_VSYSCALL_EMULATION is not set
`;

const CMDLINE_PLAIN = 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0b0e6f6a ro quiet';

test('parseMountInfo: fields after the optional-field separator, octal unescaping', () => {
  const m = parseMountInfo('40 31 0:37 / /mnt/with\\040space rw,relatime shared:3 master:1 - ext4 /dev/sda1 rw,errors=remount-ro\ngarbage\n');
  assert.equal(m, [{ mountPoint: '/mnt/with space', fsType: 'ext4', source: '/dev/sda1', superOptions: ['rw', 'errors=remount-ro'] }]);
});

test('parseCgroupLayout: hybrid (systemd unified at /sys/fs/cgroup/unified)', () => {
  const r = parseCgroupLayout(MOUNTINFO_HYBRID);
  assert.is(r.layout, 'hybrid');
  assert.equal(r.v1Controllers, ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd']);
});

test('parseCgroupLayout: pure v2', () => {
  assert.equal(parseCgroupLayout(MOUNTINFO_V2), { layout: 'v2', v1Controllers: [] });
});

test('parseCgroupLayout: pure v1 with co-mounted controllers and mount flags dropped', () => {
  const r = parseCgroupLayout(MOUNTINFO_V1);
  assert.is(r.layout, 'v1');
  assert.equal(r.v1Controllers, ['name=systemd', 'cpu', 'cpuacct', 'memory', 'pids', 'net_prio', 'net_cls']);
});

test('parseCgroupLayout: nothing mounted is unknown; cgroup2 over a tmpfs at /sys/fs/cgroup is v2', () => {
  assert.is(parseCgroupLayout('').layout, 'unknown');
  const over = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
50 31 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw
`;
  assert.is(parseCgroupLayout(over).layout, 'v2');
});

test('parseKconfig: set, unset, strings', () => {
  const k = parseKconfig(KCONFIG_DEBIAN);
  assert.is(k.get('CONFIG_IA32_EMULATION'), 'y');
  assert.is(k.get('CONFIG_LEGACY_VSYSCALL_EMULATE'), 'n');
  assert.is(k.get('CONFIG_X86_X32_ABI'), 'n');
  assert.is(k.get('CONFIG_CC_VERSION_TEXT'), 'gcc-12 (Debian 12.2.0-14) 12.2.0');
  assert.is(k.get('CONFIG_NOT_THERE'), undefined);
});

test('cmdlineParam: last occurrence wins, words after -- go to init', () => {
  assert.is(cmdlineParam('vsyscall=none quiet vsyscall=emulate', 'vsyscall'), 'emulate');
  assert.is(cmdlineParam('quiet -- vsyscall=emulate', 'vsyscall'), undefined);
  assert.is(cmdlineParam('ia32-emulation=0', 'ia32_emulation'), '0');
  assert.is(cmdlineParam('quiet nomodule', 'nomodule'), '');
  assert.is(cmdlineParam(CMDLINE_PLAIN, 'vsyscall'), undefined);
});

test('kstrtobool follows the kernel', () => {
  for (const s of ['1', 'y', 'Y', 'yes', 'true', 'on', 'ON']) assert.is(kstrtobool(s), true, s);
  for (const s of ['0', 'n', 'no', 'false', 'off', 'OFF']) assert.is(kstrtobool(s), false, s);
  assert.is(kstrtobool('maybe'), undefined);
  assert.is(kstrtobool(''), undefined);
});

test('ia32FromConfig', () => {
  const deb = parseKconfig(KCONFIG_DEBIAN);
  assert.is(ia32FromConfig(deb, CMDLINE_PLAIN), true);
  assert.is(ia32FromConfig(deb, `${CMDLINE_PLAIN} ia32_emulation=0`), false);
  assert.is(ia32FromConfig(deb, `${CMDLINE_PLAIN} ia32_emulation=off`), false);
  assert.is(ia32FromConfig(deb, `${CMDLINE_PLAIN} ia32_emulation=false`), false);
  assert.is(ia32FromConfig(parseKconfig(KCONFIG_NO_IA32), `${CMDLINE_PLAIN} ia32_emulation=1`), false);
  const off = parseKconfig(KCONFIG_IA32_DEFAULT_OFF);
  assert.is(ia32FromConfig(off, CMDLINE_PLAIN), false);
  assert.is(ia32FromConfig(off, `${CMDLINE_PLAIN} ia32_emulation=1`), true);
  assert.ok(ia32Status(off, CMDLINE_PLAIN).reason.includes('DEFAULT_DISABLED'));
  assert.is(ia32FromConfig(undefined, CMDLINE_PLAIN), null);
  assert.is(ia32FromConfig(undefined, `${CMDLINE_PLAIN} ia32_emulation=0`), false);
  assert.is(ia32FromConfig(undefined, `${CMDLINE_PLAIN} ia32_emulation=1`), null);
});

test('vsyscall from maps: --xp is xonly, r-xp is emulate, absent is none', () => {
  assert.is(vsyscallFromMaps(MAPS_XONLY), 'xonly');
  assert.is(vsyscallFromMaps(MAPS_EMULATE), 'emulate');
  assert.is(vsyscallFromMaps(MAPS_BASE), undefined);
  assert.is(parseVsyscall(MAPS_XONLY, CMDLINE_PLAIN, KCONFIG_DEBIAN), 'xonly');
  assert.is(parseVsyscall(MAPS_EMULATE, CMDLINE_PLAIN, KCONFIG_DEBIAN), 'emulate');
  assert.is(parseVsyscall(MAPS_BASE, CMDLINE_PLAIN, KCONFIG_DEBIAN), 'none');
  // maps is what the running kernel does, so it beats the boot settings.
  assert.is(parseVsyscall(MAPS_XONLY, `${CMDLINE_PLAIN} vsyscall=emulate`, KCONFIG_DEBIAN), 'xonly');
});

test('vsyscall without maps falls back to cmdline, then kernel config', () => {
  assert.is(parseVsyscall('', `${CMDLINE_PLAIN} vsyscall=emulate`, KCONFIG_DEBIAN), 'emulate');
  assert.is(parseVsyscall('', CMDLINE_PLAIN, KCONFIG_DEBIAN), 'xonly');
  assert.is(parseVsyscall('', CMDLINE_PLAIN, KCONFIG_IA32_DEFAULT_OFF), 'none');
  assert.is(parseVsyscall('', CMDLINE_PLAIN, undefined), 'unknown');
  assert.is(vsyscallFromBoot('vsyscall=emulate', KCONFIG_NO_IA32), 'none');
  assert.is(vsyscallFromBoot('vsyscall=native', undefined), 'emulate');
});

test('parseRuntimeVersion: runc and crun first lines', () => {
  const runc = 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n';
  const crun = 'crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/user/1000/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX +APPARMOR +CAP +SECCOMP +EBPF +YAJL\n';
  assert.is(parseRuntimeVersion(runc), '1.1.5+ds1');
  assert.is(parseRuntimeVersion(crun), '1.8.1');
  assert.is(parseRuntimeVersion('garbage\n'), undefined);
});

test('small /proc parsers', () => {
  assert.is(parseSysctlInt('15000\n'), 15000);
  assert.is(parseSysctlInt('0\n'), 0);
  assert.is(parseSysctlInt('x'), undefined);
  assert.ok(parseFilesystems('nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n').includes('overlay'));
  assert.not.ok(parseFilesystems('nodev\tsysfs\n\text4\n').includes('overlay'));
  const status = 'Name:\tcat\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\nSpeculation_Store_Bypass:\tthread vulnerable\n';
  assert.is(parseSeccompStatus(status), 2);
  assert.is(parseSeccompStatus('Name:\tcat\nNoNewPrivs:\t0\n'), undefined);
  assert.equal(parseSeccompActions('kill_process kill_thread trap errno user_notif trace log allow\n'), [
    'kill_process',
    'kill_thread',
    'trap',
    'errno',
    'user_notif',
    'trace',
    'log',
    'allow',
  ]);
  assert.is(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'), 'Debian GNU/Linux 12 (bookworm)');
});

test('runDoctor on this host', async () => {
  const report = await runDoctor();
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  assert.is(report.cgroup, parseCgroupLayout(mountinfo).layout);
  const ids = report.checks.map((c) => c.id);
  for (const id of [
    'runtime',
    'crun',
    'namespaces',
    'userns',
    'cgroup',
    'overlayfs',
    'seccomp',
    'ia32',
    'vsyscall',
    'busybox-static',
    'install-tools',
    'uname-shim',
    'lxcfs',
    'cni',
    'storage',
    'ssh-client',
    'root',
  ]) {
    assert.ok(ids.includes(id), `missing check ${id}`);
  }
  assert.is(
    report.ok,
    report.checks.every((c) => c.status !== 'missing'),
  );
  for (const c of report.checks) {
    assert.ok(['ok', 'warn', 'missing'].includes(c.status), c.id);
    if (c.status === 'missing') assert.type(c.fix, 'string', `${c.id} has no fix`);
  }
  assert.is(report.runtime?.name ?? 'runc', 'runc');
  if (process.arch !== 'x64') assert.is(report.ia32, null);
  if (process.arch === 'x64') {
    const maps = await readFile('/proc/self/maps', 'utf8');
    assert.is(report.vsyscall, vsyscallFromMaps(maps) ?? 'none');
  }
});

test.run();
