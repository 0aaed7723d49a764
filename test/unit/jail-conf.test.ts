// jail.conf(5) as jail(8) reads it (usr.sbin/jail jaillex.l, jailparse.y, config.c):
// every construct of the grammar, real files from FreeBSD and Bastille, errors with
// their line, and a writer whose output reads back to the same parameters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JailParam } from '../../src/core/zone.js';
import { formatJailBlock, formatJailValue, parseJailConf, type ConfiguredJail } from '../../src/backends/freebsd/jail-conf.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`./fixtures/freebsd/${name}`, import.meta.url)), 'utf8');

/** The params of each jail, by name. */
function parse(text: string): Record<string, JailParam[]> {
  return Object.fromEntries(parseJailConf(text, 'test.conf').map((j: ConfiguredJail) => [j.name, j.params]));
}

function only(text: string): JailParam[] {
  const jails = parseJailConf(text, 'test.conf');
  assert.is(jails.length, 1, `one jail in ${JSON.stringify(text)}`);
  return (jails[0] as ConfiguredJail).params;
}

function parseError(text: string): string {
  const e = throwsZoneError(() => parseJailConf(text, 'j.conf'), 'invalid-file');
  assertOneLine(e.message);
  return e.message;
}

// ---- the man page and the base system's examples ----

test('jail.conf(5) EXAMPLES: defaults above, per-jail overrides, $name in a wildcard path', () => {
  assert.equal(parse(fixture('jail.conf.5-examples.conf')), {
    foo: [
      { name: 'exec.start', value: ['/bin/sh /etc/rc'] },
      { name: 'exec.stop', value: ['/bin/sh /etc/rc.shutdown'] },
      { name: 'exec.clean', value: true },
      { name: 'mount.devfs', value: true },
      { name: 'path', value: ['/var/jail/foo'] },
      { name: 'host.hostname', value: ['foo.com'] },
      { name: 'ip4.addr', value: ['10.1.1.1', '10.1.1.2', '10.1.1.3'] },
    ],
    bar: [
      { name: 'exec.start', value: [''] },
      { name: 'exec.stop', value: [''] },
      { name: 'exec.clean', value: true },
      { name: 'mount.devfs', value: false },
      { name: 'path', value: ['/'] },
      { name: 'persist', value: true },
    ],
  });
});

test('share/examples/jails/jail.xxx.conf: += onto nothing starts a list, trailing # comments', () => {
  assert.equal(parse(fixture('jail.xxx.conf')), {
    xxx: [
      { name: 'host.hostname', value: ['xxx.yyy'] },
      { name: 'path', value: ['/vm/xxx'] },
      { name: 'exec.clean', value: true },
      { name: 'exec.system_user', value: ['root'] },
      { name: 'exec.jail_user', value: ['root'] },
      { name: 'vnet', value: true },
      { name: 'vnet.interface', value: ['ng0_xxx'] },
      { name: 'exec.prestart', value: ['jng bridge xxx em0'] },
      { name: 'exec.prestop', value: ['ifconfig ng0_xxx -vnet xxx'] },
      { name: 'exec.poststop', value: ['jng shutdown xxx'] },
      { name: 'exec.start', value: ['/bin/sh /etc/rc'] },
      { name: 'exec.stop', value: ['/bin/sh /etc/rc.shutdown jail'] },
      { name: 'exec.consolelog', value: ['/var/log/jail_xxx_console.log'] },
      { name: 'mount.devfs', value: true },
    ],
  });
});

test('usr.sbin/jail/tests commands.jail.conf: a parameter after the last block still applies (a trailing wildcard)', () => {
  assert.equal(parse(fixture('commands.jail.conf')), {
    basejail: [
      { name: 'exec.prestop', value: ['echo STOP'] },
      { name: 'exec.prestart', value: ['echo START'] },
      { name: 'persist', value: true },
      { name: 'path', value: ['/tmp/kyua.5tSx1Q/2/work'] },
    ],
  });
});

