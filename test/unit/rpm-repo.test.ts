// Repository metadata readers against real repositories: packages rpmbuild makes here
// (noarch, x86_64, i386, depending on each other by name, by version, by epoch and by
// file) laid out as createrepo_c repodata (gzip/sha256, bzip2/sha1, xz), as a yum 2.0
// headers/ tree and as a bare autoindex page, served over loopback HTTP. All shapes must
// give the same packages, and those must agree with `rpm -qp`. Parsers also get small
// literal files, malformed ones included: always a one-line 'install-failed' ZoneError
// naming the file. Needs Debian's rpm (rpmbuild) and createrepo-c packages (bzip2 and xz
// too, which Debian has anyway).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { InstallEvent } from '../../src/install/methods.js';
import { formatDependency, readRpm, type Dependency } from '../../src/install/rpm/package.js';
import {
  headerFileName,
  headerInfoPackage,
  loadRepository,
  parseDirectoryListing,
  parseHeaderFile,
  parseHeaderInfo,
  parsePrimary,
  parseRepomd,
  type RepoPackage,
} from '../../src/install/rpm/repo.js';
import { Sense } from '../../src/install/rpm/tags.js';
import { assertOneLine, rejectsZoneError, throwsZoneError } from './fixtures/expect-error.js';

const tmp = mkdtempSync(join(tmpdir(), 'zonectl-rpmrepo-'));

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 64 << 20 });
  if (r.error !== undefined) {
    throw new Error(`${cmd}: ${r.error.message} (the RPM repository tests need Debian's rpm and createrepo-c: apt-get install rpm createrepo-c)`);
  }
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString('utf8');
}

const sha = (algo: string, b: Buffer): string => createHash(algo).update(b).digest('hex');
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

// ---------------------------------------------------------------- literal parsers

const PRIMARY_NS = 'xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"';

async function rejectsOneLine(p: Promise<unknown>, source: string): Promise<void> {
  const e = await rejectsZoneError(p, 'install-failed');
  assertOneLine(e.message);
  assert.ok(e.message.startsWith(`${source}: `), e.message);
}

function throwsOneLine(fn: () => unknown, source: string): void {
  const e = throwsZoneError(fn, 'install-failed');
  assertOneLine(e.message);
  assert.ok(e.message.startsWith(`${source}: `), e.message);
}

test('parseRepomd: createrepo_c and yum 2.4 (sha, xml:base) repomd files', async () => {
  const modern = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1</revision>
  <data type="filelists"><checksum type="sha256">${'1'.repeat(64)}</checksum><location href="repodata/f.xml.gz"/></data>
  <data type="primary">
    <checksum type="sha256">${'AB'.repeat(32)}</checksum>
    <open-checksum type="sha256">${'cd'.repeat(32)}</open-checksum>
    <location href="repodata/x-primary.xml.gz"/>
  </data>
</repomd>`;
  assert.equal(await parseRepomd(modern), {
    primary: {
      href: 'repodata/x-primary.xml.gz',
      checksum: { type: 'sha256', value: 'ab'.repeat(32) },
      openChecksum: { type: 'sha256', value: 'cd'.repeat(32) },
    },
  });
  // yum 2.4's createrepo (CentOS 4): SHA-1 as "sha", no open-size; and an xml:base.
  const old = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <data type="other"><location href="repodata/other.xml.gz"/><checksum type="sha">${'0'.repeat(40)}</checksum></data>
  <data type="primary">
    <location xml:base="http://mirror.example/c4/" href="repodata/primary.xml.gz"/>
    <checksum type="sha">${'9'.repeat(40)}</checksum>
    <timestamp>1</timestamp>
    <open-checksum type="sha">${'8'.repeat(40)}</open-checksum>
  </data>
</repomd>`;
  assert.equal(await parseRepomd(old), {
    primary: {
      href: 'http://mirror.example/c4/repodata/primary.xml.gz',
      checksum: { type: 'sha1', value: '9'.repeat(40) },
      openChecksum: { type: 'sha1', value: '8'.repeat(40) },
    },
  });
});

