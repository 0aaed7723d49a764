// How a zone's programs run, decided from what executing a program of its ABI showed
// and what its emulation setting allows: every pair of probe verdict and setting, with
// the refusals' reasons and fixes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseEmulation, handlerName } from '../../src/backends/linux/emulation.js';
import type { AbiProbe } from '../../src/probes/abi.js';
import { throwsZoneError } from './fixtures/expect-error.js';

const native: AbiProbe = { abi: 'i386', mode: 'native', detail: 'the kernel' };
const cannot: AbiProbe = { abi: 'arm64', mode: 'cannot run', detail: 'Exec format error' };
const emulated: AbiProbe = {
  abi: 'arm64',
  mode: 'emulated',
  detail: 'qemu-aarch64 7.2.22 via binfmt_misc handler qemu-aarch64',
  handler: { name: 'qemu-aarch64', enabled: true, interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P', flags: 'OPF', offset: 0, magic: Buffer.alloc(0), mask: Buffer.alloc(0) },
};

test('an ABI the kernel runs runs natively, unless qemu is asked for', () => {
  assert.equal(chooseEmulation('z', 'i386', 'auto', native, true), { mode: 'native' });
  assert.equal(chooseEmulation('z', 'i386', 'native', native, false), { mode: 'native' });
  const e = throwsZoneError(() => chooseEmulation('z', 'i386', 'qemu', native, true), 'refused');
  assert.match(e.message, /emulation=qemu, but this host runs i386 programs itself: a binfmt_misc handler for them would capture the host's own programs/);
});

test("an ABI the kernel cannot run: zonectl's handler where qemu is installed, else a refusal naming the package", () => {
  assert.is(chooseEmulation('z', 'arm64', 'auto', cannot, true), 'register');
  assert.is(chooseEmulation('z', 'arm64', 'qemu', cannot, true), 'register');
  const e = throwsZoneError(() => chooseEmulation('z', 'arm64', 'auto', cannot, false), 'host-missing');
  assert.match(e.message, /zone "z" is an arm64 userland, and this host cannot run arm64 programs \(Exec format error\) nor emulate them/);
  assert.match(e.hint ?? '', /apt-get install qemu-user-static/);
});

test('emulation=native refuses an ABI the kernel cannot run, with the why of a 32-bit kernel', () => {
  const e = throwsZoneError(() => chooseEmulation('z', 'i386', 'native', { ...cannot, abi: 'i386' }, true, 'disabled by ia32_emulation=0 on the kernel command line'), 'refused');
  assert.match(e.message, /zone "z" is an i386 userland and emulation=native, but this host cannot run them \(Exec format error; disabled by ia32_emulation=0/);
  assert.match(e.hint ?? '', /ia32_emulation=1/);
});

test('a handler someone else registered is used as it is, and named', () => {
  assert.equal(chooseEmulation('z', 'arm64', 'auto', emulated, true), { mode: 'qemu', handler: 'qemu-aarch64', emulator: 'qemu-aarch64 7.2.22' });
  const e = throwsZoneError(() => chooseEmulation('z', 'arm64', 'native', emulated, true), 'refused');
  assert.match(e.message, /runs them only through qemu-aarch64 7.2.22 via binfmt_misc handler qemu-aarch64/);
});

test("zonectl's handlers have its own names", () => {
  assert.is(handlerName('arm64'), 'zonectl-aarch64');
  assert.is(handlerName('i386'), 'zonectl-i386');
  assert.is(handlerName('ppc64el'), 'zonectl-ppc64le');
});

test.run();
