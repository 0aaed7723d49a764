// login gives an interactive shell on a terminal; without one it refuses clearly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { CLI, cleanup, makeRoot, ok, requireRootAndRunc, zonectl } from './helpers.js';

const t = suite('login');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'lz']);
  ok(root, ['boot', 'lz']);
});
t.after(() => cleanup(root));

/** Runs `zonectl login` under script(1), which gives it a real pseudo-terminal. */
function loginWithInput(args: string[], input: string): string {
  const cmd = [process.execPath, CLI, '--root', root, 'login', ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { input, encoding: 'utf8', timeout: 60_000 });
  return r.stdout;
}

t('an interactive shell runs in the zone as root, on a terminal', () => {
  const out = loginWithInput(['lz'], 'echo "tty=$(tty) me=$(id -u) host=$(hostname) n=$((6*7))"; exit\n');
  assert.match(out, /tty=\/dev\/pts\/\d+ me=0 host=lz n=42/);
});

t('--user logs in as a user made inside the zone, in its home, with its shell', () => {
  const add = 'echo alice:x:1234:1234::/home/alice:/bin/sh >> /etc/passwd && mkdir -p /home/alice && chown 1234 /home/alice';
  ok(root, ['exec', 'lz', '--', 'sh', '-c', add]);
  const out = loginWithInput(['lz', '--user', 'alice'], 'echo "me=$(id -un):$(id -u) at=$(pwd) sh=$SHELL"; exit\n');
  assert.match(out, /me=alice:1234 at=\/home\/alice sh=\/bin\/sh/);
});

t('without a terminal, login refuses and points to exec', () => {
  const r = zonectl(root, ['login', 'lz']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /login to zone "lz" needs a terminal.*zonectl exec lz -- CMD/);
});

t.run();