test('parseRepomd: malformed files are one-line ZoneErrors naming the file', async () => {
  const src = 'http://h/r/repodata/repomd.xml';
  const cases = [
    '',
    'not xml at all',
    '<repomd><data type="primary"><location href="x"/></data>', // truncated
    '<html><body>404</body></html>', // a soft 404
    '<repomd><data type="filelists"><location href="f"/></data></repomd>', // no primary
    '<repomd><data type="primary"><checksum type="sha256">ab</checksum></data></repomd>', // no location
    `<repomd><data type="primary"><location href="p"/><checksum type="crc32">${'a'.repeat(64)}</checksum></data></repomd>`,
    '<repomd><data type="primary"><location href="p"/><checksum type="sha256">zz\nzz</checksum></data></repomd>',
    '<repomd><__proto__>x</__proto__></repomd>',
    '<repomd><data type="primary"><location xml:base="file:///etc/" href="p"/></data></repomd>',
  ];
  for (const xml of cases) await rejectsOneLine(parseRepomd(xml, src), src);
});

test('parsePrimary: every field, flag and entity', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<metadata ${PRIMARY_NS} packages="2">
<package type="rpm">
  <name>compat-libstdc++-33</name>
  <arch>i386</arch>
  <version epoch="0" ver="3.2.3" rel="61"/>
  <checksum type="sha" pkgid="YES">${'A'.repeat(40)}</checksum>
  <summary>Compatibility &lt;C++&gt; libraries</summary>
  <description>x &amp; y &#169; <![CDATA[ <raw> ]]></description>
  <size package="239893" installed="737684" archive="741496"/>
  <location href="CentOS/RPMS/compat-libstdc++-33-3.2.3-61.i386.rpm"/>
  <format>
    <rpm:license>GPL</rpm:license>
    <rpm:provides>
      <rpm:entry name="libstdc++.so.5"/>
      <rpm:entry name="compat-libstdc++-33" flags="EQ" epoch="0" ver="3.2.3" rel="61"/>
      <rpm:entry name="a&amp;b&#x21;" flags="GE" epoch="2" ver="1.0"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="/sbin/ldconfig" pre="1"/>
      <rpm:entry name="libc.so.6(GLIBC_2.3)"/>
      <rpm:entry name="glibc" flags="GT" epoch="0" ver="2.3" rel="1"/>
      <rpm:entry name="x" flags="LT" ver="2"/>
      <rpm:entry name="y" flags="LE" epoch="1" ver="2" rel="3" pre="1"/>
      <rpm:entry name="rpmlib(CompressedFileNames)" flags="LE" epoch="0" ver="3.0.4" rel="1"/>
    </rpm:requires>
    <rpm:conflicts><rpm:entry name="old" flags="LT" epoch="0" ver="1"/></rpm:conflicts>
    <rpm:obsoletes><rpm:entry name="older"/></rpm:obsoletes>
    <file>/usr/bin/x</file>
    <file type="dir">/etc/x.d</file>
    <file type="ghost">/etc/x.d/state</file>
  </format>
</package>
<package type="rpm">
  <name>bash</name><arch>x86_64</arch><version epoch="3" ver="4.2.46" rel="34.el7"/>
  <location href="Packages/bash-4.2.46-34.el7.x86_64.rpm"/>
  <format/>
</package>
</metadata>`;
  const [a, b] = await parsePrimary(xml);
  const dep = (name: string, flags: number, version: string, op: string): Dependency => ({ name, flags, version, op });
  assert.equal(a, {
    name: 'compat-libstdc++-33',
    version: '3.2.3',
    release: '61',
    arch: 'i386',
    location: 'CentOS/RPMS/compat-libstdc++-33-3.2.3-61.i386.rpm',
    checksum: { type: 'sha1', value: 'a'.repeat(40) },
    size: 239893,
    provides: [dep('libstdc++.so.5', 0, '', ''), dep('compat-libstdc++-33', Sense.EQUAL, '3.2.3-61', '='), dep('a&b!', Sense.GREATER | Sense.EQUAL, '2:1.0', '>=')],
    requires: [
      dep('/sbin/ldconfig', Sense.PREREQ, '', ''),
      dep('libc.so.6(GLIBC_2.3)', 0, '', ''),
      dep('glibc', Sense.GREATER, '2.3-1', '>'),
      dep('x', Sense.LESS, '2', '<'),
      dep('y', Sense.LESS | Sense.EQUAL | Sense.PREREQ, '1:2-3', '<='),
      dep('rpmlib(CompressedFileNames)', Sense.LESS | Sense.EQUAL | Sense.RPMLIB, '3.0.4-1', '<='),
    ],
    conflicts: [dep('old', Sense.LESS, '1', '<')],
    obsoletes: [dep('older', 0, '', '')],
    files: ['/usr/bin/x', '/etc/x.d', '/etc/x.d/state'],
  });
  assert.equal(b, {
    name: 'bash',
    epoch: '3',
    version: '4.2.46',
    release: '34.el7',
    arch: 'x86_64',
    location: 'Packages/bash-4.2.46-34.el7.x86_64.rpm',
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    files: [],
  });
  assert.equal(await parsePrimary(`<metadata ${PRIMARY_NS} packages="0"></metadata>`), []);
  // Source packages in a mixed file are not type="rpm".
  assert.equal(await parsePrimary(`<metadata ${PRIMARY_NS}><package type="srpm"><name>x</name></package></metadata>`), []);
});

test('parsePrimary: malformed files are one-line ZoneErrors naming the file', async () => {
  const src = 'http://h/r/repodata/abc-primary.xml.gz';
  const pkg = (inner: string): string => `<metadata ${PRIMARY_NS}><package type="rpm">${inner}</package></metadata>`;
  const ok = '<name>a</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><location href="a.rpm"/>';
  await parsePrimary(pkg(ok), src); // the base case parses
  const cases = [
    '',
    '<metadata>',
    `<metadata ${PRIMARY_NS} packages="2"><package type="rpm">${ok}</package></metadata>`, // cut short after one
    '<repomd/>',
    pkg('<arch>noarch</arch><version ver="1" rel="1"/><location href="a.rpm"/>'), // no name
    pkg('<name>a</name><arch>noarch</arch><location href="a.rpm"/>'), // no version
    pkg('<name>a</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>'), // no location
    pkg('<name>a</name><version epoch="0" ver="1" rel="1"/><location href="a.rpm"/>'), // no arch
    pkg('<name>a</name><arch>noarch</arch><version epoch="x" ver="1" rel="1"/><location href="a.rpm"/>'),
    pkg(`${ok}<format><rpm:requires><rpm:entry name="b" flags="XX" ver="1"/></rpm:requires></format>`),
    pkg(`${ok}<format><rpm:requires><rpm:entry flags="EQ" ver="1"/></rpm:requires></format>`),
    pkg(`${ok}<checksum type="sha256">short</checksum>`),
    pkg(`${ok}<format><rpm:provides><rpm:entry name="b"></rpm:provides></format>`), // unclosed entry
    pkg(`${ok}<constructor>x</constructor>`),
    `<metadata ${PRIMARY_NS}><package type="rpm">${ok}</package></metadata>\u0000\u0001garbage`,
  ];
  for (const xml of cases) await rejectsOneLine(parsePrimary(xml, src), src);
});

test('parseHeaderInfo: yum 2.0 lines, dashes in names, epochs, CRLF', () => {
  const text = [
    '0:compat-gcc-32-c++-3.2.3-47.3.i386=RedHat/RPMS/compat-gcc-32-c++-3.2.3-47.3.i386.rpm',
    '1:openssl-0.9.7a-33.25.i686=RedHat/RPMS/openssl-0.9.7a-33.25.i686.rpm\r',
    '',
    '2:xorg-x11-6.8.2-1.EL.13.37.7.x86_64=RedHat/RPMS/xorg-x11-6.8.2-1.EL.13.37.7.x86_64.rpm',
  ].join('\n');
  const got = parseHeaderInfo(text);
  assert.equal(got, [
    { epoch: '0', name: 'compat-gcc-32-c++', version: '3.2.3', release: '47.3', arch: 'i386', location: 'RedHat/RPMS/compat-gcc-32-c++-3.2.3-47.3.i386.rpm' },
    { epoch: '1', name: 'openssl', version: '0.9.7a', release: '33.25', arch: 'i686', location: 'RedHat/RPMS/openssl-0.9.7a-33.25.i686.rpm' },
    { epoch: '2', name: 'xorg-x11', version: '6.8.2', release: '1.EL.13.37.7', arch: 'x86_64', location: 'RedHat/RPMS/xorg-x11-6.8.2-1.EL.13.37.7.x86_64.rpm' },
  ]);
  assert.is(headerFileName(got[0] as (typeof got)[0]), 'compat-gcc-32-c++-0-3.2.3-47.3.i386.hdr');
  assert.equal(parseHeaderInfo(''), []);
});

test('parseHeaderInfo: malformed lines name the file and the line', () => {
  const src = 'http://h/3.9/os/i386/headers/header.info';
  for (const bad of [
    'bash-2.05b-41.i386=bash.rpm',
    '0:bash-2.05b-41.i386',
    '0:bash-2.05b-41.i386=',
    'x:bash-2.05b-41.i386=b.rpm',
    '0:bash.i386=b.rpm',
    '0:bash-41.i386=b.rpm',
    '0:bash-1-2.=b.rpm',
    '\u0000\u0001\u0002',
  ]) {
    throwsOneLine(() => parseHeaderInfo(`0:ok-1-1.noarch=ok.rpm\n${bad}\n`, src), src);
  }
  const e = throwsZoneError(() => parseHeaderInfo('0:ok-1-1.noarch=ok.rpm\n\n0:x\u001b[31m=y\n', src), 'install-failed');
  assert.match(e.message, /line 3 /);
  assertOneLine(e.message);
});

test('parseHeaderFile: garbage, truncated and foreign files are ZoneErrors', () => {
  const src = 'http://h/headers/a-0-1-1.noarch.hdr';
  for (const bytes of [
    Buffer.alloc(0),
    Buffer.from('<html>not found</html>'),
    gzipSync(Buffer.from('junk')),
    Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]),
    Buffer.from([0x8e, 0xad, 0xe8, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 50]),
  ]) {
    throwsOneLine(() => parseHeaderFile(bytes, src), src);
  }
});

test('parseDirectoryListing: Apache and nginx autoindex pages', () => {
  const apache = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of /centos/4.9/os/i386/CentOS/RPMS</title></head><body>
<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><a href="/centos/4.9/os/i386/CentOS/">Parent Directory</a></td></tr>
<tr><td><a href="bash-3.0-27.el4.i386.rpm">bash-3.0-27.el4.i386.rpm</a></td></tr>
<tr><td><A HREF='compat-libstdc%2B%2B-33-3.2.3-47.3.i386.rpm'>compat-libstdc++-33-3.2.3-47.3.i386.rpm</A></td></tr>
<tr><td><a href="/centos/4.9/os/i386/CentOS/RPMS/glibc-2.3.4-2.54.i686.rpm">glibc</a></td></tr>
<tr><td><a href="http://mirror.example/centos/4.9/os/i386/CentOS/RPMS/zlib-1.2.1.2-1.2.i386.rpm">zlib</a></td></tr>
<tr><td><a href="bash-3.0-27.el4.i386.rpm">again</a></td></tr>
<tr><td><a href=a&amp;b-1-1.noarch.rpm>amp</a></td></tr>
</table></body></html>`;
  assert.equal(parseDirectoryListing(apache, 'http://mirror.example/centos/4.9/os/i386/CentOS/RPMS/'), [
    'bash-3.0-27.el4.i386.rpm',
    'compat-libstdc++-33-3.2.3-47.3.i386.rpm',
    'glibc-2.3.4-2.54.i686.rpm',
    'zlib-1.2.1.2-1.2.i386.rpm',
    'a&b-1-1.noarch.rpm',
  ]);
  const nginx = `<html><head><title>Index of /r/</title></head><body><h1>Index of /r/</h1><hr><pre><a href="../">../</a>
<a href="sub/">sub/</a>                                               01-Jan-2020 00:00       -
<a href="sub/x-1-1.noarch.rpm">sub/x</a>
<a href="../escape-1-1.noarch.rpm">up</a>
<a href="%2e%2e/enc-1-1.noarch.rpm">up</a>
<a href="http://evil.example/r/evil-1-1.noarch.rpm">other host</a>
<a href="https://mirror.example/r/scheme-1-1.noarch.rpm">other scheme</a>
<a href="//evil.example/r/proto-1-1.noarch.rpm">protocol-relative</a>
<a href="/elsewhere/e-1-1.noarch.rpm">outside</a>
<a href="javascript:alert(1).rpm">js</a>
<a href="notes.txt">notes.txt</a>
<a href="y-1-1.src.rpm">y-1-1.src.rpm</a>
<a href="z%0a-1-1.noarch.rpm">control</a>
<a href="bad%zz.rpm">bad escape</a>
</pre><hr></body></html>`;
  assert.equal(parseDirectoryListing(nginx, 'http://mirror.example/r/'), ['sub/x-1-1.noarch.rpm', 'y-1-1.src.rpm']);
  // A base without the trailing slash names the same directory's page.
  assert.equal(parseDirectoryListing('<a href="a-1-1.noarch.rpm">', 'http://mirror.example/r/index.html'), ['a-1-1.noarch.rpm']);
  assert.equal(parseDirectoryListing('', 'http://mirror.example/r/'), []);
});

