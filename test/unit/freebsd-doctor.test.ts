// `zonectl doctor` on a FreeBSD host: one fixed sh script asked once, its tagged lines
// made into checks. Transcripts for a fully equipped host and a bare one (each check's
// status, detail and fix exactly), a script that fails or cannot run at all (every
// check a 'warn', never an exception), and the script itself run by a real shell
// against stand-in commands, to show it prints what the parser reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostOs } from '../../src/transport/host-os.js';
import type { DoctorCheck } from '../../src/probes/check.js';
import { DOCTOR_SCRIPT, doctorArgv, doctorChecks, freebsdDoctor, parseDoctorLines } from '../../src/hosts/freebsd/doctor.js';
import { ScriptedExecutor } from '../scripted-executor.js';

const HOST: HostOs = { kind: 'freebsd', release: '14.1-RELEASE-p5', machine: 'amd64' };
const ROOT = '/var/db/zonectl';
const LX_RULES = '100 include 4\n200 path shm unhide\n300 path shm/* unhide';
const ARGV = ['sh', '-c', DOCTOR_SCRIPT, 'sh', ROOT, 'linux64elf', 'linux64', '5140', LX_RULES];

const EQUIPPED = [
  'tool jail /usr/sbin/jail',
  'tool jls /usr/sbin/jls',
  'tool jexec /usr/sbin/jexec',
  'tool fetch /usr/bin/fetch',
  'uid 0',
  'racct 1',
  'vimage 1',
  'kmod bridge loaded',
  'kmod epair loadable',
  'kmod linux loaded',
  'zfs ok 7',
  'state ok',
  'devfs 5 ours',
  '',
].join('\n');

// Reached as a user whose PATH lacks /usr/sbin, on a kernel without VIMAGE, RACCT off,
// no ZFS, no bridge or epair modules, the Linuxulator on disk but not loaded.
const BARE = [
  'tool jail -',
  'tool jls -',
  'tool jexec -',
  'tool fetch -',
  'uid 1001',
  'racct 0',
  'vimage -',
  'kmod bridge -',
  'kmod epair -',
  'kmod linux loadable',
  'zfs - internal error: failed to initialize ZFS library',
  'state - mkdir: /var/db/zonectl: Permission denied',
  'devfs 0 empty',
  '',
].join('\n');

async function doctor(steps: ConstructorParameters<typeof ScriptedExecutor>[0]): Promise<DoctorCheck[]> {
  const ex = new ScriptedExecutor(steps);
  const checks = await freebsdDoctor(ex, HOST, ROOT);
  ex.done();
  return checks;
}

test('a fully equipped host: every check ok', async () => {
  assert.equal(doctorArgv(ROOT, HOST), ARGV);
  assert.equal(await doctor([{ argv: ARGV, stdout: EQUIPPED }]), [
    { id: 'jail-tools', title: 'jail(8), jls, jexec', status: 'ok', detail: '/usr/sbin/jail, /usr/sbin/jls, /usr/sbin/jexec' },
    { id: 'root', title: 'root privileges', status: 'ok', detail: 'running as root' },
    { id: 'racct', title: 'RACCT/rctl (caps)', status: 'ok', detail: 'kern.racct.enable=1: rctl enforces capped-memory, max-processes and capped-cpu' },
    { id: 'vimage', title: 'VIMAGE (exclusive-IP zones)', status: 'ok', detail: 'kern.features.vimage=1: exclusive-IP zones get a network stack of their own (vnet)' },
    { id: 'bridge-epair', title: 'if_bridge and if_epair (exclusive-IP zones)', status: 'ok', detail: 'if_bridge loaded, if_epair loadable (ifconfig loads it at first use)' },
    { id: 'linux', title: 'Linuxulator (lx zones)', status: 'ok', detail: 'linux64elf loaded: lx zones can boot' },
    { id: 'devfs-lx', title: "devfs ruleset 5140 (lx zones' /dev)", status: 'ok', detail: 'loaded: devfsrules_jail plus /dev/shm' },
    { id: 'zfs', title: 'ZFS (clones and snapshots)', status: 'ok', detail: "zfs list works (7 datasets): zones under a dataset's mountpoint get ZFS clones and snapshots" },
    { id: 'fetch', title: 'fetch (release installs)', status: 'ok', detail: '/usr/bin/fetch: downloads base.txz and --source URLs' },
    { id: 'state-root', title: 'zone store', status: 'ok', detail: '/var/db/zonectl is writable' },
  ]);
});