test("Bastille's thin and Linux jail files read as Bastille meant them", () => {
  assert.equal(parse(fixture('bastille-thin.conf')).www, [
    { name: 'enforce_statfs', value: ['2'] },
    { name: 'devfs_ruleset', value: ['4'] },
    { name: 'exec.clean', value: true },
    { name: 'exec.consolelog', value: ['/var/log/bastille/www_console.log'] },
    { name: 'exec.start', value: ['/bin/sh /etc/rc'] },
    { name: 'exec.stop', value: ['/bin/sh /etc/rc.shutdown'] },
    { name: 'host.hostname', value: ['www'] },
    { name: 'mount.devfs', value: true },
    { name: 'mount.fstab', value: ['/usr/local/bastille/jails/www/fstab'] },
    { name: 'path', value: ['/usr/local/bastille/jails/www/root'] },
    { name: 'securelevel', value: ['2'] },
    { name: 'osrelease', value: ['14.1-RELEASE'] },
    { name: 'ip4.addr', value: ['bastille0|10.17.89.5'] },
    { name: 'ip6', value: ['disable'] },
  ]);
  const linux = parse(fixture('bastille-linux.conf')).noble as JailParam[];
  assert.equal(
    linux.map((p) => p.name),
    ['host.hostname', 'mount.fstab', 'path', 'devfs_ruleset', 'enforce_statfs', 'exec.start', 'exec.stop', 'persist', 'allow.mount', 'allow.mount.devfs', 'ip4.addr', 'ip6'],
  );
  assert.equal(
    linux.find((p) => p.name === 'allow.mount.devfs'),
    { name: 'allow.mount.devfs', value: true },
  );
});

// ---- wildcards and order ----

test('a leading * gives defaults a jail overrides; a trailing * forces its values', () => {
  const jails = parse(`
    * { securelevel = 1; persist; }
    a { securelevel = 3; }
    b { }
    * { enforce_statfs = 2; securelevel = 2; }
  `);
  assert.equal(jails.a, [
    { name: 'securelevel', value: ['2'] },
    { name: 'persist', value: true },
    { name: 'enforce_statfs', value: ['2'] },
  ]);
  assert.equal(jails.b, jails.a);
});

test('top-level parameters are a wildcard where they stand: before a jail defaults, after it forces', () => {
  const jails = parse('securelevel = 1;\na { securelevel = 3; }\nb { securelevel = 3; }\nsecurelevel = 2;\nc { securelevel = 3; }\n');
  assert.equal(jails.a, [{ name: 'securelevel', value: ['2'] }]);
  assert.equal(jails.c, [{ name: 'securelevel', value: ['3'] }]);
});

test('foo.* matches foo.bar and foo.bar.baz but not foo; *.bar matches one component', () => {
  const jails = parse(`
    foo { persist; }
    foo.bar { }
    foo.bar.baz { }
    x.bar { }
    x.y.bar { }
    foo.* { securelevel = 3; }
    *.bar { devfs_ruleset = 5; }
  `);
  assert.equal(jails.foo, [{ name: 'persist', value: true }]);
  assert.equal(jails['foo.bar'], [
    { name: 'securelevel', value: ['3'] },
    { name: 'devfs_ruleset', value: ['5'] },
  ]);
  assert.equal(jails['foo.bar.baz'], [{ name: 'securelevel', value: ['3'] }]);
  assert.equal(jails['x.bar'], [{ name: 'devfs_ruleset', value: ['5'] }]);
  assert.equal(jails['x.y.bar'], []);
  assert.equal(Object.keys(jails), ['foo', 'foo.bar', 'foo.bar.baz', 'x.bar', 'x.y.bar'], 'wildcard blocks are not jails');
});

