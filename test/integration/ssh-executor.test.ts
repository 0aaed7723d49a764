// The ssh executor against a real sshd on 127.0.0.1: commands' status and output come
// back exactly, stdin goes through byte for byte, hostile arguments arrive intact (also
// for a user whose login shell is tcsh), ssh's own failures are one-line errors while a
// command's exit 255 stays a status, and one master connection carries everything.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshExecutor } from '../../src/transport/ssh.js';
import { assertOneLine, rejectsZoneError } from '../unit/fixtures/expect-error.js';
import { addTestUser, freePort, SSHD_ALIAS, startSshd, type TestSshd } from './sshd.js';

const t = suite('ssh executor');
let sshd: TestSshd;
let ex: SshExecutor;
let removeCshUser: (() => void) | undefined;
const open: SshExecutor[] = [];
const controlDirOf = new Map<SshExecutor, string>();

const HOSTILE = [
  'two words',
  "it's",
  '"double"',
  '$HOME',
  '$(id)',
  '`id`',
  'a;b',
  'a&b',
  'a|b',
  '*',
  '?',
  '[ab]',
  '{a,b}',
  '~',
  '!',
  'a!b',
  '!!',
  '\\',
  '\\!',
  '-n',
  '--',
  '',
  ' ',
  'é€😀',
  'a\tb',
  'a\nb',
  '\n',
  "it's\n!\n$HOME",
  '>out',
];
const CSH_USER = 'zonectl-csh';

/** An executor with a control directory of its own, closed after the suite. */
function executor(host: { user?: string; host: string; port?: number }, extra: string[] = []): SshExecutor {
  const controlDir = join(sshd.dir, `control-${open.length}`);
  const e = new SshExecutor(host, { sshOptions: [...extra, ...sshd.sshOptions], controlDir });
  open.push(e);
  controlDirOf.set(e, controlDir);
  return e;
}

function local(): SshExecutor {
  return executor({ host: '127.0.0.1', port: sshd.port });
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `waited in vain for ${what}`);
}

t.before(async () => {
  sshd = await startSshd();
  ex = local();
});

t.after(async () => {
  for (const e of open) await e.close();
  removeCshUser?.();
  await sshd?.stop();
});

t('run returns the exit status, stdout and stderr exactly', async () => {
  const r = await ex.run(['sh', '-c', 'printf "out\\n\\nü"; printf "err 1\\nerr 2\\n" >&2; exit 3']);
  assert.equal(r, { code: 3, stdout: 'out\n\nü', stderr: 'err 1\nerr 2\n' }, `sshd log:\n${sshd.log()}`);
  assert.equal(await ex.run(['true']), { code: 0, stdout: '', stderr: '' });
});

t('stdin passes through byte for byte: every byte value, and 5 MB', async () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const od = await ex.run(['od', '-An', '-v', '-tx1'], { input: all });
  assert.is(
    od.stdout
      .split(/\s+/)
      .filter((x) => x !== '')
      .join(''),
    all.toString('hex'),
  );

  const big = randomBytes(5 * 1024 * 1024);
  const sum = await ex.run(['sha256sum'], { input: big });
  assert.is(sum.stdout.split(' ')[0], createHash('sha256').update(big).digest('hex'));
  const count = await ex.run(['wc', '-c'], { input: big });
  assert.is(count.stdout.trim(), String(big.length));

  assert.equal(await ex.run(['cat'], { input: 'text, ünïcødé\n' }), { code: 0, stdout: 'text, ünïcødé\n', stderr: '' });
  assert.equal(await ex.run(['cat'], { input: '' }), { code: 0, stdout: '', stderr: '' });
});

t('without input the command reads an empty stdin', async () => {
  assert.equal(await ex.run(['wc', '-c']), { code: 0, stdout: '0\n', stderr: '' });
});