// ---------------------------------------------------------------- real repositories

const COMMON = '%global debug_package %{nil}\nLicense: MIT\n';

const SPECS: Record<string, string> = {
  // Ships /bin/sh: the file dependency of zt-app. Epoch 1, as zt-app asks for.
  'zt-shell': `Name: zt-shell
Epoch: 1
Version: 2.0
Release: 3
Summary: shell
BuildArch: noarch
${COMMON}%description
shell
%install
mkdir -p %{buildroot}/bin
printf '#!/bin/sh\\nexit 0\\n' > %{buildroot}/bin/sh
chmod 755 %{buildroot}/bin/sh
%files
/bin/sh
`,
  // '+' in the name: URLs must escape it right.
  'zt-lib++': `Name: zt-lib++
Version: 3.1
Release: 1.el4
Summary: library
Provides: zt-api = 3.1
${COMMON}%description
lib
%install
mkdir -p %{buildroot}/etc %{buildroot}/usr/sbin
echo 'x=1' > %{buildroot}/etc/zt-lib.conf
printf 'not really\\n' > %{buildroot}/usr/sbin/zt-libd
%files
%config /etc/zt-lib.conf
/usr/sbin/zt-libd
`,
  'zt-app': `Name: zt-app
Version: 2.5
Release: 1.el5
Summary: app
Requires: zt-lib++
Requires: zt-api >= 3.0
Requires: /bin/sh
Requires(pre): zt-shell >= 1:2.0
Conflicts: zt-old < 1.0
Obsoletes: zt-legacy <= 0.9-2
Provides: zt-app-cli = 2.5
${COMMON}%description
app &<x>
%install
mkdir -p %{buildroot}/etc %{buildroot}/usr/bin
echo 'a=1' > %{buildroot}/etc/zt-app.conf
printf '#!/bin/sh\\necho app\\n' > %{buildroot}/usr/bin/zt-app
chmod 755 %{buildroot}/usr/bin/zt-app
%pre
true
%post
true
%files
%config(noreplace) /etc/zt-app.conf
/usr/bin/zt-app
`,
};

