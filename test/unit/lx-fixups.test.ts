// Boot-time fixups of the lx brand, on zone roots laid out as the distributions lay
// them out: applied once however often a zone boots, confined to the root, and shell
// scripts stay valid shell.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadBrand } from '../../src/brands/brand.js';
import { applyFixups, MARKER, writeZoneFiles } from '../../src/brands/fixups.js';

// As RHEL 3's initscripts wrote them (abridged, structure kept).
const RHEL3_INITTAB = `id:5:initdefault:
si::sysinit:/etc/rc.d/rc.sysinit
l3:3:wait:/etc/rc.d/rc 3
ca::ctrlaltdel:/sbin/shutdown -t3 -r now
pf::powerfail:/sbin/shutdown -f -h +2 "Power Failure; System Shutting Down"
1:2345:respawn:/sbin/mingetty tty1
2:2345:respawn:/sbin/mingetty tty2
x:5:respawn:/etc/X11/prefdm -nodaemon
`;
const RHEL3_SYSINIT = `#!/bin/bash
# /etc/rc.d/rc.sysinit - run once at boot time
. /etc/init.d/functions
if [ -x /sbin/hwclock ]; then
  /sbin/hwclock $CLOCKFLAGS
fi
action $"Setting clock : $(date)" date
if [ -f /fsckoptions ]; then
        fsckoptions=$(cat /fsckoptions)
fi
if [ -z "$fastboot" ]; then
        initlog -c "fsck -T -a $fsckoptions /"
        rc=$?
fi
/sbin/modprobe usbcore >/dev/null 2>&1
mount -n -t devpts -o gid=5,mode=620 none /dev/pts
echo done
`;