t('hostile arguments arrive intact', async () => {
  const r = await ex.run(['printf', '%s\\0', ...HOSTILE]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\0').slice(0, -1), HOSTILE);
});

t("a command's own exit 255 is a status, also on the first run of a new connection", async () => {
  const fresh = local();
  assert.equal(await fresh.run(['sh', '-c', 'echo oops >&2; exit 255']), { code: 255, stdout: '', stderr: 'oops\n' });
  assert.equal(await fresh.run(['sh', '-c', 'exit 255']), { code: 255, stdout: '', stderr: '' });
  assert.is(await fresh.attach(['sh', '-c', 'exit 255']), 255);
});

t('a closed port is a one-line "cannot reach" error', async () => {
  const port = await freePort();
  const e = await rejectsZoneError(executor({ host: '127.0.0.1', port }).run(['true']), 'runtime');
  assert.is(e.message, `cannot reach 127.0.0.1:${port} over ssh: ssh: connect to host 127.0.0.1 port ${port}: Connection refused`);
  assertOneLine(e.message);
  assert.match(e.hint ?? '', /ssh -p \d+ 127\.0\.0\.1.*keys, known_hosts, ~\/\.ssh\/config/);
  await rejectsZoneError(executor({ host: '127.0.0.1', port }).attach(['true']), 'runtime');
});

t('an unknown host key and a refused login are "cannot reach" errors, not prompts', async () => {
  // Options given first win over the client config's: no known host key at all.
  const stranger = executor({ host: '127.0.0.1', port: sshd.port }, ['-o', 'UserKnownHostsFile=/dev/null']);
  const e1 = await rejectsZoneError(stranger.run(['true']), 'runtime');
  assert.match(e1.message, /^cannot reach 127\.0\.0\.1:\d+ over ssh: .*Host key verification failed\.$/);
  const nobody = executor({ user: 'zonectl-no-such-user', host: '127.0.0.1', port: sshd.port });
  const e2 = await rejectsZoneError(nobody.run(['true']), 'runtime');
  assert.match(e2.message, /^cannot reach zonectl-no-such-user@127\.0\.0\.1:\d+ over ssh: .*Permission denied \(publickey\)\.$/);
});

t('an alias from the ssh config is a host', async () => {
  const aliased = executor({ host: SSHD_ALIAS });
  assert.equal(await aliased.run(['id', '-un']), { code: 0, stdout: 'root\n', stderr: '' });
});

t('one master connection carries every command', async () => {
  const mux = local();
  const dir = controlDirOf.get(mux) as string;
  const first = await mux.run(['printenv', 'SSH_CONNECTION']);
  const pid = await mux.masterPid();
  assert.ok(pid !== undefined, 'a master runs after the first command');
  const sockets = readdirSync(dir);
  assert.is(sockets.length, 1, sockets.join(', '));
  assert.ok(lstatSync(join(dir, sockets[0] as string)).isSocket());
  assert.is(lstatSync(dir).mode & 0o777, 0o700, 'the control directory is private');
  for (let i = 0; i < 20; i++) {
    // The client's address and port, as sshd saw them: the same TCP connection each time.
    assert.is((await mux.run(['printenv', 'SSH_CONNECTION'])).stdout, first.stdout, `run ${i}`);
  }
  assert.is(await mux.masterPid(), pid);
  assert.equal(readdirSync(dir), sockets);
  const check = spawnSync('ssh', [...sshd.sshOptions, '-o', `ControlPath=${dir}/%C`, '-p', String(sshd.port), '-O', 'check', '127.0.0.1'], { encoding: 'utf8' });
  assert.is(check.status, 0, `ssh -O check: ${check.stderr}`);
});

t('attach returns the remote exit status, with and without a terminal', async () => {
  assert.is(await ex.attach(['sh', '-c', 'exit 7']), 7);
  assert.is(await ex.attach(['sh', '-c', 'exit 0'], { tty: true }), 0);
  assert.is(await ex.attach(['sh', '-c', 'exit 9'], { tty: true }), 9);
});

t('a timeout ends the wait, with the status of a command ended by SIGTERM', async () => {
  const pidFile = join(sshd.dir, 'timeout.pid');
  const r = await ex.run(['sh', '-c', 'echo $$ > "$1"; exec sleep 60', 'sh', pidFile], { timeoutMs: 1500 });
  assert.is(r.code, 128 + 15);
  // ssh cannot signal a remote command without a terminal: it runs on, and we did not
  // wait for it. (Had it not started within the timeout, there is nothing to check.)
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.not.throws(() => process.kill(pid, 0), 'returned before the remote command ended');
    process.kill(pid, 'SIGTERM');
  }
});

t('close ends the master and removes its socket', async () => {
  const closing = local();
  const dir = controlDirOf.get(closing) as string;
  await closing.run(['true']);
  assert.ok((await closing.masterPid()) !== undefined);
  await closing.close();
  assert.is(await closing.masterPid(), undefined);
  assert.equal(readdirSync(dir), []);
  // The executor still works afterwards: the next command opens a new master.
  assert.is((await closing.run(['true'])).code, 0);
});

t('a control directory others can write is refused', async () => {
  const dir = join(sshd.dir, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  const e = await rejectsZoneError(new SshExecutor({ host: '127.0.0.1', port: sshd.port }, { sshOptions: sshd.sshOptions, controlDir: dir }).run(['true']), 'runtime');
  assert.match(e.message, /ssh control directory .*shared is not private: its mode is 777, not 700/);
});

t('a connection lost during a command is a "cannot reach" error', async () => {
  const lost = local();
  const pidFile = join(sshd.dir, 'sleeper.pid');
  const running = lost.run(['sh', '-c', 'echo $$ > "$1"; exec sleep 20', 'sh', pidFile]);
  const outcome = rejectsZoneError(running, 'runtime');
  await waitFor('the command to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
  // The connection is the sshd process serving it: end it, as a network drop would.
  sshd.dropConnections();
  const e = await outcome;
  assert.match(e.message, /^cannot reach 127\.0\.0\.1:\d+ over ssh: /);
  assertOneLine(e.message);
  // Without a terminal the remote command outlives its connection: end it ourselves.
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
});

t('a user whose login shell is tcsh gets every argument intact', async () => {
  removeCshUser = addTestUser(sshd, CSH_USER, '/usr/bin/tcsh');
  const csh = executor({ user: CSH_USER, host: '127.0.0.1', port: sshd.port });
  assert.equal(await csh.run(['printenv', 'SHELL']), { code: 0, stdout: '/usr/bin/tcsh\n', stderr: '' });
  const r = await csh.run(['printf', '%s\\0', ...HOSTILE]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\0').slice(0, -1), HOSTILE);
  assert.equal(await csh.run(['sh', '-c', 'echo oops >&2; exit 255']), { code: 255, stdout: '', stderr: 'oops\n' });
  assert.equal(await csh.run(['cat'], { input: 'a!b\n$x\n' }), { code: 0, stdout: 'a!b\n$x\n', stderr: '' });
});

t.run();