const BUILDS: [string, string][] = [
  ['zt-shell', 'noarch'],
  ['zt-lib++', 'x86_64'],
  ['zt-lib++', 'i386'],
  ['zt-app', 'x86_64'],
  ['zt-app', 'i386'],
];

/** Builds the packages of BUILDS; their paths. */
function buildPackages(): string[] {
  const top = join(tmp, 'build');
  mkdirSync(top, { recursive: true });
  for (const [name, target] of BUILDS) {
    const spec = join(top, `${name}.spec`);
    writeFileSync(spec, SPECS[name] as string);
    run('rpmbuild', ['-bb', '--quiet', '--target', target, '--define', `_topdir ${top}`, '--define', '_rpmfilename %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm', spec]);
  }
  return readdirSync(join(top, 'RPMS'))
    .filter((f) => f.endsWith('.rpm'))
    .map((f) => join(top, 'RPMS', f));
}

/** Directory requests get an nginx-style autoindex, with links that must be ignored. */
function autoindex(urlPath: string, dir: string): string {
  const rows = readdirSync(dir)
    .sort()
    .map((f) => {
      const d = statSync(join(dir, f)).isDirectory() ? '/' : '';
      return `<a href="${encodeURIComponent(f)}${d}">${f.replace(/&/g, '&amp;').replace(/</g, '&lt;')}${d}</a>    01-Jan-2024 00:00    -`;
    });
  return `<html>\r\n<head><title>Index of ${urlPath}</title></head>\r\n<body>\r\n<h1>Index of ${urlPath}</h1><hr><pre><a href="../">../</a>
${rows.join('\n')}
<a href="http://192.0.2.1/evil-1-1.noarch.rpm">elsewhere</a>
<a href="../outside-1-1.noarch.rpm">outside</a>
</pre><hr></body>\r\n</html>\r\n`;
}