test('= replaces, += appends, a comma list sets several values, a value without = is allowed', () => {
  assert.equal(only('j { ip4.addr = 10.0.0.1, 10.0.0.2; ip4.addr += 10.0.0.3; ip4.addr += 10.0.0.4, 10.0.0.5; depend a; }'), [
    { name: 'ip4.addr', value: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'] },
    { name: 'depend', value: ['a'] },
  ]);
  assert.equal(only('j { ip4.addr = 10.0.0.1, 10.0.0.2; ip4.addr = 10.0.0.9; }'), [{ name: 'ip4.addr', value: ['10.0.0.9'] }]);
  assert.equal(only('exec.prestart = "a";\nj { exec.prestart += "b"; }'), [{ name: 'exec.prestart', value: ['a', 'b'] }]);
});

test('empty statements and empty blocks are allowed', () => {
  assert.equal(parse(';;\nj { ; persist;; }\nk {}\n;'), { j: [{ name: 'persist', value: true }], k: [] });
});

// ---- booleans ----

test('a bare name is true; "no" after the last dot is false; both spellings are one parameter', () => {
  assert.equal(only('j { persist; allow.nomount; allow.mount.nodevfs; nopersist; mount.devfs; }'), [
    { name: 'persist', value: false },
    { name: 'allow.mount', value: false },
    { name: 'allow.mount.devfs', value: false },
    { name: 'mount.devfs', value: true },
  ]);
  assert.equal(only('allow.nomount;\nj { allow.mount; }'), [{ name: 'allow.mount', value: true }]);
});

test('"true" and "false" are booleans for boolean parameters, strings elsewhere', () => {
  assert.equal(only('j { allow.mount = "false"; allow.raw_sockets = TRUE; persist = "true"; allow.noset_hostname = true; exec.start = "true"; host.hostname = false; allow.chflags = 1; }'), [
    { name: 'allow.mount', value: false },
    { name: 'allow.raw_sockets', value: true },
    { name: 'persist', value: true },
    { name: 'allow.set_hostname', value: false },
    { name: 'exec.start', value: ['true'] },
    { name: 'host.hostname', value: ['false'] },
    { name: 'allow.chflags', value: ['1'] },
  ]);
});

// ---- variables ----

test('$variables: defined with $v = ...; used as $v and ${v} in words and double quotes; never a parameter', () => {
  assert.equal(only('$parentdir = "/var/jail";\n$tag = x;\nj { path = "$parentdir/$name"; exec.start = $parentdir/${tag}.sh; host.hostname = "${name}.example.org"; }'), [
    { name: 'path', value: ['/var/jail/j'] },
    { name: 'exec.start', value: ['/var/jail/x.sh'] },
    { name: 'host.hostname', value: ['j.example.org'] },
  ]);
});

test('no substitution in single quotes (escapes still work there); \\$ is a literal dollar', () => {
  assert.equal(only(`j { exec.poststop = 'echo JID=$JID\\tdone'; exec.prestop = "cost \\$5 and $ 6 and $5"; }`), [
    { name: 'exec.poststop', value: ['echo JID=$JID\tdone'] },
    { name: 'exec.prestop', value: ['cost $5 and $ 6 and $5'] },
  ]);
});

test('${host.hostname} takes a parameter; one defined later is resolved first (and moved before)', () => {
  assert.equal(only('j { path = "/jails/${host.hostname}"; host.hostname = "$name.example"; }'), [
    { name: 'host.hostname', value: ['j.example'] },
    { name: 'path', value: ['/jails/j.example'] },
  ]);
});

test('a variable set per jail overrides the one at the top; wildcard values expand per jail', () => {
  assert.equal(parse('$root = /a;\npath = "$root/$name";\nx { }\ny { $root = /b; }\n'), {
    x: [{ name: 'path', value: ['/a/x'] }],
    y: [{ name: 'path', value: ['/b/y'] }],
  });
});

test('a list variable replaces a whole value with its items, never part of one', () => {
  assert.equal(only('$addrs = 10.0.0.1, 10.0.0.2;\nj { ip4.addr = $addrs, 10.0.0.3; }'), [{ name: 'ip4.addr', value: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] }]);
  assert.match(parseError('$addrs = 10.0.0.1, 10.0.0.2;\nj {\n ip4.addr = "em0|$addrs";\n}'), /^j\.conf:3: jail "j": ip4\.addr: array cannot be substituted inline$/);
});

