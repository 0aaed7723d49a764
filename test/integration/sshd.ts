// A real OpenSSH server for the ssh executor's tests: Debian's sshd on 127.0.0.1 with
// a free port, its own host key and authorized key in a temporary directory, and a
// client ssh_config that trusts exactly that host key. Nothing of the machine's own
// ssh setup (its sshd, ~/.ssh, agent) is used or changed; stop() removes it all.
// Runs as root (CI does): sshd needs it to switch users.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';
/** The Host alias the client config gives this server (HostName 127.0.0.1, its Port). */
export const SSHD_ALIAS = 'zonectl-test-sshd';
const READY_POLLS = 200;
const READY_POLL_MS = 25;

export interface TestSshd {
  port: number;
  dir: string;
  /** Client options that reach this server: ['-F', its ssh_config]. */
  sshOptions: string[];
  /** sshd's log so far (its stderr, -e), for failure messages. */
  log(): string;
  /** Connections sshd is serving now (its direct children, one per connection). */
  connections(): number;
  /** Ends every connection (as a network drop would); the server keeps listening. */
  dropConnections(): void;
  stop(): Promise<void>;
}

export function requireSshd(): void {
  if (process.getuid?.() !== 0) throw new Error('the ssh tests start an sshd and add a user: they need root (CI runs them as root)');
  for (const prog of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen']) {
    if (!existsSync(prog)) throw new Error(`${prog} is missing: run scripts/install-deps.sh (openssh-server openssh-client)`);
  }
  // Without PAM, sshd refuses an account whose password is locked with '!'.
  const root = readFileSync('/etc/shadow', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('root:'));
  if (root?.split(':')[1]?.startsWith('!') === true) throw new Error("root's password is locked ('!' in /etc/shadow): sshd without PAM refuses root then");
}

/** A port nobody listens on now (the kernel's pick; free again once we close it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startSshd(): Promise<TestSshd> {
  requireSshd();
  // sshd's privilege separation chroots into /run/sshd; on a host that never ran the
  // ssh service (a CI container) it does not exist.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'zonectl-sshd-'));
  try {
    keygen(join(dir, 'host_ed25519'));
    keygen(join(dir, 'id_ed25519'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')));
    // The port can be taken between freePort() and sshd's bind: then try another.
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(dir, await freePort());
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Adds a local user with `shell` as login shell who logs in to `sshd` with the test
 * key (in its own ~/.ssh/authorized_keys: sshd reads it as the user, who cannot enter
 * our private temporary directory); returns its removal. */
export function addTestUser(sshd: TestSshd, name: string, shell: string): () => void {
  const remove = (): void => void spawnSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
  remove(); // a run killed before its cleanup may have left it
  // '*', not useradd's default '!': without PAM, sshd refuses a '!'-locked account.
  must(['useradd', '-m', '-p', '*', '-s', shell, name]);
  const home = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':')[5] ?? '';
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  writeFileSync(join(home, '.ssh', 'authorized_keys'), readFileSync(join(sshd.dir, 'id_ed25519.pub')), { mode: 0o600 });
  must(['chown', '-R', `${name}:`, join(home, '.ssh')]);
  return remove;
}

async function launch(dir: string, port: number): Promise<TestSshd> {
  const config = join(dir, 'sshd_config');
  writeFileSync(config, sshdConfig(dir, port));
  writeFileSync(join(dir, 'ssh_config'), clientConfig(dir, port));
  const hostKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  must([SSHD, '-t', '-f', config]);

  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    await waitForBanner(port, child);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`sshd on port ${port} did not start: ${(e as Error).message}\n${log}`);
  }
  return {
    port,
    dir,
    sshOptions: ['-F', join(dir, 'ssh_config')],
    log: () => log,
    connections: () => childrenOf(child.pid as number).length,
    dropConnections: () => childrenOf(child.pid as number).forEach(killQuietly),
    stop: async () => {
      // Connections outlive the listener (each is its own process): end them too.
      childrenOf(child.pid as number).forEach(killQuietly);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sshdConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    // Root's key here; other test users' in their homes (see addTestUser).
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')} .ssh/authorized_keys`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The temporary directory's modes are not what StrictModes wants for a home.
    'StrictModes no',
    'UsePAM no',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

function clientConfig(dir: string, port: number): string {
  return [
    `Host ${SSHD_ALIAS}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    'Host *',
    `  IdentityFile ${join(dir, 'id_ed25519')}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
    '  CheckHostIP no',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    '  ConnectTimeout 10',
    '',
  ].join('\n');
}

function keygen(file: string): void {
  must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'zonectl-test', '-f', file]);
}

function must(argv: string[]): void {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
}

/** Resolves once sshd answers with its banner on the port; rejects if it exits first. */
async function waitForBanner(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < READY_POLLS; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited (${child.exitCode ?? child.signalCode})`);
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new Error('no SSH banner on the port');
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('data', (b: Buffer) => {
      sock.destroy();
      resolve(b.toString('latin1').startsWith('SSH-'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name (which may hold spaces): state, ppid, ...
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(name));
  }
  return out;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
