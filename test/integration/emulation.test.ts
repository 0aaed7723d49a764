// A zone of an architecture this host cannot run (arm64 on x86_64, or any foreign one
// the probe says cannot run here) boots under QEMU through zonectl's own binfmt_misc
// handler: its init and every exec are the guest's programs, uname -m is the guest's
// machine, info says how it runs, and halting the last such zone removes the handler
// and no other. emulation=native refuses it; emulation=qemu refuses a native ABI.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, makeRoot, ok, oneLine, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';
import { ARM64_EXIT_42, ARM64_SLEEP_INIT, ARM64_UNAME_M, ARM64_UNAME_R } from '../fixtures/arm64-programs.js';
import { BINFMT_DIR, probeAbi } from '../../src/probes/abi.js';

const t = suite('emulation');
let root = '';
const HANDLER = join(BINFMT_DIR, 'zonectl-aarch64');

t.before(() => {
  requireRootAndRunc();
  assert.ok(existsSync('/usr/bin/qemu-aarch64-static'), 'qemu-user-static is not installed (scripts/install-deps.sh installs it)');
  // On an arm64 host this test would be about x86_64; the project's machines are x86_64.
  assert.is(process.arch, 'x64', 'this test emulates arm64 on an x86_64 host');
  root = makeRoot();
  const src = join(root, 'a64-src');
  for (const [path, program] of [
    ['sbin/init', ARM64_SLEEP_INIT],
    ['bin/exit42', ARM64_EXIT_42],
    ['bin/uname-m', ARM64_UNAME_M],
    ['bin/uname-r', ARM64_UNAME_R],
  ] as const) {
    mkdirSync(join(src, path, '..'), { recursive: true });
    writeFileSync(join(src, path), program);
    chmodSync(join(src, path), 0o755);
  }
  ok(root, ['create', 'a64', '--brand', 'native']);
  ok(root, ['install', 'a64', '--source', src]);
});
t.after(() => {
  zonectl(root, ['halt', 'a64']);
  cleanup(root);
});

t('the installed userland is arm64, which this host cannot run by itself', () => {
  assert.is(json<ZoneView>(root, ['info', 'a64']).userland?.arch, 'arm64');
  // Unless a handler of someone else's claims arm64 programs here (then it emulates them).
  const probe = probeAbi('arm64');
  assert.ok(probe.mode !== 'native', JSON.stringify(probe));
});

t('emulation=native refuses it in one line naming the way out, and the zone stays installed', () => {
  ok(root, ['configure', 'a64', '--set', 'emulation=native']);
  const r = zonectl(root, ['boot', 'a64']);
  assert.is(r.code, 1, r.stdout);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /zone "a64" is an arm64 userland and emulation=native, but this host (cannot run them|runs them only through)/);
  assert.match(r.stderr, /set emulation=auto/);
  assert.is(json<ZoneView>(root, ['info', 'a64']).state, 'installed');
});

t('emulation=auto boots it under QEMU through zonectl-aarch64, and says so', () => {
  ok(root, ['configure', 'a64', '--set', 'emulation=auto']);
  ok(root, ['boot', 'a64']);
  const v = json<ZoneView>(root, ['info', 'a64']);
  assert.is(v.state, 'running');
  assert.is(v.emulation?.mode, 'qemu');
  assert.match(v.emulation?.emulator ?? '', /^qemu-aarch64 \d+\.\d+/);
  if (v.emulation?.handler === 'zonectl-aarch64') {
    const handler = readFileSync(HANDLER, 'utf8');
    assert.match(handler, /^enabled$/m);
    assert.match(handler, /^flags: \w*F\w*$/m, 'the F flag: the emulator is opened at registration, usable inside the zone');
    assert.match(handler, /^magic 7f454c460201010000000000000000000200b700$/m);
  }
  assert.match(ok(root, ['info', 'a64']).stdout, /running: qemu \(qemu-aarch64 [\d.]+ via binfmt_misc handler /);
});

t("exec runs the guest's programs under the same emulation: its exit status, its machine", () => {
  assert.is(zonectl(root, ['exec', 'a64', '--', '/bin/exit42']).code, 42);
  assert.is(ok(root, ['exec', 'a64', '--', '/bin/uname-m']).stdout.replace(/\0/g, ''), 'aarch64');
});

t("halting the last zone that needs it removes zonectl's handler, and leaves others' alone", () => {
  const mine = json<ZoneView>(root, ['info', 'a64']).emulation?.handler === 'zonectl-aarch64';
  // Someone else's handler (for a program no one runs) must outlive zonectl's clean-up.
  writeFileSync(join(BINFMT_DIR, 'register'), ':test-not-zonectl:M::\\x7fZTEST::/usr/bin/true:');
  try {
    ok(root, ['halt', 'a64']);
    if (mine) assert.not.ok(existsSync(HANDLER), 'zonectl-aarch64 is still registered');
    assert.ok(existsSync(join(BINFMT_DIR, 'test-not-zonectl')), 'a handler zonectl did not register was removed');
  } finally {
    writeFileSync(join(BINFMT_DIR, 'test-not-zonectl'), '-1');
  }
});

t('an lx zone under emulation reports exactly its kernel-version, which QEMU alone would raise to its own minimum', () => {
  ok(root, ['create', 'lx64', '--brand', 'lx', '--set', 'kernel-version=2.4.21']);
  ok(root, ['install', 'lx64', '--source', join(root, 'a64-src')]);
  ok(root, ['boot', 'lx64']);
  try {
    assert.is(ok(root, ['exec', 'lx64', '--', '/bin/uname-r']).stdout.replace(/\0/g, ''), '2.4.21');
    assert.is(ok(root, ['exec', 'lx64', '--', '/bin/uname-m']).stdout.replace(/\0/g, ''), 'aarch64');
    assert.is(json<ZoneView>(root, ['info', 'lx64']).emulation?.release, '2.4.21');
  } finally {
    ok(root, ['halt', 'lx64']);
  }
});

t("emulation=qemu on a zone of the host's own architecture is refused: its handler would capture the host", () => {
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'own']);
  ok(root, ['configure', 'own', '--set', 'emulation=qemu']);
  const r = zonectl(root, ['boot', 'own']);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stderr, /emulation=qemu, but this host runs amd64 programs itself/);
  ok(root, ['configure', 'own', '--set', 'emulation=auto']);
  ok(root, ['boot', 'own']);
  assert.equal(json<ZoneView>(root, ['info', 'own']).emulation, { mode: 'native' });
  ok(root, ['halt', 'own']);
});

t.run();