const ZFS_FIX = 'sysrc zfs_enable=YES && service zfs start, with a pool (zpool create or zpool import), then zfs create -o mountpoint=/usr/local/jails POOL/jails';

test('a bare host: what it lacks, each with its fix', async () => {
  assert.equal(await doctor([{ argv: ARGV, stdout: BARE }]), [
    {
      id: 'jail-tools',
      title: 'jail(8), jls, jexec',
      status: 'missing',
      detail: 'not found on PATH: jail, jls, jexec',
      fix: 'they ship with FreeBSD base in /usr/sbin: put /usr/sbin on the PATH zonectl gets there, or restore base (freebsd-update fetch install)',
    },
    {
      id: 'root',
      title: 'root privileges',
      status: 'missing',
      detail: 'running as uid 1001',
      fix: 'connect as root (ssh root@HOST, or zonectl as root there): jail -c, zfs and rctl need it',
    },
    {
      id: 'racct',
      title: 'RACCT/rctl (caps)',
      status: 'warn',
      detail: 'kern.racct.enable=0: zones with capped-memory, max-processes or capped-cpu will not boot',
      fix: 'add kern.racct.enable=1 to /boot/loader.conf and reboot the host',
    },
    {
      id: 'vimage',
      title: 'VIMAGE (exclusive-IP zones)',
      status: 'warn',
      detail: 'no kern.features.vimage: exclusive-IP zones cannot boot; shared-IP zones can',
      fix: 'use a kernel built with options VIMAGE',
    },
    {
      id: 'bridge-epair',
      title: 'if_bridge and if_epair (exclusive-IP zones)',
      status: 'warn',
      detail: 'if_bridge, if_epair: neither in the kernel nor in /boot/kernel; exclusive-IP zones cannot get their epair',
      fix: 'build the kernel with device if_bridge and device epair, or install their modules in /boot/kernel',
    },
    {
      id: 'linux',
      title: 'Linuxulator (lx zones)',
      status: 'warn',
      detail: 'linux64.ko is not loaded: lx zones will not boot until it is',
      fix: 'kldload linux64, or sysrc linux_enable=YES && service linux start',
    },
    {
      id: 'devfs-lx',
      title: "devfs ruleset 5140 (lx zones' /dev)",
      status: 'warn',
      detail: 'devfs ruleset 4 (devfsrules_jail) is not loaded: jails would see every device',
      fix: 'service devfs restart (it loads /etc/defaults/devfs.rules)',
    },
    {
      id: 'zfs',
      title: 'ZFS (clones and snapshots)',
      status: 'warn',
      detail: 'zfs list failed (internal error: failed to initialize ZFS library): clones are copies, no snapshots',
      fix: ZFS_FIX,
    },
    {
      id: 'fetch',
      title: 'fetch (release installs)',
      status: 'warn',
      detail: 'fetch not found on PATH: release installs and --source URLs cannot download; archives on the host still install',
      fix: 'fetch ships with FreeBSD base in /usr/bin: put it on the PATH zonectl gets there, or restore base',
    },
    {
      id: 'state-root',
      title: 'zone store',
      status: 'missing',
      detail: '/var/db/zonectl is not writable: mkdir: /var/db/zonectl: Permission denied',
      fix: 'run zonectl as root there, or give it a writable --root',
    },
  ]);
});

