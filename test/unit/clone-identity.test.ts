// The script that gives a FreeBSD or illumos clone's root its own identity, run here for
// real on a scratch tree (with dash and with bash --posix: no Bourne shell of Solaris 10
// is at hand, so what it lacks is checked on the text): what it removes, empties and
// writes, and that nothing outside the root is touched through a symbolic link.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IDENTITY_NO_ETC, IDENTITY_REFUSED, IDENTITY_SCRIPT, identityArgv, identitySteps, type IdentityStep } from '../../src/backends/clone-identity.js';

const CANDIDATES: Array<[string, string[]]> = [
  ['/bin/dash', []],
  ['/bin/bash', ['--posix']],
];
const SHELLS = CANDIDATES.filter(([sh]) => existsSync(sh));

function scratch(): { dir: string; root: string; outside: string; put: (rel: string, text: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-identity-'));
  const root = join(dir, 'root');
  const outside = join(dir, 'host');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(outside);
  const put = (rel: string, text: string): string => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  return { dir, root, outside, put, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function run(shell: [string, string[]], root: string, steps: IdentityStep[]): { status: number | null; stderr: string } {
  const argv = identityArgv(root, steps);
  const r = spawnSync(shell[0], [...shell[1], ...argv.slice(1)], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

test('the script is one line of Bourne shell: no $(...), no ${...}, no newline', () => {
  assert.not.ok(IDENTITY_SCRIPT.includes('\n'));
  assert.not.ok(IDENTITY_SCRIPT.includes('$('));
  assert.not.ok(IDENTITY_SCRIPT.includes('${'));
  assert.not.ok(/-maxdepth|\[\[|-L /.test(IDENTITY_SCRIPT), 'Solaris 10: no find -maxdepth, no [[ ]], test -h not -L');
});

test('argv: the directories the steps go through first, shallow ones first, each once (etc the script checks itself)', () => {
  assert.equal(identityArgv('/z/root', identitySteps('linux', 'a', 'b')).slice(4), [
    '/z/root',
    'dir',
    'etc/ssh',
    'dir',
    'var',
    'dir',
    'var/lib',
    'dir',
    'var/lib/dbus',
    'keys',
    'etc/ssh',
    'empty',
    'etc',
    'machine-id',
    'empty',
    'var/lib/dbus',
    'machine-id',
    'rename',
    'etc',
    'hostname',
    'a',
    'b',
  ]);
  assert.equal(identityArgv('/z/root', identitySteps('solaris', 'a', 'b')).slice(5), ['dir', 'etc/ssh', 'keys', 'etc/ssh', 'write', 'etc', 'nodename', 'b']);
  assert.equal(identityArgv('/z/root', identitySteps('freebsd', 'a', 'b')).slice(5), ['dir', 'etc/ssh', 'keys', 'etc/ssh', 'remove', 'etc', 'hostid', 'remove', 'etc', 'machine-id']);
});

for (const shell of SHELLS) {
  const name = [shell[0], ...shell[1]].join(' ');

  test(`${name}: a FreeBSD root loses its ssh host keys (only those, not below etc/ssh), hostid and machine-id`, () => {
    const t = scratch();
    try {
      const rsa = t.put('root/etc/ssh/ssh_host_rsa_key', 'k');
      const pub = t.put('root/etc/ssh/ssh_host_ed25519_key.pub', 'k');
      const config = t.put('root/etc/ssh/sshd_config', 'c');
      const deeper = t.put('root/etc/ssh/keep/ssh_host_rsa_key', 'k');
      const hostid = t.put('root/etc/hostid', 'uuid');
      const machineId = t.put('root/etc/machine-id', 'id');
      // A key that is a link (to the host's, as the host sees it): the link goes, the
      // file it points to stays.
      const hostKey = t.put('host/ssh_host_ecdsa_key', 'host');
      symlinkSync(hostKey, join(t.root, 'etc/ssh/ssh_host_ecdsa_key'));
      const r = run(shell, t.root, identitySteps('freebsd', 'web', 'web2'));
      assert.is(r.status, 0, r.stderr);
      for (const gone of [rsa, pub, hostid, machineId]) assert.not.ok(existsSync(gone), gone);
      assert.ok(existsSync(config) && existsSync(deeper));
      assert.is(readFileSync(hostKey, 'utf8'), 'host');
      assert.throws(() => lstatSync(join(t.root, 'etc/ssh/ssh_host_ecdsa_key')));
      // Again on what is left: nothing to do is done.
      assert.is(run(shell, t.root, identitySteps('freebsd', 'web', 'web2')).status, 0);
    } finally {
      t.done();
    }
  });

  test(`${name}: a Linux root gets empty machine-ids, and /etc/hostname only where it names the source`, () => {
    const t = scratch();
    try {
      const machineId = t.put('root/etc/machine-id', 'abc\n');
      const dbus = t.put('root/var/lib/dbus/machine-id', 'abc\n');
      const hostname = t.put('root/etc/hostname', 'deb\n');
      assert.is(run(shell, t.root, identitySteps('linux', 'deb', 'deb2')).status, 0);
      assert.is(readFileSync(machineId, 'utf8'), '');
      assert.is(readFileSync(dbus, 'utf8'), '');
      assert.is(readFileSync(hostname, 'utf8'), 'deb2\n');
      // A name the user chose stays; a machine-id that is a link (to the host's) too.
      writeFileSync(hostname, 'mine\n');
      rmSync(dbus);
      const hostId = t.put('host/machine-id', 'host\n');
      symlinkSync(hostId, dbus);
      assert.is(run(shell, t.root, identitySteps('linux', 'deb', 'deb2')).status, 0);
      assert.is(readFileSync(hostname, 'utf8'), 'mine\n');
      assert.is(readFileSync(hostId, 'utf8'), 'host\n');
    } finally {
      t.done();
    }
  });

  test(`${name}: a Solaris root gets /etc/nodename anew, replacing a link rather than writing through it`, () => {
    const t = scratch();
    try {
      const hostFile = t.put('host/nodename', 'host\n');
      symlinkSync(hostFile, join(t.root, 'etc/nodename'));
      assert.is(run(shell, t.root, identitySteps('solaris', 'web', 'web2')).status, 0);
      assert.is(readFileSync(join(t.root, 'etc/nodename'), 'utf8'), 'web2\n');
      assert.not.ok(lstatSync(join(t.root, 'etc/nodename')).isSymbolicLink());
      assert.is(readFileSync(hostFile, 'utf8'), 'host\n');
    } finally {
      t.done();
    }
  });

  test(`${name}: a directory on the way that is a symbolic link is refused before anything is removed`, () => {
    const t = scratch();
    try {
      const hostKey = t.put('host/ssh/ssh_host_rsa_key', 'host');
      const hostid = t.put('root/etc/hostid', 'uuid');
      symlinkSync(join(t.outside, 'ssh'), join(t.root, 'etc/ssh'));
      const r = run(shell, t.root, identitySteps('freebsd', 'web', 'web2'));
      assert.is(r.status, IDENTITY_REFUSED);
      assert.is(r.stderr, `${t.root}/etc/ssh is a symbolic link\n`);
      assert.ok(existsSync(hostKey) && existsSync(hostid));
      // So is etc itself, and var on the way to var/lib/dbus.
      rmSync(join(t.root, 'etc/ssh'));
      symlinkSync(t.outside, join(t.root, 'var'));
      assert.is(run(shell, t.root, identitySteps('linux', 'a', 'b')).status, IDENTITY_REFUSED);
      rmSync(join(t.root, 'etc'), { recursive: true });
      symlinkSync(t.outside, join(t.root, 'etc'));
      assert.is(run(shell, t.root, identitySteps('solaris', 'a', 'b')).status, IDENTITY_REFUSED);
      assert.not.ok(existsSync(join(t.outside, 'nodename')));
    } finally {
      t.done();
    }
  });

  test(`${name}: a root without etc (an unmounted zone root) says so with its own status`, () => {
    const t = scratch();
    try {
      rmSync(join(t.root, 'etc'), { recursive: true });
      const r = run(shell, t.root, identitySteps('solaris', 'a', 'b'));
      assert.is(r.status, IDENTITY_NO_ETC);
      assert.not.ok(existsSync(join(t.root, 'etc')));
    } finally {
      t.done();
    }
  });
}

test.run();
