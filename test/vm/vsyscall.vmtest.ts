// Inside a vsyscall row: a static program that reads the vsyscall page runs in a zone
// only where the kernel emulates the page, and the lx brand's gate refuses a zone that
// needs the page on a vsyscall=none kernel, naming vsyscall=emulate, and boots it on an
// emulate one. (The real kernel's mode, no fixture.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanup, json, makeRoot, ok, zonectl } from '../integration/helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const mode = process.env.ZONECTL_VM_VSYSCALL;
const root = makeRoot();

test.after(() => cleanup(root));

test(`a program reading the vsyscall page runs in a zone only under emulate (this row: ${mode ?? '?'})`, () => {
  assert.ok(mode !== undefined, 'run by vm-tests/run.ts only');
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'plain']);
  const bin = join(root, 'zones', 'plain', 'root', 'vsyscall-read');
  const cc = spawnSync('gcc', ['-static', '-O0', '-o', bin, join(import.meta.dirname, '..', 'fixtures', 'vsyscall-read.c')], { encoding: 'utf8' });
  assert.is(cc.status, 0, cc.stderr);
  ok(root, ['boot', 'plain']);
  const r = zonectl(root, ['exec', 'plain', '--', '/vsyscall-read']);
  if (mode === 'emulate') {
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^vsyscall ok /);
  } else {
    assert.is(r.code, 139, `expected SIGSEGV (139) under vsyscall=${mode}, got ${r.code}`);
  }
  ok(root, ['halt', 'plain']);
});

test('the lx gate: a zone that needs the page is refused under none, boots under emulate', () => {
  const tree = join(root, 'zones', 'plain', 'root');
  const mirror = join(root, 'mirror');
  mkdirSync(mirror);
  assert.is(spawnSync('tar', ['-C', tree, '-czf', join(mirror, 'rootfs.tgz'), '.']).status, 0);
  const recipe = join(root, 'old.yaml');
  writeFileSync(
    recipe,
    [
      'name: old',
      'description: an x86_64 userland whose glibc predates 2.14',
      'brands: [lx]',
      'arches: [amd64]',
      'attributes: { vsyscall: required }',
      'method:',
      '  kind: tarball',
      `  mirrors: [${pathToFileURL(mirror).href}]`,
      '  files: { amd64: { path: rootfs.tgz } }',
      'init: { command: [/bin/busybox, init], halt-signal: SIGUSR2 }',
    ].join('\n'),
  );
  ok(root, ['install', '--brand', 'lx', recipe, '--name', 'old']);
  const r = zonectl(root, ['boot', 'old']);
  if (mode === 'none') {
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /needs the vsyscall page, but this host runs with vsyscall=none.*vsyscall=emulate/);
    assert.is(json<ZoneView>(root, ['info', 'old']).state, 'installed');
  } else {
    assert.is(r.code, 0, r.stderr);
    assert.is(json<ZoneView>(root, ['info', 'old']).state, 'running');
    ok(root, ['halt', 'old']);
  }
});

test.run();