function root(files: Record<string, string>): string {
  const r = mkdtempSync(join(tmpdir(), 'zonectl-fixups-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(r, path)), { recursive: true });
    writeFileSync(join(r, path), content);
  }
  return r;
}

function rcLinks(r: string, dir: string, names: string[]): void {
  mkdirSync(join(r, dir), { recursive: true });
  for (const n of names) symlinkSync(`../init.d/${n.replace(/^[SK]\d\d/, '')}`, join(r, dir, n));
}

test('a RHEL 3 root gets the Red Hat fixups, once, however often it boots', async () => {
  const lx = await loadBrand('lx');
  const r = root({
    'etc/redhat-release': 'CentOS release 3.9 (Final)\n',
    'etc/inittab': RHEL3_INITTAB,
    'etc/rc.d/rc.sysinit': RHEL3_SYSINIT,
    'etc/selinux/config': 'SELINUX=enforcing\nSELINUXTYPE=targeted\n',
    'etc/pam.d/login': 'auth required pam_stack.so service=system-auth\nsession    required     pam_loginuid.so\n',
    'etc/sysconfig/clock': 'ZONE="UTC"\n',
  });
  rcLinks(r, 'etc/rc.d/rc3.d', ['S05kudzu', 'S10network', 'S08iptables', 'K20nfs']);
  try {
    const first = await applyFixups(r, lx);
    assert.equal(first.families, ['redhat']);
    const inittab = readFileSync(join(r, 'etc/inittab'), 'utf8');
    assert.match(inittab, /^id:3:initdefault:$/m);
    assert.match(inittab, new RegExp(`^# ${MARKER}: 1:2345:respawn:/sbin/mingetty tty1$`, 'm'));
    assert.match(inittab, /^ca::ctrlaltdel:\/bin\/true$/m);
    assert.match(inittab, /^pf::powerfail:\/sbin\/shutdown -f -h now /m);
    const sysinit = readFileSync(join(r, 'etc/rc.d/rc.sysinit'), 'utf8');
    assert.match(sysinit, new RegExp(`^: # ${MARKER}: /sbin/hwclock \\$CLOCKFLAGS$`, 'm'));
    assert.match(sysinit, new RegExp(`^: # ${MARKER}: initlog -c "fsck`, 'm'));
    assert.match(sysinit, /^if \[ -f \/fsckoptions \]; then$/m, 'a structural line was changed');
    assert.match(sysinit, new RegExp(`^: # ${MARKER}: mount -n -t devpts`, 'm'));
    assert.is(spawnSync('bash', ['-n', join(r, 'etc/rc.d/rc.sysinit')]).status, 0, 'rc.sysinit is no longer valid shell');
    assert.match(readFileSync(join(r, 'etc/selinux/config'), 'utf8'), /^SELINUX=disabled$/m);
    assert.match(readFileSync(join(r, 'etc/pam.d/login'), 'utf8'), new RegExp(`^# ${MARKER}: session +required +pam_loginuid`, 'm'));
    assert.not.ok(existsSync(join(r, 'etc/rc.d/rc3.d/S05kudzu')) || lstatSync(join(r, 'etc/rc.d/rc3.d')).isFile());
    assert.not.ok(lstatSync(join(r, 'etc/rc.d/rc3.d/S08iptables'), { throwIfNoEntry: false }));
    assert.ok(lstatSync(join(r, 'etc/rc.d/rc3.d/S10network')).isSymbolicLink(), 'network was removed');
    assert.ok(lstatSync(join(r, 'etc/rc.d/rc3.d/K20nfs')).isSymbolicLink(), 'a K link was removed');
    assert.match(readFileSync(join(r, 'etc/sysconfig/network'), 'utf8'), /^NETWORKING=yes$/m);

    const after1 = snapshot(r);
    for (let i = 0; i < 3; i++) {
      const again = await applyFixups(r, lx);
      assert.equal(again.changes, [], `boot ${i + 2} changed something again`);
    }
    assert.equal(snapshot(r), after1);
    assert.is(readFileSync(join(r, 'etc/inittab'), 'utf8').split(MARKER).length - 1, 3, 'markers multiplied');
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

function snapshot(r: string): string {
  return spawnSync('sh', ['-c', 'find . -printf "%p %y %l\\n" | sort; cat etc/inittab etc/rc.d/rc.sysinit'], { cwd: r, encoding: 'utf8' }).stdout;
}

test('a file that is a symlink is never edited, even one pointing out of the root', async () => {
  const lx = await loadBrand('lx');
  const outside = mkdtempSync(join(tmpdir(), 'zonectl-outside-'));
  writeFileSync(join(outside, 'inittab'), 'id:5:initdefault:\n');
  const r = root({ 'etc/redhat-release': 'Red Hat Enterprise Linux AS release 3\n' });
  symlinkSync(join(outside, 'inittab'), join(r, 'etc/inittab'));
  symlinkSync('/etc', join(r, 'etc/selinux'));
  try {
    await applyFixups(r, lx);
    assert.is(readFileSync(join(outside, 'inittab'), 'utf8'), 'id:5:initdefault:\n');
    assert.is(readlinkSync(join(r, 'etc/inittab')), join(outside, 'inittab'));
  } finally {
    rmSync(r, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('Debian: gettys commented, hardware services removed; systemd units masked', async () => {
  const lx = await loadBrand('lx');
  const r = root({
    'etc/debian_version': '12.7\n',
    'etc/inittab': 'id:2:initdefault:\n1:2345:respawn:/sbin/getty --noclear 38400 tty1\npf::powerwait:/etc/init.d/powerfail start\n',
    'etc/systemd/system.conf': '[Manager]\n',
    'etc/systemd/system/multi-user.target.wants/cron.service': '',
  });
  rcLinks(r, 'etc/rcS.d', ['S01udev', 'S02hwclock.sh', 'S03networking']);
  try {
    const res = await applyFixups(r, lx);
    assert.equal(res.families, ['debian', 'systemd']);
    const inittab = readFileSync(join(r, 'etc/inittab'), 'utf8');
    assert.match(inittab, /^# zonectl-lx: 1:2345:respawn/m);
    assert.match(inittab, /^pf::powerwait:\/sbin\/shutdown -t1 -a -h -P now$/m);
    assert.not.ok(existsSync(join(r, 'etc/rcS.d/S01udev')) || lstatSync(join(r, 'etc/rcS.d/S01udev'), { throwIfNoEntry: false }));
    assert.ok(lstatSync(join(r, 'etc/rcS.d/S03networking')).isSymbolicLink());
    assert.is(readlinkSync(join(r, 'etc/systemd/system/systemd-udevd.service')), '/dev/null');
    assert.match(readFileSync(join(r, 'etc/fstab'), 'utf8'), /^tmpfs \/dev\/shm tmpfs/m);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('Alpine: OpenRC hardware services leave their runlevels, gettys are commented', async () => {
  const r = root({ 'etc/alpine-release': '3.20.3\n', 'etc/inittab': '::sysinit:/sbin/openrc sysinit\ntty1::respawn:/sbin/getty 38400 tty1\n' });
  mkdirSync(join(r, 'etc/runlevels/sysinit'), { recursive: true });
  mkdirSync(join(r, 'etc/runlevels/default'), { recursive: true });
  symlinkSync('/etc/init.d/hwdrivers', join(r, 'etc/runlevels/sysinit/hwdrivers'));
  symlinkSync('/etc/init.d/crond', join(r, 'etc/runlevels/default/crond'));
  try {
    const res = await applyFixups(r, await loadBrand('lx'));
    assert.equal(res.families, ['alpine']);
    assert.not.ok(lstatSync(join(r, 'etc/runlevels/sysinit/hwdrivers'), { throwIfNoEntry: false }));
    assert.ok(lstatSync(join(r, 'etc/runlevels/default/crond')).isSymbolicLink());
    assert.match(readFileSync(join(r, 'etc/inittab'), 'utf8'), /^# zonectl-lx: tty1::respawn/m);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('SUSE: boot.* hardware scripts leave the boot runlevel', async () => {
  const r = root({ 'etc/SuSE-release': 'SUSE Linux Enterprise Server 11 (x86_64)\n' });
  mkdirSync(join(r, 'etc/init.d/boot.d'), { recursive: true });
  symlinkSync('init.d', join(r, 'etc/rc.d'));
  symlinkSync('../boot.clock', join(r, 'etc/init.d/boot.d/S01boot.clock'));
  symlinkSync('../boot.localnet', join(r, 'etc/init.d/boot.d/S05boot.localnet'));
  try {
    const res = await applyFixups(r, await loadBrand('lx'));
    assert.equal(res.families, ['suse']);
    assert.not.ok(lstatSync(join(r, 'etc/init.d/boot.d/S01boot.clock'), { throwIfNoEntry: false }));
    assert.ok(lstatSync(join(r, 'etc/init.d/boot.d/S05boot.localnet')).isSymbolicLink());
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('an unknown distribution gets no edits', async () => {
  const r = root({ 'etc/os-release': 'ID=plan9\n' });
  try {
    assert.equal(await applyFixups(r, await loadBrand('lx')), { families: [], changes: [] });
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('zone files: hostname from the config, mtab linked, written only when different', async () => {
  const r = root({ 'etc/hostname': 'old\n' });
  try {
    assert.equal(await writeZoneFiles(r, { hostname: 'c3', sharedNetwork: false }), ['etc/hostname: written', 'etc/mtab: linked to /proc/self/mounts']);
    assert.is(readFileSync(join(r, 'etc/hostname'), 'utf8'), 'c3\n');
    assert.is(readlinkSync(join(r, 'etc/mtab')), '/proc/self/mounts');
    assert.equal(await writeZoneFiles(r, { hostname: 'c3', sharedNetwork: false }), []);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test.run();