test('an unknown variable, a loop, and a variable named like a parameter are refused with their line', () => {
  assert.match(parseError('j {\n  path = "/x/$nope";\n}'), /^j\.conf:2: jail "j": path: variable "nope" not found$/);
  assert.match(parseError('j {\n persist;\n path = "$persist";\n}'), /^j\.conf:3: jail "j": path: variable "persist" not found$/);
  assert.match(parseError('$a = "$b";\n$b = "$a";\nj { path = $a; }'), /^j\.conf:2: jail "j": a: variable loop$/);
  assert.match(parseError('j {\n path = "$path/x";\n}'), /^j\.conf:2: jail "j": path: variable loop$/);
  assert.match(parseError('j {\n $path = /x;\n}'), /^j\.conf:2: jail "j": variable "\$path" cannot have the same name as a parameter$/);
});

test('the block name is the name parameter: it cannot be redefined; a number names the jid', () => {
  assert.match(parseError('j {\n name = k;\n}'), /^j\.conf:2: jail "j": cannot redefine parameter "name"/);
  assert.equal(parse('5309 { name = basejail; persist; host.hostname = "${name}"; }'), {
    5309: [
      { name: 'name', value: ['basejail'] },
      { name: 'persist', value: true },
      { name: 'host.hostname', value: ['basejail'] },
    ],
  });
});

// ---- strings ----

test('C escapes: \\n \\t octal hex, UTF-8 bytes by octal, backslash-newline continues a string', () => {
  assert.equal(only('j { a = "l1\\nl2\\tt"; b = "\\101\\x42\\x4a!"; c = "caf\\303\\251"; d = "one \\\ntwo"; e = \'x\\\ny\'; f = "q\\"q\\\\"; g = "\\7"; h = "\\303\\251$9"; }'), [
    { name: 'a', value: ['l1\nl2\tt'] },
    { name: 'b', value: ['ABJ!'] },
    { name: 'c', value: ['café'] },
    { name: 'd', value: ['one two'] },
    { name: 'e', value: ['xy'] },
    { name: 'f', value: ['q"q\\'] },
    { name: 'g', value: ['\u0007'] },
    { name: 'h', value: ['é$9'] },
  ]);
});

test('adjacent quoted and bare pieces make one value; raw newlines may sit inside quotes', () => {
  assert.equal(only(`j { path = /var/"my jail"'s'/x; exec.start = "a\nb"; }`), [
    { name: 'path', value: ['/var/my jails/x'] },
    { name: 'exec.start', value: ['a\nb'] },
  ]);
});

test('comments: #, // and /* */ anywhere blanks are; # and // end an unquoted word', () => {
  assert.equal(only('/* a\n * block */ j { # one\n  path = /a#comment\n  ; // two\n  host.hostname = "#not // a /* comment";\n  exec.start = /bin/x//y\n  ; }'), [
    { name: 'path', value: ['/a'] },
    { name: 'host.hostname', value: ['#not // a /* comment'] },
    { name: 'exec.start', value: ['/bin/x'] },
  ]);
});

// ---- errors ----

test('syntax errors name the file and the line', () => {
  assert.match(parseError('j {\n  path = "/x;\n}\n'), /^j\.conf:2: unterminated string$/);
  assert.match(parseError("j {\n\n  path = '/x;\n}\n"), /^j\.conf:3: unterminated string$/);
  assert.match(parseError('j {\n  /* never closed\n}\n'), /^j\.conf:2: unterminated comment$/);
  assert.match(parseError('j {\n  path = /x\n  persist;\n}\n'), /^j\.conf:3: expected ";" after parameter path, found "persist"$/);
  assert.match(parseError('a {\n persist;\n'), /^j\.conf:1: jail "a" has no closing "}"$/);
  assert.match(parseError('a {\n b { }\n}'), /^j\.conf:2: jail "a": blocks cannot be nested$/);
  assert.match(parseError('j {\n path = é;\n}'), /^j\.conf:2: unexpected character "é" \(quote values that hold it\)$/);
  assert.match(parseError('j {\n path = ;\n}'), /^j\.conf:2: expected a value, found ";"$/);
  assert.match(parseError('}'), /^j\.conf:1: unexpected "}"$/);
  assert.match(parseError('j {\n  path = "${unterminated";\n}'), /^j\.conf:2: unterminated variable$/);
  assert.match(parseError('\n.include "/etc/jail.d/*.conf";'), /^j\.conf:2: \.include is not supported/);
});

