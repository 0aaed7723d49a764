// A zone whose init cannot run is never reported as booted: boot watches the init
// process until it is the zone's own program, and otherwise fails in one line quoting
// the console (the kernel's "exec format error"), leaving the zone installed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, makeRoot, ok, oneLine, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';
import { ABI_NAMES, hostAbi, probeAbi, tinyElf } from '../../src/probes/abi.js';

const t = suite('init must start');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'z']);
});
t.after(() => cleanup(root));

function replaceInit(content: Buffer): void {
  const init = join(root, 'zones', 'z', 'root', 'sbin', 'init');
  rmSync(init, { force: true });
  writeFileSync(init, content, { mode: 0o755 });
}

function bootFails(pattern: RegExp): void {
  const r = zonectl(root, ['boot', 'z']);
  assert.is(r.code, 1, `boot said: ${r.stdout}${r.stderr}`);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, pattern);
  assert.not.match(r.stdout, /booted/);
  assert.is(json<ZoneView>(root, ['info', 'z']).state, 'installed');
}

t('an init that is no program the kernel knows: boot fails quoting the exec error, the zone stays installed', () => {
  // An ELF header of no class: no kernel and no binfmt handler runs it.
  replaceInit(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 9, 9, 9, 0, ...new Array(56).fill(0)]));
  bootFails(/zone "z": its init \/sbin\/init did not start: exec \/sbin\/init: exec format error/);
});

t("an init of an architecture this host cannot run (the probe's own verdict) fails the same way", () => {
  const foreign = ABI_NAMES.find((a) => a !== hostAbi() && probeAbi(a).mode === 'cannot run');
  assert.ok(foreign !== undefined, 'this host runs every architecture: nothing to test with');
  replaceInit(tinyElf(foreign));
  bootFails(/did not start: exec \/sbin\/init: exec format error/);
});

t('a missing init fails before anything starts', () => {
  rmSync(join(root, 'zones', 'z', 'root', 'sbin', 'init'));
  bootFails(/\/sbin\/init: no such file or directory/);
});

t('the real init boots, and the zone runs', () => {
  const init = join(root, 'zones', 'z', 'root', 'sbin', 'init');
  rmSync(init, { force: true });
  symlinkSync('../bin/busybox', init); // busybox is its own init, as the recipe made it

  ok(root, ['boot', 'z']);
  assert.is(json<ZoneView>(root, ['info', 'z']).state, 'running');
  ok(root, ['halt', 'z']);
});

t.run();