let server: Server;
let origin = '';
const served = join(tmp, 'www');
const requests: string[] = [];

function startServer(): Promise<void> {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(served, path);
    if (path.includes('..') || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    if (statSync(file).isDirectory()) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(autoindex(path, file));
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => ((origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`), resolve())));
}

let rpms: string[] = [];
/** Each package file's main header, as readRpm found it. */
const blobs = new Map<string, Buffer>();

const baseName = (f: string): string => f.slice(f.lastIndexOf('/') + 1);

/** name, epoch ('0' if none), version, release, arch of a package file, as rpm sees it. */
function rpmNevra(file: string): { name: string; epoch: string; version: string; release: string; arch: string } {
  const [name, epoch, version, release, arch] = run('rpm', ['-qp', '--nosignature', '--qf', '%{NAME}\\n%|EPOCH?{%{EPOCH}}:{0}|\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}', file]).split('\n') as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { name, epoch, version, release, arch };
}

function layout(): void {
  const put = (root: string, sub: string): void => {
    mkdirSync(join(served, root, sub), { recursive: true });
    for (const f of rpms) copyFileSync(f, join(served, root, sub, baseName(f)));
  };
  // repodata, three ways: createrepo_c's defaults (gzip, sha256), CentOS 5 style SHA-1
  // with bzip2, and xz without checksums in the file names.
  for (const [root, args] of [
    ['md', []],
    ['md-bz2', ['--checksum', 'sha1', '--general-compress-type', 'bz2']],
    ['md-xz', ['--general-compress-type', 'xz', '--simple-md-filenames']],
  ] as [string, string[]][]) {
    put(root, 'Packages');
    run('createrepo_c', ['--quiet', '--no-database', ...args, join(served, root)]);
  }
  // yum 2.0 (yum-arch): headers/header.info and a gzipped header per package.
  put('hi', 'Packages');
  mkdirSync(join(served, 'hi', 'headers'));
  const info: string[] = [];
  for (const f of rpms) {
    const e = { ...rpmNevra(f), location: `Packages/${baseName(f)}` };
    info.push(`${e.epoch}:${e.name}-${e.version}-${e.release}.${e.arch}=${e.location}`);
    writeFileSync(join(served, 'hi', 'headers', headerFileName(e)), gzipSync(blobs.get(f) as Buffer));
  }
  writeFileSync(join(served, 'hi', 'headers', 'header.info'), `${info.join('\n')}\n`);
  // A bare directory of packages, and one with no package at all.
  put('ls', '');
  mkdirSync(join(served, 'empty'));
}

const events: InstallEvent[] = [];
const opts = (): { cacheDir: string; zone: string; emit: (e: InstallEvent) => void } => ({
  cacheDir: join(tmp, 'cache'),
  zone: 'repotest',
  emit: (e) => void events.push(e),
});

test.before(async () => {
  rpms = buildPackages();
  for (const f of rpms) blobs.set(f, (await readRpm(f)).headerBlob);
  layout();
  await startServer();
});

test.after(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- comparisons

const nevraOf = (p: RepoPackage): string => `${p.name}-${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}-${p.release}.${p.arch}`;
const fmt = (ds: Dependency[]): string[] => ds.map(formatDependency);
/** Needed before the package's scriptlets: repodata's pre="1", a header's bits. */
const PRE_BITS = Sense.PREREQ | Sense.SCRIPT_PRE | Sense.SCRIPT_POST | Sense.SCRIPT_PREUN | Sense.SCRIPT_POSTUN;
const preOf = (ds: Dependency[]): string[] => [...new Set(ds.filter((d) => (d.flags & PRE_BITS) !== 0).map(formatDependency))].sort();

interface RpmSide {
  file: string;
  nevra: string;
  requires: string[];
  provides: string[];
  conflicts: string[];
  obsoletes: string[];
  files: string[];
  pre: string[];
}

function rpmSide(file: string): RpmSide {
  const q = (opt: string): string[] => lines(run('rpm', ['-qp', '--nosignature', opt, file]));
  const e = rpmNevra(file);
  const pre = lines(run('rpm', ['-qp', '--nosignature', '--qf', '[%{REQUIREFLAGS} %{REQUIRENEVRS}\\n]', file]))
    .filter((l) => (Number(l.slice(0, l.indexOf(' '))) & PRE_BITS) !== 0)
    .map((l) => l.slice(l.indexOf(' ') + 1));
  return {
    file,
    nevra: `${e.name}-${e.epoch === '0' ? '' : `${e.epoch}:`}${e.version}-${e.release}.${e.arch}`,
    requires: q('--requires'),
    provides: q('--provides'),
    conflicts: q('--conflicts'),
    obsoletes: q('--obsoletes'),
    files: lines(run('rpm', ['-qp', '--nosignature', '--qf', '[%{FILENAMES}\\n]', file])),
    pre: [...new Set(pre)].sort(),
  };
}

const sorted = (a: string[]): string[] => [...a].sort();

async function load(root: string): Promise<Map<string, RepoPackage>> {
  const got = await loadRepository(`${origin}/${root}`, opts());
  const out = new Map(got.map((p) => [nevraOf(p), p]));
  assert.is(out.size, got.length, `${root}: a package twice`);
  return out;
}

test('all repository shapes give the packages rpm -qp sees', async () => {
  const rpmView = rpms.map(rpmSide);
  assert.equal(sorted(rpmView.map((r) => r.nevra)), ['zt-app-2.5-1.el5.i386', 'zt-app-2.5-1.el5.x86_64', 'zt-lib++-3.1-1.el4.i386', 'zt-lib++-3.1-1.el4.x86_64', 'zt-shell-1:2.0-3.noarch']);
  for (const root of ['md', 'md-bz2', 'md-xz', 'hi', 'ls']) {
    requests.length = 0;
    const got = await load(root);
    assert.equal(sorted([...got.keys()]), sorted(rpmView.map((r) => r.nevra)), `${root}: packages`);
    // Each shape reads what it should, and only that.
    const used = new Set(requests.map((r) => r.slice(root.length + 2).replace(/^repodata\/[^/]*primary.*/, 'PRIMARY')));
    if (root.startsWith('md')) assert.equal(sorted([...used]), ['PRIMARY', 'repodata/repomd.xml'], `${root}: ${[...used].join(' ')}`);
    if (root === 'hi') assert.ok(used.has('headers/header.info') && !used.has('') && [...used].every((u) => !u.endsWith('.rpm')), `${root}: ${[...used].join(' ')}`);
    if (root === 'ls') assert.is([...used].filter((u) => u.endsWith('.rpm')).length, 5, root);
    for (const r of rpmView) {
      const p = got.get(r.nevra) as RepoPackage;
      const where = `${root}: ${r.nevra}`;
      const bytes = readFileSync(r.file);
      // The location, fetched from the base URL, is the package file.
      assert.is(p.location, root === 'ls' ? baseName(r.file) : `Packages/${baseName(r.file)}`, where);
      const res = await fetch(new URL(p.location, `${origin}/${root}/`));
      assert.is(sha('sha256', Buffer.from(await res.arrayBuffer())), sha('sha256', bytes), `${where}: fetched`);
      if (root === 'hi') assert.is(p.checksum, undefined);
      else {
        const type = root === 'md-bz2' ? 'sha1' : 'sha256';
        assert.equal(p.checksum, { type, value: sha(type, bytes) }, where);
        assert.is(p.size, bytes.length, where);
      }
      assert.equal(sorted(p.files), sorted(r.files), `${where}: files`);
      if (root.startsWith('md')) {
        // createrepo leaves out rpmlib() requirements, those the package meets itself
        // (config(zt-app), zt-shell's /bin/sh), and the same requirement twice.
        const own = new Set([...r.provides, ...r.files]);
        const want = [...new Set(r.requires.filter((q) => !q.startsWith('rpmlib(') && !own.has(q)))].sort();
        assert.equal([...new Set(fmt(p.requires))].sort(), want, `${where}: requires`);
        assert.equal(sorted(fmt(p.provides)), sorted(r.provides), `${where}: provides`);
      } else {
        assert.equal(fmt(p.requires), r.requires, `${where}: requires`);
        assert.equal(fmt(p.provides), r.provides, `${where}: provides`);
      }
      assert.equal(fmt(p.conflicts), r.conflicts, `${where}: conflicts`);
      assert.equal(fmt(p.obsoletes), r.obsoletes, `${where}: obsoletes`);
      assert.equal(
        preOf(p.requires),
        r.pre.filter((q) => !q.startsWith('rpmlib(')),
        `${where}: requirements before scriptlets`,
      );
    }
    // What the resolver needs: every requirement of zt-app is met inside the
    // repository, by a package name, a versioned provide, an epoch or a file.
    for (const arch of ['x86_64', 'i386']) {
      const app = got.get(`zt-app-2.5-1.el5.${arch}`) as RepoPackage;
      for (const q of app.requires.filter((d) => !d.name.startsWith('rpmlib(') && !d.name.startsWith('config('))) {
        const by = [...got.values()].filter((p) => p.provides.some((d) => d.name === q.name) || p.files.includes(q.name));
        assert.ok(by.length > 0, `${root}: nothing provides ${formatDependency(q)}`);
      }
    }
    assert.equal(
      fmt(got.get('zt-lib++-3.1-1.el4.x86_64')?.provides ?? []).filter((d) => d.startsWith('zt-api')),
      ['zt-api = 3.1'],
      root,
    );
    assert.ok(got.get('zt-shell-1:2.0-3.noarch')?.files.includes('/bin/sh'), root);
  }
  assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'metadata'));
});

test('loadRepository: no repository, a damaged primary, a wrong header, no server', async () => {
  const none = await rejectsZoneError(loadRepository(`${origin}/empty/`, opts()), 'install-failed');
  assertOneLine(none.message);
  assert.match(none.message, /\/empty\/ has no repodata\/repomd\.xml.*HTTP 404.*HTTP 404.*lists no \.rpm files/);
  await rejectsZoneError(loadRepository(`${origin}/nowhere`, opts()), 'install-failed');
  // primary.xml changed after repomd.xml was written: its checksum no longer matches.
  const bad = join(served, 'md-bad');
  mkdirSync(join(bad, 'repodata'), { recursive: true });
  copyFileSync(join(served, 'md-xz', 'repodata', 'repomd.xml'), join(bad, 'repodata', 'repomd.xml'));
  const primary = readFileSync(join(served, 'md-xz', 'repodata', 'primary.xml.xz'));
  primary[primary.length - 20] ^= 1;
  writeFileSync(join(bad, 'repodata', 'primary.xml.xz'), primary);
  // (A fresh cache: the cache has the good file under that checksum, and rightly uses it.)
  const e1 = await rejectsZoneError(loadRepository(`${origin}/md-bad/`, { ...opts(), cacheDir: join(tmp, 'cache-2') }), 'install-failed');
  assertOneLine(e1.message);
  assert.match(e1.message, /primary\.xml\.xz/);
  // A header.info entry whose header file is another package's.
  const hb = join(served, 'hi-bad', 'headers');
  mkdirSync(hb, { recursive: true });
  const info = readFileSync(join(served, 'hi', 'headers', 'header.info'), 'utf8');
  writeFileSync(join(hb, 'header.info'), info);
  for (const f of readdirSync(join(served, 'hi', 'headers'))) copyFileSync(join(served, 'hi', 'headers', f), join(hb, f));
  const shell = readdirSync(hb).find((f) => f.startsWith('zt-shell-')) as string;
  copyFileSync(join(hb, readdirSync(hb).find((f) => f.startsWith('zt-app-')) as string), join(hb, shell));
  const e2 = await rejectsZoneError(loadRepository(`${origin}/hi-bad/`, opts()), 'install-failed');
  assertOneLine(e2.message);
  assert.ok(e2.message.includes(shell) && e2.message.includes('zt-app'), e2.message);
  // A header that is not there fails the install: no falling back to another shape.
  const hm = join(served, 'hi-missing', 'headers');
  mkdirSync(hm, { recursive: true });
  writeFileSync(join(hm, 'header.info'), info);
  const e4 = await rejectsZoneError(loadRepository(`${origin}/hi-missing/`, opts()), 'install-failed');
  assert.match(e4.message, /\.hdr failed: HTTP 404$/);
  // A network failure is not "no such file": it does not fall through to other shapes.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const e3 = await rejectsZoneError(loadRepository(`http://127.0.0.1:${port}/r/`, opts()), 'install-failed');
  assert.match(e3.message, /repodata\/repomd\.xml/);
  await rejectsZoneError(loadRepository('ftp://example/r/', opts()), 'install-failed');
});

test("headerInfoPackage: the header must be the entry's package", () => {
  const [app, shell] = [rpms.find((f) => baseName(f).startsWith('zt-app-')), rpms.find((f) => baseName(f).startsWith('zt-shell-'))] as [string, string];
  const hdr = parseHeaderFile(gzipSync(blobs.get(shell) as Buffer), 'shell.hdr');
  const entry = { ...rpmNevra(shell), location: 'Packages/x.rpm' };
  const p = headerInfoPackage(entry, hdr, 'shell.hdr');
  assert.is(p.epoch, '1');
  assert.is(p.location, 'Packages/x.rpm');
  assert.equal(p.files, ['/bin/sh']);
  // A plain (not gzipped) header reads the same.
  assert.equal(headerInfoPackage(entry, parseHeaderFile(blobs.get(shell) as Buffer, 'shell.hdr'), 'shell.hdr'), p);
  throwsOneLine(() => headerInfoPackage({ ...entry, epoch: '0' }, hdr, 'shell.hdr'), 'shell.hdr');
  throwsOneLine(() => headerInfoPackage({ ...rpmNevra(app), location: 'a.rpm' }, hdr, 'shell.hdr'), 'shell.hdr');
  // Cut short inside the index.
  throwsOneLine(() => parseHeaderFile(gzipSync((blobs.get(shell) as Buffer).subarray(0, 100)), 'cut.hdr'), 'cut.hdr');
});

test.run();