test('the other answers: RACCT not in the kernel, ZFS without a pool, no Linuxulator on disk (i386 names), one of the two network modules', () => {
  const i386: HostOs = { ...HOST, machine: 'i386' };
  const text = 'racct -\nzfs ok 0\nkmod linux -\nkmod bridge loaded\nkmod epair -\n';
  const got = new Map(doctorChecks(text, 'x', i386, ROOT).map((c) => [c.id, c]));
  assert.equal(got.get('racct'), {
    id: 'racct',
    title: 'RACCT/rctl (caps)',
    status: 'warn',
    detail: 'no kern.racct.enable: the kernel has no RACCT, so zones with caps will not boot',
    fix: 'use a kernel with options RACCT and RCTL, then add kern.racct.enable=1 to /boot/loader.conf and reboot the host',
  });
  assert.equal(got.get('zfs'), {
    id: 'zfs',
    title: 'ZFS (clones and snapshots)',
    status: 'warn',
    detail: 'zfs list works but there are no datasets: clones are copies, no snapshots',
    fix: ZFS_FIX,
  });
  assert.equal(got.get('linux'), {
    id: 'linux',
    title: 'Linuxulator (lx zones)',
    status: 'warn',
    detail: 'no linux.ko in /boot/kernel: lx zones cannot boot',
    fix: 'kldload linux, or sysrc linux_enable=YES && service linux start',
  });
  assert.is(got.get('bridge-epair')?.detail, 'if_epair: neither in the kernel nor in /boot/kernel; exclusive-IP zones cannot get their epair');
  assert.equal(doctorArgv(ROOT, i386).slice(-4, -2), ['linuxelf', 'linux']);
  // Ruleset 5140 not loaded yet is fine (the first lx boot loads it); someone else's rules in it are not.
  const devfs = (v: string): DoctorCheck | undefined => doctorChecks(`devfs ${v}\n`, 'x', HOST, ROOT).find((c) => c.id === 'devfs-lx');
  assert.is(devfs('5 empty')?.status, 'ok');
  assert.equal(devfs('5 other'), {
    id: 'devfs-lx',
    title: "devfs ruleset 5140 (lx zones' /dev)",
    status: 'warn',
    detail: 'ruleset 5140 holds rules zonectl did not add: lx zones will not boot',
    fix: 'see devfs rule -s 5140 show; if nothing else uses it, devfs rule -s 5140 delset',
  });
});

test('a script that fails, or cannot be run at all: every check a warn saying why, no exception', async () => {
  const failed = await doctor([{ argv: ARGV, code: 127, stderr: 'sh: not found\n' }]);
  assert.is(failed.length, 10);
  for (const c of failed) {
    assert.is(c.status, 'warn');
    assert.is(c.detail, 'not probed: the probe script failed on ssh://root@test-host: sh: not found');
    assert.is(c.fix, undefined);
  }
  // The scripted host has nothing to answer with: its run throws.
  const thrown = await doctor([]);
  assert.equal(
    thrown.map((c) => c.status),
    Array(10).fill('warn'),
  );
  assert.match(thrown[0]?.detail ?? '', /^not probed: cannot run the probe script on ssh:\/\/root@test-host: unexpected run /);
  // Half an answer: what came is used, the rest says it was not probed.
  const half = await doctor([{ argv: ARGV, stdout: EQUIPPED.split('\n').slice(0, 5).join('\n') }]);
  assert.equal(
    half.map((c) => c.status),
    ['ok', 'ok', 'warn', 'warn', 'warn', 'warn', 'warn', 'warn', 'ok', 'warn'],
  );
  assert.is(half[2]?.detail, 'not probed: ssh://root@test-host gave no answer for it');
});