// ---- the writer ----

test('formatJailBlock writes bare words where safe, quotes and escapes the rest, "no" for false', () => {
  assert.is(
    formatJailBlock('www', [
      { name: 'path', value: ['/usr/local/jails/www/root'] },
      { name: 'ip4.addr', value: ['em0|10.0.0.5/24', '10.0.0.6'] },
      { name: 'exec.start', value: ['/bin/sh /etc/rc'] },
      { name: 'exec.prestart', value: ['e=$(ifconfig epair create) && echo "$e"', 'a\\b\nc\td\u0001'] },
      { name: 'allow.mount.devfs', value: false },
      { name: 'persist', value: false },
      { name: 'exec.clean', value: true },
      { name: 'exec.stop', value: [''] },
      { name: 'x', value: ['a//b', 'c/*d', 'e+=f', 'p;q', '{', 'é'] },
    ]),
    [
      'www {',
      '\tpath = /usr/local/jails/www/root;',
      '\tip4.addr = em0|10.0.0.5/24, 10.0.0.6;',
      '\texec.start = "/bin/sh /etc/rc";',
      '\texec.prestart = "e=\\$(ifconfig epair create) && echo \\"\\$e\\"", "a\\\\b\\nc\\td\\001";',
      '\tallow.mount.nodevfs;',
      '\tnopersist;',
      '\texec.clean;',
      '\texec.stop = "";',
      '\tx = "a//b", "c/*d", "e+=f", "p;q", "{", "é";',
      '}',
      '',
    ].join('\n'),
  );
  assert.is(formatJailValue('my jail'), '"my jail"');
});

test('a NUL, an empty list and a name parameter cannot be written', () => {
  throwsZoneError(() => formatJailBlock('j', [{ name: 'a', value: ['x\0y'] }]), 'invalid-config');
  throwsZoneError(() => formatJailBlock('j', [{ name: 'a', value: [] }]), 'invalid-config');
  throwsZoneError(() => formatJailBlock('j', [{ name: 'name', value: ['k'] }]), 'invalid-config');
});

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  ' ',
  '"',
  "'",
  '$',
  '${',
  '$name',
  ';',
  ',',
  '{',
  '}',
  '=',
  '+=',
  '\n',
  '\r',
  '\t',
  '\\',
  '\\\n',
  '#',
  '//',
  '/*',
  '*/',
  '*',
  'é',
  '漢',
  '😀',
  '\u0001',
  '\u007f',
  'no',
  'true',
  'a',
  '0',
  '.',
  '-',
  '/',
  '|',
  ':',
];

function hostileString(next: () => number, maxParts: number): string {
  let s = '';
  const n = Math.floor(next() * maxParts);
  for (let i = 0; i < n; i++) s += HOSTILE[Math.floor(next() * HOSTILE.length)];
  return s;
}

test('property: parse(formatJailBlock(name, params)) gives back name and params, for hostile values', () => {
  const next = rng(20260511);
  for (let round = 0; round < 400; round++) {
    // Names: no "*" component (a wildcard block), no dot-less leading "no" confusion.
    const name = `j${hostileString(next, 6).replace(/\*/g, 'x')}`;
    const params: JailParam[] = [];
    const count = 1 + Math.floor(next() * 5);
    for (let i = 0; i < count; i++) {
      const pname = `p${i}.v${Math.floor(next() * 100)}`;
      if (next() < 0.2) params.push({ name: pname, value: next() < 0.5 });
      else params.push({ name: pname, value: Array.from({ length: 1 + Math.floor(next() * 3) }, () => hostileString(next, 8)) });
    }
    const text = formatJailBlock(name, params);
    let back: ConfiguredJail[];
    try {
      back = parseJailConf(text, 'round.conf');
    } catch (e) {
      assert.unreachable(`round ${round}: ${(e as Error).message}\n${text}`);
      return;
    }
    assert.equal(back, [{ name, line: 1, params }], `round ${round}:\n${text}`);
  }
});

test.run();
