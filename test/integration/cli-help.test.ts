// Help, version and completion: printed, exit status 0 (they go through yargs, which
// must hand control back rather than exit the process under zonectl's exit guard).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CLI, cleanup, makeRoot, oneLine, zonectl } from './helpers.js';

const root = makeRoot();
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('--help lists the commands and exits 0', () => {
  const r = zonectl(root, ['--help']);
  assert.is(r.code, 0, r.stderr);
  for (const c of ['create', 'install', 'boot', 'exec', 'login', 'shutdown', 'doctor']) assert.match(r.stdout, new RegExp(`zonectl ${c}\\b`));
});

test("a command's own --help and --version exit 0", () => {
  const r = zonectl(root, ['exec', '--help']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /--user/);
  const v = zonectl(root, ['--version']);
  assert.equal([v.code, v.stdout.trim()], [0, version]);
});

test("--version is zonectl's own wherever it runs, on the fast path and through yargs", () => {
  for (const args of [['--version'], ['list', '--version']]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: '/' });
    assert.equal([r.status, r.stdout], [0, `${version}\n`], args.join(' '));
  }
});

test('completion prints a shell script', () => {
  const r = zonectl(root, ['completion']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /zonectl-completions/);
});

test('no command is a usage error: exit 2, one line', () => {
  const r = zonectl(root, []);
  assert.is(r.code, 2);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /name a command/);
});

test.after(() => cleanup(root));

test.run();
