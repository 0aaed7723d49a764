// Boots a FreeBSD or OmniOS disk image under QEMU and drives it with zonectl --host over
// ssh, the way an admin's laptop drives a real box: create, install, boot, exec,
// list, halt, delete, for real, with nothing of ours installed in the guest.
//
//   FREEBSD_IMAGE=FreeBSD-14.1-RELEASE-amd64-BASIC-CLOUDINIT-zfs.qcow2 node --import tsx vm-tests/managed-host.ts freebsd
//   OMNIOS_IMAGE=omnios-r151050.cloud.qcow2 node --import tsx vm-tests/managed-host.ts omnios
//
// The guest must let root in over ssh with a key: cloud images do, given the NoCloud
// seed this script makes (cidata ISO with our fresh key); an image set up by hand can
// name its key in <OS>_SSH_KEY instead. Install sources come from the environment:
// FREEBSD_BASE_TXZ (a base.txz on this machine, copied into the guest) or
// FREEBSD_RELEASE (fetched by the guest from download.freebsd.org), OMNIOS_BRAND
// (default lipkg: installs from the guest's own package publisher).
// Exit status: 0 passed, 1 failed, 77 skipped (no image given), as automake's harness reads it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIPPED = 77;
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist', 'zonectl.mjs');

type Os = 'freebsd' | 'omnios';

function say(line: string): void {
  process.stdout.write(`managed-host: ${line}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function must(argv: string[], what: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed: ${argv.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A NoCloud seed (cidata) giving root our key: FreeBSD's nuageinit and cloud-init read it. */
function seedIso(work: string, pub: string): string {
  const dir = join(work, 'seed');
  must(['mkdir', '-p', dir], 'mkdir');
  writeFileSync(join(dir, 'meta-data'), 'instance-id: zonectl-vm-test\nlocal-hostname: zonectl-guest\n');
  writeFileSync(
    join(dir, 'user-data'),
    `#cloud-config\ndisable_root: false\nssh_pwauth: false\nssh_authorized_keys:\n  - ${pub}\nusers:\n  - name: root\n    ssh_authorized_keys:\n      - ${pub}\n`,
  );
  const iso = join(work, 'seed.iso');
  must(['genisoimage', '-quiet', '-output', iso, '-volid', 'cidata', '-joliet', '-rock', join(dir, 'user-data'), join(dir, 'meta-data')], 'making the NoCloud seed');
  return iso;
}

function accel(): string {
  // KVM hangs on some of these machines; it is used only when asked for.
  return process.env.ZONECTL_VM_ACCEL ?? 'tcg';
}

function bootGuest(image: string, iso: string | undefined, port: number, log: string): ChildProcess {
  const args = [
    '-accel',
    accel(),
    '-m',
    '4096',
    '-smp',
    '2',
    '-nographic',
    '-snapshot',
    '-monitor',
    'none',
    '-serial',
    `file:${log}`,
    '-drive',
    `file=${image},if=virtio`,
    '-netdev',
    `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    ...(iso === undefined ? [] : ['-drive', `file=${iso},media=cdrom,readonly=on`]),
  ];
  return spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
}

interface Ssh {
  env: NodeJS.ProcessEnv;
  host: string;
}

async function waitForSsh(s: Ssh, minutes: number): Promise<void> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const r = spawnSync('ssh', [...(s.env.ZONECTL_SSH_OPTIONS ?? '').split(' ').filter(Boolean), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `ssh://${s.host}`, 'uname -a'], {
      encoding: 'utf8',
    });
    if (r.status === 0) {
      say(`guest up: ${r.stdout.trim()}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`the guest's sshd did not answer within ${minutes} min`);
    await new Promise((res) => setTimeout(res, 5000));
  }
}

