// The command line an ssh host's login shell gets: run through the real shells here
// (dash, bash, ksh, tcsh, the way sshd runs them: `shell -c LINE`), every hostile
// argument must reach the program byte for byte, whatever the shell.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteArg, remoteCommand } from '../../src/transport/quote.js';
import { throwsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const HOSTILE = [
  'two words',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${HOME}',
  '$(id)',
  '`id`',
  'a;b',
  'a&b',
  'a|b',
  'a&&b',
  '*',
  '?',
  '[ab]',
  '{a,b}',
  '~',
  '~root',
  '!',
  'a!b',
  '!!',
  '!$',
  '!-1',
  '\\',
  '\\\\',
  '\\!',
  "\\'",
  'x\\',
  '-n',
  '-',
  '--',
  '',
  ' ',
  'é€😀 ünïcødé',
  'a\tb',
  '\t',
  'cr\r',
  '\u0001\u001b[31m\u007f',
  '^a^b',
  '%1',
  '#comment',
  '>out',
  '<in',
  '2>&1',
  'a=b',
  '(sub)',
  'end \\',
];
const NEWLINES = ['a\nb', '\n', '\n\n', "it's\n$HOME\n!\n\\", 'trailing\n'];

// sshd runs the login shell as `shell -c LINE`, reading the user's rc files; so do we
// (tcsh reads ~/.tcshrc even with -c: HOME points at one we control).
interface Shell {
  name: string;
  argv: string[];
  home?: string;
}

const home = makeTempDir();
writeFileSync(join(home, '.tcshrc'), ''); // tcsh as installed: no rc of the tester's
const backslashHome = makeTempDir();
// csh with backslash_quote set reads \' and \\ inside single quotes: quoting must not care.
writeFileSync(join(backslashHome, '.tcshrc'), 'set backslash_quote\n');

function shells(): Shell[] {
  const found: Shell[] = [
    { name: 'sh', argv: ['/bin/sh', '-c'] },
    { name: 'dash', argv: ['dash', '-c'] },
    { name: 'bash', argv: ['bash', '-c'] },
    { name: 'tcsh', argv: ['tcsh', '-c'], home },
    { name: 'tcsh with backslash_quote', argv: ['tcsh', '-c'], home: backslashHome },
  ];
  if (existsSync('/usr/bin/ksh') || existsSync('/bin/ksh')) found.push({ name: 'ksh', argv: ['ksh', '-c'] });
  return found;
}

function runIn(shell: Shell, argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shell.argv[0] as string, [...shell.argv.slice(1), remoteCommand(argv)], {
    encoding: 'utf8',
    env: { ...process.env, HOME: shell.home ?? home },
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What `printf '%s\0' ARGS...` received, run through `shell`. */
function received(shell: Shell, args: string[]): string[] {
  const r = runIn(shell, ['printf', '%s\\0', ...args]);
  assert.is(r.stderr, '', `${shell.name} complained`);
  assert.is(r.code, 0, `${shell.name} exit status`);
  return r.stdout.split('\0').slice(0, -1);
}

test('the shells under test are installed (tcsh: scripts/install-deps.sh)', () => {
  for (const prog of ['dash', 'bash', 'tcsh']) {
    assert.is(spawnSync(prog, ['-c', 'exit 0']).status, 0, `${prog} is not installed`);
  }
});

for (const shell of shells()) {
  test(`${shell.name}: all hostile arguments at once arrive intact`, () => {
    assert.equal(received(shell, HOSTILE), HOSTILE);
  });

  test(`${shell.name}: each hostile argument alone arrives intact`, () => {
    for (const arg of HOSTILE) assert.equal(received(shell, [arg]), [arg], JSON.stringify(arg));
  });

  test(`${shell.name}: arguments with newlines arrive intact (through /bin/sh)`, () => {
    assert.equal(received(shell, [...NEWLINES, ...HOSTILE]), [...NEWLINES, ...HOSTILE]);
    for (const arg of NEWLINES) assert.equal(received(shell, [arg]), [arg], JSON.stringify(arg));
  });

  test(`${shell.name}: a long argument arrives intact`, () => {
    const long = "ab'!\\$ ".repeat(10_000);
    assert.equal(received(shell, [long]), [long]);
  });

  test(`${shell.name}: the command's exit status is the line's`, () => {
    assert.is(runIn(shell, ['sh', '-c', 'exit 7']).code, 7);
    assert.is(runIn(shell, ['sh', '-c', 'exit 7', 'a\nb']).code, 7);
  });

  test(`${shell.name}: argv[0] is a program, not a builtin of that name`, () => {
    // csh's builtin nice takes +N and fails on -n; the program nice does not.
    const r = runIn(shell, ['nice', '-n', '0', 'printf', '%s', 'ok']);
    assert.is(r.stdout, 'ok', r.stderr);
  });
}

test('the line is readable: each argument single-quoted after exec', () => {
  assert.is(remoteCommand(['ls', '-l', '/var/tmp']), "exec 'ls' '-l' '/var/tmp'");
  assert.is(remoteCommand(['echo', '']), "exec 'echo' ''");
  assert.is(quoteArg("it's"), "'it'\\''s'");
  assert.is(quoteArg('a!b\\c'), "'a'\\!'b'\\\\'c'");
});

test('a newline anywhere hands the command to /bin/sh; the line itself has none', () => {
  const line = remoteCommand(['echo', 'a\nb']);
  assert.ok(line.startsWith('exec /bin/sh -c '), line);
  assert.not.ok(line.includes('\n'), line);
  assert.throws(() => quoteArg('a\nb'), /newline/);
});

test('a NUL byte or an empty vector is refused', () => {
  const e = throwsZoneError(() => remoteCommand(['echo', 'a\0b']), 'usage');
  assert.match(e.message, /argument 1 of remote command "echo" holds a NUL byte/);
  throwsZoneError(() => remoteCommand([]), 'usage');
});

test.after(() => {
  removeTempDir(home);
  removeTempDir(backslashHome);
});

test.run();
