// The RPM dependency resolver on synthetic package sets shaped like a CentOS 5 base
// repository: the chosen set for seeds [basesystem, bash, coreutils, rpm, yum], virtual
// provides (libc.so.6, python(abi)), file dependencies (/bin/sh from a file list,
// /usr/bin/python from an explicit provide), ignored rpmlib() and config() requirements,
// multilib candidates, obsoletes, a conflict, cycles, missing requirements, the install
// order (filesystem/setup/basesystem first, every package after what it requires except
// inside a cycle) and determinism under shuffling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZoneError } from '../../src/core/errors.js';
import { satisfies } from '../../src/install/rpm/evr.js';
import type { Dependency } from '../../src/install/rpm/package.js';
import { DEFAULT_FIRST, nvra, resolve, type ResolvedSet, type ResolverPackage } from '../../src/install/rpm/resolve.js';
import { Sense } from '../../src/install/rpm/tags.js';
import { assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

/** A RepoPackage-like input: the resolver must hand back these very objects. */
interface TestPackage extends ResolverPackage {
  location: string;
}

const OPS: Record<string, number> = { '<': Sense.LESS, '<=': Sense.LESS | Sense.EQUAL, '=': Sense.EQUAL, '>=': Sense.GREATER | Sense.EQUAL, '>': Sense.GREATER };
const PREFIX: Record<string, number> = { pre: Sense.SCRIPT_PRE, post: Sense.SCRIPT_POST, prereq: Sense.PREREQ, rpmlib: Sense.RPMLIB | Sense.PREREQ };

/** "[pre:|post:|prereq:|rpmlib:]name [op version]", with the flags a header would have. */
function dep(text: string): Dependency {
  let flags = 0;
  let rest = text;
  const m = /^(pre|post|prereq|rpmlib):(.*)$/.exec(text);
  if (m !== null) {
    flags |= PREFIX[m[1] as string] as number;
    rest = m[2] as string;
  }
  const [name, op = '', version = ''] = rest.split(' ') as [string, string?, string?];
  return { name, op, version, flags: flags | (OPS[op] ?? 0) };
}

interface Spec {
  epoch?: string;
  provides?: string[];
  requires?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  files?: string[];
}

/** One package per arch from "name-version-release". */
function pkgs(nvr: string, arches: string[], s: Spec = {}): TestPackage[] {
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(nvr);
  if (m === null) throw new Error(`bad nvr ${nvr}`);
  const [, name, version, release] = m as unknown as [string, string, string, string];
  return arches.map((arch) => {
    const p: TestPackage = {
      name,
      version,
      release,
      arch,
      provides: (s.provides ?? []).map(dep),
      requires: (s.requires ?? []).map(dep),
      conflicts: (s.conflicts ?? []).map(dep),
      obsoletes: (s.obsoletes ?? []).map(dep),
      files: s.files ?? [],
      location: `CentOS/${nvr}.${arch}.rpm`,
    };
    if (s.epoch !== undefined) p.epoch = s.epoch;
    return p;
  });
}

const BOTH = ['i386', 'x86_64'];
const NOARCH = ['noarch'];
const RPMLIB = ['rpmlib:rpmlib(PayloadFilesHavePrefix) <= 4.0-1', 'rpmlib:rpmlib(CompressedFileNames) <= 3.0.4-1'];
const GLIBC_EVR = '2.5-123.el5_11';

const BASE: TestPackage[] = [
  ...pkgs('setup-2.5.58-9.el5', NOARCH, { files: ['/etc/passwd', '/etc/group'], requires: RPMLIB }),
  ...pkgs('filesystem-2.4.0-3.el5', BOTH, { requires: ['prereq:setup', ...RPMLIB], files: ['/', '/bin', '/etc', '/usr'] }),
  ...pkgs('basesystem-8.0-5.1.1', NOARCH, { requires: ['prereq:setup', 'prereq:filesystem', ...RPMLIB] }),
  ...pkgs('tzdata-2014j-1.el5', NOARCH),
  ...pkgs(`glibc-${GLIBC_EVR}`, ['i386', 'i686', 'x86_64'], {
    provides: ['libc.so.6', 'libc.so.6(GLIBC_2.3)', 'ld-linux.so.2', `config(glibc) = ${GLIBC_EVR}`],
    requires: [`glibc-common = ${GLIBC_EVR}`, 'prereq:basesystem', `config(glibc) = ${GLIBC_EVR}`, ...RPMLIB],
    files: ['/sbin/ldconfig', '/lib/libc.so.6'],
  }),
  // An older glibc still in the repository (os/ next to updates/).
  ...pkgs('glibc-2.5-107.el5', ['i686'], { provides: ['libc.so.6'], requires: ['glibc-common = 2.5-107.el5'], files: ['/sbin/ldconfig'] }),
  ...pkgs(`glibc-common-${GLIBC_EVR}`, BOTH, {
    requires: [`glibc = ${GLIBC_EVR}`, 'tzdata >= 2003a', 'post:/bin/sh', `config(glibc-common) = ${GLIBC_EVR}`],
  }),
  ...pkgs('glibc-common-2.5-107.el5', BOTH, { requires: ['glibc = 2.5-107.el5'] }),
  ...pkgs('bash-3.2-33.el5', BOTH, { requires: ['libc.so.6', 'libtermcap.so.2', 'config(bash) = 3.2-33.el5'], files: ['/bin/bash', '/bin/sh'] }),
  ...pkgs('busybox-1.2.0-14.el5', BOTH, { requires: ['libc.so.6'], files: ['/sbin/busybox', '/bin/sh'] }),
  ...pkgs('libtermcap-2.0.8-46.1', BOTH, { provides: ['libtermcap.so.2'], requires: ['libc.so.6', 'post:/sbin/ldconfig'] }),
  ...pkgs('coreutils-5.97-34.el5_8.1', BOTH, {
    provides: ['fileutils = 5.97', 'sh-utils = 5.97', 'textutils = 5.97'],
    requires: ['libc.so.6', 'pre:/bin/sh', 'grep', 'libacl.so.1', 'pam >= 0.66'],
    obsoletes: ['fileutils <= 4.1.9', 'sh-utils <= 2.0.12', 'textutils <= 2.0.21'],
  }),
  ...pkgs('fileutils-4.1.9-11', ['i386'], { requires: ['libc.so.6'] }),
  ...pkgs('grep-2.5.1-55.el5', BOTH, { requires: ['libc.so.6', 'libpcre.so.0', 'pre:/bin/sh'] }),
  ...pkgs('pcre-6.6-9.el5', BOTH, { provides: ['libpcre.so.0'], requires: ['libc.so.6'] }),
  ...pkgs('libacl-2.2.39-8.el5', BOTH, { provides: ['libacl.so.1'], requires: ['libattr.so.1'] }),
  ...pkgs('libattr-2.4.32-1.1.el5', BOTH, { provides: ['libattr.so.1'], requires: ['libc.so.6'] }),
  ...pkgs('pam-0.99.6.2-12.el5', BOTH, { requires: ['libc.so.6', 'pre:/bin/sh'] }),
  ...pkgs('rpm-4.4.2.3-36.el5_11', BOTH, { requires: ['rpm-libs = 4.4.2.3-36.el5_11', '/bin/sh', 'popt', 'libc.so.6', 'coreutils'] }),
  ...pkgs('rpm-libs-4.4.2.3-36.el5_11', BOTH, { provides: ['librpm-4.4.so'], requires: ['libpopt.so.0', 'libc.so.6', 'post:/sbin/ldconfig'] }),
  ...pkgs('popt-1.10.2.3-36.el5_11', BOTH, { provides: ['libpopt.so.0'], requires: ['libc.so.6'] }),
  ...pkgs('rpm-python-4.4.2.3-36.el5_11', BOTH, { requires: ['rpm = 4.4.2.3-36.el5_11', 'python(abi) = 2.4', 'python-abi = 2.4', 'librpm-4.4.so'] }),
  ...pkgs('python-2.4.3-56.el5', BOTH, {
    provides: ['python(abi) = 2.4', 'python-abi', '/usr/bin/python'],
    requires: ['libc.so.6', 'python-libs = 2.4.3-56.el5'],
  }),
  ...pkgs('python-libs-2.4.3-56.el5', BOTH, { requires: ['libc.so.6'] }),
  ...pkgs('python-2.3.4-14.el4', BOTH, { provides: ['python(abi) = 2.3', 'python-abi', '/usr/bin/python'], requires: ['libc.so.6'] }),
  ...pkgs('python-sqlite-1.1.7-1.2.1', BOTH, { requires: ['python(abi) = 2.4', 'libsqlite3.so.0'] }),
  ...pkgs('python-sqlite2-2.3.3-1.el5', BOTH, { provides: ['python-sqlite'], requires: ['python(abi) = 2.4', 'libsqlite3.so.0'] }),
  ...pkgs('sqlite-3.3.6-7', BOTH, { provides: ['libsqlite3.so.0'], requires: ['libc.so.6'] }),
  ...pkgs('python-urlgrabber-3.1.0-6.el5', NOARCH, { requires: ['python'] }),
  ...pkgs('yum-metadata-parser-1.1.2-4.el5', BOTH, { requires: ['python', 'libsqlite3.so.0'] }),
  ...pkgs('yum-3.2.22-40.el5.centos', NOARCH, {
    requires: ['python >= 2.4', 'rpm-python', 'python(abi) = 2.4', 'python-sqlite', 'python-urlgrabber >= 3.1.0', 'yum-metadata-parser >= 1.1.0', '/usr/bin/python', 'pre:/bin/sh'],
    conflicts: ['rpm >= 5-0'],
  }),
  ...pkgs('rsyslog-3.22.1-7.el5', BOTH, { requires: ['libc.so.6'], conflicts: ['sysklogd'] }),
  ...pkgs('sysklogd-1.4.1-46.el5', BOTH, { requires: ['libc.so.6'] }),
  ...pkgs('initscripts-8.45.45-1.el5.centos', BOTH, { requires: ['fileutils >= 3.16', 'sh-utils', '/bin/sh'] }),
];

const I386 = ['i686', 'i586', 'i486', 'i386', 'noarch'];
const X86_64 = ['x86_64', 'noarch'];
const SEEDS = ['basesystem', 'bash', 'coreutils', 'rpm', 'yum'];

const EXPECTED = [
  'basesystem',
  'bash',
  'coreutils',
  'filesystem',
  'glibc',
  'glibc-common',
  'grep',
  'libacl',
  'libattr',
  'libtermcap',
  'pam',
  'pcre',
  'popt',
  'python',
  'python-libs',
  'python-sqlite',
  'python-urlgrabber',
  'rpm',
  'rpm-libs',
  'rpm-python',
  'setup',
  'sqlite',
  'tzdata',
  'yum',
  'yum-metadata-parser',
];

const names = (r: ResolvedSet<TestPackage>): string[] => r.packages.map((p) => p.name);
const ignoredReq = (d: Dependency): boolean => (d.flags & Sense.RPMLIB) !== 0 || d.name.startsWith('config(');
const meets = (p: ResolverPackage, d: Dependency): boolean =>
  p.provides.some((c) => satisfies(c, d)) ||
  satisfies({ name: p.name, op: '=', version: `${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}-${p.release}` }, d) ||
  p.files.includes(d.name);

/** Every requirement of every package is met inside the set. */
function assertClosed(r: ResolvedSet<TestPackage>): void {
  for (const p of r.packages) {
    for (const d of p.requires) {
      if (ignoredReq(d)) continue;
      assert.ok(
        r.packages.some((q) => meets(q, d)),
        `${nvra(p)} requires ${d.name} ${d.op} ${d.version}: not in the set`,
      );
    }
  }
}

/** Every package after the packages it requires, except those that (transitively) require
 * it back, i.e. inside a cycle, and except the packages of `first`. */
function assertOrdered(r: ResolvedSet<TestPackage>, first: readonly string[] = DEFAULT_FIRST): void {
  const pos = new Map(r.packages.map((p, i) => [p, i]));
  const needs = new Map<TestPackage, TestPackage[]>(r.packages.map((p) => [p, r.packages.filter((q) => q !== p && p.requires.some((d) => !ignoredReq(d) && meets(q, d) && !meets(p, d)))]));
  const reaches = (from: TestPackage, to: TestPackage): boolean => {
    const seen = new Set<TestPackage>();
    const todo = [from];
    while (todo.length > 0) {
      const x = todo.pop() as TestPackage;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      todo.push(...(needs.get(x) ?? []));
    }
    return false;
  };
  const head = first.filter((n) => r.packages.some((p) => p.name === n));
  assert.equal(
    r.packages.slice(0, head.length).map((p) => p.name),
    head,
    'the fixed head',
  );
  for (const p of r.packages) {
    if (first.includes(p.name)) continue;
    for (const q of needs.get(p) ?? []) {
      if ((pos.get(q) as number) < (pos.get(p) as number)) continue;
      assert.ok(reaches(q, p), `${p.name} is installed before ${q.name}, which it requires, outside any cycle`);
    }
  }
}

test('CentOS 5 i386: the seeds pull in exactly their closure, i686 over i386, newest glibc', () => {
  const r = resolve(BASE, SEEDS, { arches: I386 });
  assert.equal(names(r).slice().sort(), EXPECTED);
  const glibc = r.packages.find((p) => p.name === 'glibc') as TestPackage;
  assert.is(nvra(glibc), `glibc-${GLIBC_EVR}.i686`);
  assert.is(nvra(r.packages.find((p) => p.name === 'glibc-common') as TestPackage), `glibc-common-${GLIBC_EVR}.i386`);
  assert.is((r.packages.find((p) => p.name === 'python') as TestPackage).version, '2.4.3');
  for (const p of r.packages) assert.ok(I386.includes(p.arch), `${nvra(p)} has an arch outside the accepted ones`);
  assertClosed(r);
  assertOrdered(r);
});

test('CentOS 5 x86_64: only x86_64 and noarch, though i386 and i686 glibc are offered', () => {
  const r = resolve(BASE, SEEDS, { arches: X86_64 });
  assert.equal(names(r).slice().sort(), EXPECTED);
  for (const p of r.packages) assert.ok(p.arch === 'x86_64' || p.arch === 'noarch', nvra(p));
  assert.is(r.packages.filter((p) => p.name === 'glibc').length, 1);
  assertClosed(r);
  assertOrdered(r);
});

test('the input objects come back, extra fields and all', () => {
  const r = resolve(BASE, SEEDS, { arches: I386 });
  for (const p of r.packages) {
    assert.ok(BASE.includes(p), `${nvra(p)} is not one of the candidates`);
    assert.is(p.location, `CentOS/${p.name}-${p.version}-${p.release}.${p.arch}.rpm`);
  }
});

test('why: seeds, and the package whose requirement pulled each one in', () => {
  const r = resolve(BASE, SEEDS, { arches: I386 });
  assert.equal([...r.why.keys()].sort(), EXPECTED);
  for (const s of SEEDS) assert.is(r.why.get(s), 'seed');
  assert.is(r.why.get('setup'), 'basesystem');
  assert.is(r.why.get('filesystem'), 'basesystem');
  assert.is(r.why.get('glibc'), 'bash');
  assert.is(r.why.get('glibc-common'), 'glibc');
  assert.is(r.why.get('python-sqlite'), 'yum');
  assert.is(r.why.get('rpm-libs'), 'rpm');
  // Every "why" names a chosen package that requires it.
  for (const [name, by] of r.why) {
    if (by === 'seed') continue;
    const requirer = r.packages.find((p) => p.name === by);
    const chosen = r.packages.find((p) => p.name === name) as TestPackage;
    assert.ok(
      requirer?.requires.some((d) => meets(chosen, d)),
      `${name} pulled in by ${by}`,
    );
  }
});

test('virtual provides, file dependencies and ignored rpmlib()/config() requirements', () => {
  const r = resolve(BASE, SEEDS, { arches: I386 });
  const chosen = new Set(names(r));
  // /bin/sh from bash's file list (a seed), so busybox, which has it too, stays out.
  assert.not.ok(chosen.has('busybox'));
  // python-sqlite by that name rather than python-sqlite2, which provides it too.
  assert.not.ok(chosen.has('python-sqlite2'));
  // config(glibc-common) and rpmlib(...) are provided by no package, and are no error.
  assert.ok(chosen.has('glibc-common') && chosen.has('basesystem'));
});

test('a requirement nothing chosen meets: a provider named as required, else the shortest name', () => {
  // pam requires /bin/sh: bash and busybox both hold it; bash has the shorter name.
  const r = resolve(BASE, ['pam'], { arches: I386 });
  assert.ok(names(r).includes('bash'));
  assert.not.ok(names(r).includes('busybox'));
  // What is already chosen is preferred: busybox as a seed meets /bin/sh.
  const b = resolve(BASE, ['busybox', 'pam'], { arches: I386 });
  assert.ok(names(b).includes('busybox'));
  assert.not.ok(names(b).includes('bash'));
  assertOrdered(b);
});

test('a seed may be a virtual provide or a file', () => {
  const r = resolve(BASE, ['libsqlite3.so.0', '/usr/bin/python'], { arches: I386 });
  assert.equal(
    names(r)
      .filter((n) => n === 'sqlite' || n === 'python')
      .sort(),
    ['python', 'sqlite'],
  );
  assert.is(r.why.get('sqlite'), 'seed');
  assert.is((r.packages.find((p) => p.name === 'python') as TestPackage).version, '2.4.3');
});

test('obsoletes: coreutils removes fileutils, whatever the seed order', () => {
  for (const seeds of [
    ['fileutils', 'coreutils'],
    ['coreutils', 'fileutils'],
  ]) {
    const r = resolve(BASE, seeds, { arches: I386 });
    assert.not.ok(names(r).includes('fileutils'), `seeds ${seeds.join(', ')}`);
    assert.ok(names(r).includes('coreutils'));
    assert.not.ok(r.why.has('fileutils'));
    assertClosed(r);
  }
  // A requirement of the obsoleted name is met by the obsoleter's provide.
  const r = resolve(BASE, ['coreutils', 'initscripts'], { arches: I386 });
  assert.not.ok(names(r).includes('fileutils'));
  assertClosed(r);
});

test('a conflict between chosen packages is an error naming both', () => {
  const e = throwsZoneError(() => resolve(BASE, ['bash', 'rsyslog', 'sysklogd'], { arches: I386 }), 'install-failed');
  assert.is(e.message, 'cannot resolve the package set: rsyslog-3.22.1-7.el5.i386 conflicts with sysklogd, which sysklogd-1.4.1-46.el5.i386 provides');
  assertOneLine(e.message);
  // A versioned conflict that does not match (yum: rpm >= 5-0) is none.
  resolve(BASE, ['yum', 'rpm'], { arches: I386 });
});

test('missing requirements: the first in one line, the count of the others in the hint', () => {
  const broken = [
    ...BASE,
    ...pkgs('broken-1.0-1', ['i386'], { requires: ['libc.so.6', 'libmissing.so.1', 'libgone.so.2'] }),
    ...pkgs('alsobroken-2.0-3', ['i386'], { requires: ['libmissing.so.1'] }),
  ];
  const e = throwsZoneError(() => resolve(broken, ['bash', 'broken', 'alsobroken'], { arches: I386 }), 'install-failed');
  assert.is(e.message, 'cannot resolve the package set: broken-1.0-1.i386 requires libmissing.so.1, which no package provides');
  assertOneLine(e.message);
  assert.ok(e instanceof ZoneError && e.hint !== undefined);
  assert.match(e.hint as string, /^2 other requirements are unmet too \(broken-1\.0-1\.i386 requires libgone\.so\.2; alsobroken-2\.0-3\.i386 requires libmissing\.so\.1\)/);
  assertOneLine(e.hint as string, 'hint');
});

test('a versioned requirement no version meets, and a seed nothing provides', () => {
  const needsNew = [...BASE, ...pkgs('needsnew-1-1', ['i386'], { requires: ['glibc >= 2.12'] })];
  const e = throwsZoneError(() => resolve(needsNew, ['needsnew'], { arches: I386 }), 'install-failed');
  assert.is(e.message, 'cannot resolve the package set: needsnew-1-1.i386 requires glibc >= 2.12, which no package provides');
  assert.match(e.hint as string, /i686, i586, i486, i386, noarch/);
  const s = throwsZoneError(() => resolve(BASE, ['bash', 'nosuchthing'], { arches: I386 }), 'install-failed');
  assert.is(s.message, 'cannot resolve the package set: the package list requires nosuchthing, which no package provides');
  // A package only offered for another arch is missing too.
  const i386only = [...BASE, ...pkgs('compat-libstdc++-296-2.96-138', ['i386'])];
  const x = throwsZoneError(() => resolve(i386only, ['compat-libstdc++-296'], { arches: X86_64 }), 'install-failed');
  assert.is(x.message, 'cannot resolve the package set: the package list requires compat-libstdc++-296, which no package provides');
  // fileutils is i386 only, but on x86_64 coreutils provides it.
  assert.ok(names(resolve(BASE, ['fileutils'], { arches: X86_64 })).includes('coreutils'));
});

test('order: filesystem, setup, basesystem lead; the glibc cycle puts prerequisites first', () => {
  const r = resolve(BASE, SEEDS, { arches: I386 });
  const n = names(r);
  assert.equal(n.slice(0, 3), ['filesystem', 'setup', 'basesystem']);
  const at = (x: string): number => n.indexOf(x);
  // glibc <-> glibc-common, and through /bin/sh and libtermcap's /sbin/ldconfig a larger
  // cycle: glibc-common's %post needs /bin/sh (bash), libtermcap's %post needs ldconfig.
  assert.ok(at('glibc') < at('glibc-common'), n.join(' '));
  assert.ok(at('bash') < at('glibc-common'), n.join(' '));
  assert.ok(at('glibc') < at('libtermcap') && at('libtermcap') < at('bash'), n.join(' '));
  assert.ok(at('tzdata') < at('glibc-common'));
  assert.ok(at('rpm-libs') < at('rpm') && at('rpm') < at('rpm-python') && at('rpm-python') < at('yum'));
});

test('order: `first` can put setup before filesystem, as rpm itself does', () => {
  const first = ['setup', 'filesystem', 'basesystem'];
  const r = resolve(BASE, SEEDS, { arches: I386, first });
  assert.equal(names(r).slice(0, 3), first);
  assertOrdered(r, first);
});

test('order: in a cycle a pre-requirement outweighs the name', () => {
  const pre = [...pkgs('aaa-1-1', ['noarch'], { requires: ['pre:zzz'] }), ...pkgs('zzz-1-1', ['noarch'], { requires: ['aaa'] })];
  assert.equal(names(resolve(pre, ['aaa'], { arches: ['noarch'] })), ['zzz', 'aaa']);
  const plain = [...pkgs('aaa-1-1', ['noarch'], { requires: ['zzz'] }), ...pkgs('zzz-1-1', ['noarch'], { requires: ['aaa'] })];
  assert.equal(names(resolve(plain, ['zzz'], { arches: ['noarch'] })), ['aaa', 'zzz']);
  const prereq = [...pkgs('aaa-1-1', ['noarch'], { requires: ['prereq:zzz'] }), ...pkgs('zzz-1-1', ['noarch'], { requires: ['aaa'] })];
  assert.equal(names(resolve(prereq, ['aaa'], { arches: ['noarch'] })), ['zzz', 'aaa']);
});

test('highest EVR first (epoch included), then the best arch', () => {
  const set = [...pkgs('foo-2.0-1', ['i386'], {}), ...pkgs('foo-1.5-1', ['i686'], { epoch: '1' }), ...pkgs('foo-1.5-1', ['i386'], { epoch: '1' }), ...pkgs('foo-9.0-1', ['x86_64'], {})];
  const r = resolve(set, ['foo'], { arches: I386 });
  assert.is(r.packages.length, 1);
  assert.is(nvra(r.packages[0] as TestPackage), 'foo-1.5-1.i686');
  const noarchNewer = [...pkgs('bar-1.0-2', ['noarch']), ...pkgs('bar-1.0-1', ['i686'])];
  assert.is(nvra(resolve(noarchNewer, ['bar'], { arches: I386 }).packages[0] as TestPackage), 'bar-1.0-2.noarch');
});

test('deterministic: shuffling the candidates changes nothing', () => {
  const key = (r: ResolvedSet<TestPackage>): string => JSON.stringify([r.packages.map(nvra), [...r.why].sort()]);
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const arches of [I386, X86_64]) {
    const want = key(resolve(BASE, SEEDS, { arches }));
    for (let i = 0; i < 25; i++) {
      const shuffled = BASE.slice();
      for (let j = shuffled.length - 1; j > 0; j--) {
        const k = Math.floor(rand() * (j + 1));
        [shuffled[j], shuffled[k]] = [shuffled[k] as TestPackage, shuffled[j] as TestPackage];
      }
      assert.is(key(resolve(shuffled, SEEDS, { arches })), want, `shuffle ${i} (${arches[0]})`);
    }
  }
});

test.run();