test('parsing: first line of a key wins, control characters in host words are escaped', () => {
  const lines = parseDoctorLines('uid 0\nuid 5\ntool jail /usr/sbin/jail\n\ngarbage\n');
  assert.is(lines.get('uid'), '0');
  assert.is(lines.get('tool jail'), '/usr/sbin/jail');
  const odd = doctorChecks('state - mkdir: /x\u001b[31m: denied\n', 'x', HOST, '/x');
  assert.is(odd.find((c) => c.id === 'state-root')?.detail, '/x is not writable: mkdir: /x\\u001b[31m: denied');
});

// ---- the script itself, run by this machine's sh (dash) with stand-in commands ----

function stub(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

/** A PATH of stand-ins plus the few real tools the script needs (mkdir, grep, tail). */
function standIns(dir: string, equipped: boolean): string {
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  for (const tool of ['mkdir', 'grep', 'tail']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  stub(bin, 'id', `echo ${equipped ? 0 : 1001}`);
  if (equipped) {
    for (const tool of ['jail', 'jls', 'jexec', 'fetch']) stub(bin, tool, 'exit 0');
    stub(bin, 'sysctl', '[ "$1" = -n ] && echo 1');
    stub(bin, 'kldstat', '[ "$1 $2" = "-q -m" ] && case "$3" in if_bridge|if_epair|linux64elf) exit 0;; esac; exit 1');
    stub(bin, 'zfs', 'printf "zroot\\nzroot/ROOT\\nzroot/jails\\n"');
    // Ruleset 4 of base (5 rules) and zonectl's, loaded.
    stub(
      bin,
      'devfs',
      '[ "$3" = 4 ] && printf "100 include 1\\n200 include 2\\n300 include 3\\n400 path fuse unhide\\n500 path zfs unhide\\n" || printf "100 include 4\\n200 path shm unhide\\n300 path shm/* unhide\\n"',
    );
  } else {
    stub(bin, 'sysctl', 'echo "sysctl: unknown oid \'$2\'" >&2; exit 1');
    stub(bin, 'kldstat', 'echo "kldstat: can\'t find module $3: No such file or directory" >&2; exit 1');
    stub(bin, 'zfs', 'echo "internal error: failed to initialize ZFS library" >&2; exit 1');
  }
  return bin;
}

function runScript(bin: string, stateRoot: string): string {
  const r = spawnSync('/bin/sh', ['-c', DOCTOR_SCRIPT, 'sh', stateRoot, 'linux64elf', 'linux64', '5140', LX_RULES], { env: { PATH: bin }, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

test('the script on stand-ins of an equipped host prints the lines the parser reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-doctor-'));
  try {
    const bin = standIns(dir, true);
    const out = runScript(bin, join(dir, 'state', 'zonectl'));
    assert.is(
      out,
      [
        `tool jail ${bin}/jail`,
        `tool jls ${bin}/jls`,
        `tool jexec ${bin}/jexec`,
        `tool fetch ${bin}/fetch`,
        'uid 0',
        'racct 1',
        'vimage 1',
        'kmod bridge loaded',
        'kmod epair loaded',
        'kmod linux loaded',
        'zfs ok 3',
        'state ok',
        'devfs 5 ours',
        '',
      ].join('\n'),
    );
    assert.equal(
      doctorChecks(out, 'x', HOST, '/s').map((c) => c.status),
      Array(10).fill('ok'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the script on stand-ins of a bare host: "-" for what failed, the failing words kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-doctor-'));
  try {
    const bin = standIns(dir, false);
    writeFileSync(join(dir, 'file'), '');
    const out = runScript(bin, join(dir, 'file', 'zonectl')).split('\n');
    assert.equal(out.slice(0, 11), [
      'tool jail -',
      'tool jls -',
      'tool jexec -',
      'tool fetch -',
      'uid 1001',
      'racct -',
      'vimage -',
      // No /boot/kernel/*.ko on this machine: neither loaded nor loadable.
      'kmod bridge -',
      'kmod epair -',
      'kmod linux -',
      'zfs - internal error: failed to initialize ZFS library',
    ]);
    assert.match(out[11] ?? '', /^state - mkdir: .*zonectl.*Not a directory$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
