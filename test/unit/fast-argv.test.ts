// The fast path parses the plain forms of exec, list, info, boot and halt exactly as
// yargs would, and hands everything else to yargs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFast } from '../../src/cli/fast-argv.js';

const env = { ZONECTL_ROOT: '/srv/z' };
const g = { root: '/srv/z', json: false, quiet: false, lockTimeout: 10 };

test('list, info, boot and halt with global options anywhere', () => {
  assert.equal(parseFast(['list'], env), { kind: 'list', g });
  assert.equal(parseFast(['ls', '--json'], env), { kind: 'list', g: { ...g, json: true } });
  assert.equal(parseFast(['--root', '/r', 'info', 'web'], env), { kind: 'info', g: { ...g, root: '/r' }, name: 'web' });
  assert.equal(parseFast(['info', 'web', '--root=/r', '-q'], env), { kind: 'info', g: { ...g, root: '/r', quiet: true }, name: 'web' });
  assert.equal(parseFast(['boot', 'web'], env), { kind: 'lifecycle', g, name: 'web', verb: 'boot' });
  assert.equal(parseFast(['clone', 'web', 'web2'], env), { kind: 'clone', g, source: 'web', target: 'web2' });
  assert.is(parseFast(['clone', 'web'], env), undefined);
  assert.is(parseFast(['clone', 'a', 'b', 'c'], env), undefined);
  assert.equal(parseFast(['halt', 'web'], env), { kind: 'lifecycle', g, name: 'web', verb: 'halt' });
});

test('exec with its options before --, the command after it untouched', () => {
  assert.equal(parseFast(['exec', 'web', '-u', 'nobody', '--cwd', '/tmp', '-e', 'A=1', '--env', 'B=2', '-t', '--', 'ls', '-la', '--json'], env), {
    kind: 'exec',
    g,
    name: 'web',
    exec: { argv: ['ls', '-la', '--json'], user: 'nobody', cwd: '/tmp', env: ['A=1', 'B=2'], tty: true },
  });
});

test('the default root and lock timeout come from the environment', () => {
  assert.equal(parseFast(['list'], {}), { kind: 'list', g: { ...g, root: '/var/lib/zonectl' } });
  assert.equal(parseFast(['list'], { ZONECTL_LOCK_TIMEOUT: '3' }), { kind: 'list', g: { ...g, root: '/var/lib/zonectl', lockTimeout: 3 } });
  assert.is(parseFast(['list'], { ZONECTL_LOCK_TIMEOUT: 'soon' }), undefined);
});

test('--version alone or with global options', () => {
  assert.equal(parseFast(['--version'], env), { kind: 'version', g });
  assert.equal(parseFast(['--root', '/r', '--version', '--json'], env), { kind: 'version', g: { ...g, root: '/r', json: true } });
  assert.is(parseFast(['list', '--version'], env), undefined);
  assert.is(parseFast(['exec', 'web', '--version', '--', 'ls'], env), undefined);
  assert.is(parseFast(['--version', '--help'], env), undefined);
});

test('anything else goes to yargs', () => {
  for (const argv of [
    [],
    ['--help'],
    ['list', '--help'],
    ['exec', 'web', '--help', '--', 'ls'],
    ['exec', 'web', 'ls'], // no "--": yargs decides what is an option
    ['exec', 'web', '--'], // no command
    ['exec', 'web', '--user'], // missing value
    ['exec', 'web', '--user', '--', 'ls'],
    ['info'],
    ['info', 'a', 'b'],
    ['list', 'extra'],
    ['boot', 'web', '--lock-timeout', '5'],
    ['boot', 'web', '--runtime', 'crun'],
    ['info', 'web', '--no-json'],
    ['create', 'web', '--brand', 'native'],
    ['install', 'web'],
    ['list', '--roo', '/x'],
    ['info', 'web', '--', 'x'],
  ]) {
    assert.is(parseFast(argv, env), undefined, `fast path took: ${argv.join(' ')}`);
  }
});

test.run();
