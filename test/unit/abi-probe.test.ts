// ABIs found by executing: each tiny program is a real static executable of its ABI
// (run under QEMU's user-mode emulator where the host is another architecture, it
// exits 42), the host's own ABI runs natively, and a binfmt_misc handler, as the
// kernel prints it, claims exactly the programs its magic and mask say.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABI_NAMES, handlerFor, hostAbi, parseBinfmtHandler, probeAbi, tinyElf, type AbiName } from '../../src/probes/abi.js';
import { readElf } from '../../src/install/elf.js';
import { debianToNode } from '../../src/core/arch.js';

const QEMU: Record<AbiName, string> = { amd64: 'x86_64', i386: 'i386', arm64: 'aarch64', armhf: 'arm', ppc64el: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const HOST_ABI = hostAbi() ?? 'amd64';

const dir = mkdtempSync(join(tmpdir(), 'zonectl-abi-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const abi of ABI_NAMES) {
  test(`the ${abi} program is an ELF executable of that architecture that exits 42`, async () => {
    const file = join(dir, abi);
    writeFileSync(file, tinyElf(abi));
    chmodSync(file, 0o755);
    assert.equal(await readElf(file), { arch: debianToNode(abi), static: true });
    const qemu = `/usr/bin/qemu-${QEMU[abi]}-static`;
    // CI installs qemu-user-static (scripts/install-deps.sh): it runs every ABI's program.
    assert.ok(existsSync(qemu), `${qemu} missing: apt-get install qemu-user-static`);
    const r = spawnSync(qemu, [file]);
    assert.is(r.status, 42, `${qemu} ${file}: ${r.stderr}`);
  });
}

test("the host's own ABI runs natively", () => {
  assert.equal(probeAbi(HOST_ABI, dir, []), { abi: HOST_ABI, mode: 'native', detail: 'the kernel' });
});

test('a foreign ABI with no handler cannot run, and the kernel says why', () => {
  const foreign: AbiName = HOST_ABI === 's390x' ? 'arm64' : 's390x';
  assert.equal(probeAbi(foreign, dir, []), { abi: foreign, mode: 'cannot run', detail: 'Exec format error' });
});

const AARCH64 = `enabled
interpreter /usr/bin/qemu-aarch64-static
flags: F
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`;
const I386 = `enabled
interpreter /usr/bin/qemu-i386-static
flags: OCF
offset 0
magic 7f454c4601010100000000000000000002000300
mask fffffffffffefe00fffffffffffffffffeffffff
`;

test('a binfmt_misc handler file is read as the kernel prints it', () => {
  const h = parseBinfmtHandler('qemu-aarch64', AARCH64);
  assert.equal(
    { ...h, magic: h?.magic.toString('hex'), mask: h?.mask.toString('hex') },
    {
      name: 'qemu-aarch64',
      enabled: true,
      interpreter: '/usr/bin/qemu-aarch64-static',
      flags: 'F',
      offset: 0,
      magic: '7f454c460201010000000000000000000200b700',
      mask: 'ffffffffffffff00fffffffffffffffffeffffff',
    },
  );
  assert.is(parseBinfmtHandler('jar', 'enabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n'), undefined);
});

test('a handler claims the programs of its machine and no other', () => {
  const handlers = [parseBinfmtHandler('qemu-aarch64', AARCH64), parseBinfmtHandler('qemu-i386', I386)].flatMap((h) => (h === undefined ? [] : [h]));
  assert.is(handlerFor(handlers, tinyElf('arm64'))?.name, 'qemu-aarch64');
  assert.is(handlerFor(handlers, tinyElf('i386'))?.name, 'qemu-i386');
  for (const abi of ['amd64', 'armhf', 'ppc64el', 's390x', 'riscv64'] as const) assert.is(handlerFor(handlers, tinyElf(abi)), undefined, abi);
  const off = handlers.map((h) => ({ ...h, enabled: false }));
  assert.is(handlerFor(off, tinyElf('arm64')), undefined, 'a disabled handler claims nothing');
});

test.run();
