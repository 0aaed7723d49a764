// `--host` against a real sshd on loopback: this machine is the managed Linux host, so
// the whole command line goes over ssh to its own zonectl, quoted once. A state root,
// exec arguments and stdin holding spaces, quotes, `$` and `;` arrive intact; exit
// statuses come back; what the remote run did is what a local run then sees; bad or
// unreachable hosts are one-line errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cleanup, json, oneLine, requireRootAndRunc, zonectl, type Result } from './helpers.js';
import { SSHD_ALIAS, startSshd, type TestSshd } from './sshd.js';

const t = suite('remote host over ssh');
let sshd: TestSshd;
let base = '';
let root = '';
let env: NodeJS.ProcessEnv = {};

t.before(async () => {
  requireRootAndRunc();
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), 'zonectl-remote-'));
  // The state root as a hostile path: it crosses a shell on the far side.
  root = join(base, `state root 'q' "d" $HOME; echo pwned`);
  env = {
    ZONECTL_SSH_OPTIONS: sshd.sshOptions.join(' '),
    ZONECTL_REMOTE_COMMAND: `${process.execPath} ${CLI}`,
  };
});

t.after(async () => {
  zonectl(root, ['delete', '-F', 'web']);
  cleanup(root);
  cleanup(base);
  await sshd.stop();
});

function remote(args: string[], input?: string): Result {
  return zonectl(root, ['--host', SSHD_ALIAS, ...args], { env, ...(input === undefined ? {} : { input }) });
}

function remoteOk(args: string[], input?: string): Result {
  const r = remote(args, input);
  if (r.code !== 0) throw new Error(`zonectl --host ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}\n${sshd.log()}`);
  return r;
}

t("a zone made, installed and booted over ssh is the local store's zone", () => {
  remoteOk(['create', 'web', '--brand', 'native']);
  remoteOk(['install', 'web', '--recipe', 'busybox']);
  remoteOk(['boot', 'web']);
  const remoteList = JSON.parse(remoteOk(['list', '--json']).stdout) as Array<{ name: string; state: string }>;
  assert.equal(
    remoteList.map((z) => [z.name, z.state]),
    [['web', 'running']],
  );
  // The same machine, read directly: the remote run used the hostile root as given.
  const local = json<Array<{ name: string; state: string }>>(root, ['list']);
  assert.equal(
    local.map((z) => [z.name, z.state]),
    [['web', 'running']],
  );
});

t('exec arguments arrive intact and the exit status comes back', () => {
  const args = ['two words', "it's", '"dq"', '$HOME', '$(id)', '`id`', 'a;b', 'a|b', '*', '!', '\\', '', 'é€'];
  const r = remoteOk(['exec', 'web', '--', 'printf', '%s\\n', ...args]);
  assert.is(r.stdout, args.map((a) => `${a}\n`).join(''));
  assert.is(remote(['exec', 'web', '--', 'sh', '-c', 'exit 7']).code, 7);
});

t('stdin goes through to the command in the zone', () => {
  const input = "line one\n'quoted' $VAR; semi\n";
  assert.is(remoteOk(['exec', 'web', '--', 'cat'], input).stdout, input);
});

t('a bad zone name is refused by the far zonectl, in one line, with its status', () => {
  const r = remote(['create', 'bad name; rm -rf /', '--brand', 'native']);
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /invalid zone name "bad name; rm -rf \/"/);
});

t('config values holding spaces, quotes, $ and ; arrive intact', () => {
  const zonepath = join(base, `zp a b 'q' "d" $HOME; echo x`);
  remoteOk(['create', 'odd', '--brand', 'native', '--set', `zonepath=${zonepath}`, '--set', 'hostname=odd.example']);
  const v = json<{ zonepath: string; config: Record<string, string> }>(root, ['info', 'odd']);
  assert.is(v.zonepath, zonepath);
  assert.is(v.config.hostname, 'odd.example');
  remoteOk(['delete', 'odd']);
});

t('ZONECTL_ROOT here is the state root there (ssh does not carry the environment)', () => {
  const r = spawnSync(process.execPath, [CLI, '--host', SSHD_ALIAS, 'list', '--json'], { encoding: 'utf8', env: { ...process.env, ...env, ZONECTL_ROOT: root } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(
    (JSON.parse(r.stdout) as Array<{ name: string }>).map((z) => z.name),
    ['web'],
  );
});

t('halt and delete over ssh', () => {
  remoteOk(['halt', 'web']);
  remoteOk(['delete', '-F', 'web']);
  assert.equal(json<unknown[]>(root, ['list']), []);
});

t('a --host that ssh would read as an option is refused before anything runs', () => {
  const r = zonectl(root, ['--host', '-oProxyCommand=touch /tmp/pwned', 'list'], { env });
  assert.is(r.code, 2);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /--host "-oProxyCommand=touch \/tmp\/pwned"/);
});

t('a Linux host without zonectl is one line saying how to fix it', () => {
  const r = zonectl(root, ['--host', SSHD_ALIAS, 'list'], { env: { ...env, ZONECTL_REMOTE_COMMAND: '/nonexistent/zonectl' } });
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /is a Linux host without \/nonexistent\/zonectl on its PATH; Linux hosts run their own zonectl/);
});

t('an unreachable host is one line naming it', () => {
  const r = zonectl(root, ['--host', 'root@127.0.0.1:1', 'list'], { env: { ...env, ZONECTL_SSH_OPTIONS: '' } });
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /cannot reach root@127\.0\.0\.1:1 over ssh/);
});

t.run();