function zonectl(s: Ssh, args: string[]): string {
  say(`zonectl ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [CLI, '--host', `ssh://${s.host}`, ...args], { encoding: 'utf8', env: s.env, timeout: 45 * 60_000 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) throw new Error(`zonectl ${args.join(' ')} exited ${String(r.status)}`);
  return r.stdout;
}

function installArgs(os: Os, s: Ssh): string[] {
  if (os === 'omnios') return [];
  const txz = process.env.FREEBSD_BASE_TXZ;
  if (txz !== undefined) {
    must(['scp', ...(s.env.ZONECTL_SSH_OPTIONS ?? '').split(' ').filter(Boolean), txz, `scp://${s.host}//var/tmp/base.txz`], 'copying base.txz in');
    return ['--source', '/var/tmp/base.txz'];
  }
  return ['--release', process.env.FREEBSD_RELEASE ?? '14.1-RELEASE'];
}

/** The lifecycle, checked as a user would: states in `list --json`, output of exec. */
function lifecycle(os: Os, s: Ssh): void {
  const brand = os === 'freebsd' ? 'native' : 'native';
  zonectl(s, ['create', 'vmt', '--brand', brand, '--set', 'hostname=vmt-zone', ...(os === 'omnios' ? ['--set', 'ip-type=exclusive'] : [])]);
  zonectl(s, ['install', 'vmt', ...installArgs(os, s)]);
  zonectl(s, ['boot', 'vmt']);
  const list = JSON.parse(zonectl(s, ['list', '--json'])) as Array<{ name: string; state: string }>;
  if (list.find((z) => z.name === 'vmt')?.state !== 'running') throw new Error(`list does not show vmt running: ${JSON.stringify(list)}`);
  const hn = zonectl(s, ['exec', 'vmt', '--', 'hostname']).trim();
  if (hn !== 'vmt-zone') throw new Error(`hostname in the zone is "${hn}", expected vmt-zone`);
  zonectl(s, ['halt', 'vmt']);
  zonectl(s, ['delete', '-F', 'vmt']);
  const after = JSON.parse(zonectl(s, ['list', '--json'])) as unknown[];
  if (after.length !== 0) throw new Error(`zones left after delete: ${JSON.stringify(after)}`);
}

async function main(): Promise<number> {
  const os = process.argv[2] as Os | undefined;
  if (os !== 'freebsd' && os !== 'omnios') {
    process.stderr.write('usage: managed-host.ts freebsd|omnios\n');
    return 2;
  }
  const varName = os === 'freebsd' ? 'FREEBSD_IMAGE' : 'OMNIOS_IMAGE';
  const image = process.env[varName];
  if (image === undefined || image === '') {
    say(`${varName} not set: skipped (give a ${os} disk image to run the ${os} backend for real)`);
    return SKIPPED;
  }
  if (!existsSync(image)) {
    say(`${varName}=${image}: no such file`);
    return 1;
  }
  const work = mkdtempSync('/var/tmp/zonectl-managed-');
  let vm: ChildProcess | undefined;
  try {
    const keyVar = `${os.toUpperCase()}_SSH_KEY`;
    let key = process.env[keyVar];
    let iso: string | undefined;
    if (key === undefined) {
      key = join(work, 'id');
      must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], 'ssh-keygen');
      iso = seedIso(work, must(['cat', `${key}.pub`], 'reading the key').trim());
    }
    const port = await freePort();
    const log = join(work, 'console.log');
    vm = bootGuest(image, iso, port, log);
    const s: Ssh = {
      host: `root@127.0.0.1:${port}`,
      env: { ...process.env, ZONECTL_SSH_OPTIONS: `-i ${key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR` },
    };
    await waitForSsh(s, Number(process.env.ZONECTL_VM_BOOT_MIN ?? 15));
    lifecycle(os, s);
    say(`${os}: passed`);
    return 0;
  } catch (e) {
    say(`${os}: FAILED: ${e instanceof Error ? e.message : String(e)} (guest console: ${join(work, 'console.log')} kept)`);
    vm?.kill('SIGKILL');
    return 1;
  } finally {
    vm?.kill('SIGKILL');
    if (process.exitCode === undefined || process.exitCode === 0) rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
