// Running a userland this kernel cannot run, through QEMU's user-mode emulator and
// binfmt_misc, as podman and Docker do for --platform. zonectl registers handlers of
// its own name (zonectl-aarch64 ...) with QEMU's magic and mask for the architecture and
// the F flag, so the kernel opens the static emulator once, at registration, and it works
// inside every zone's own root. A handler is registered only for an architecture the
// host cannot run itself (the probe said so by executing a program of it): one for the
// host's own programs would capture them. Handlers of other names are never touched.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import { runCapture } from '../../transport/local.js';
import { BINFMT_DIR, type AbiName, type AbiProbe } from '../../probes/abi.js';

/** QEMU's name for each architecture, and its binfmt_misc magic and mask (from QEMU's
 * scripts/qemu-binfmt-conf.sh, as Debian's qemu-user-static registers them). */
const QEMU: Record<AbiName, { qemu: string; magic: string; mask: string }> = {
  amd64: { qemu: 'x86_64', magic: '7f454c4602010100000000000000000002003e00', mask: 'fffffffffffefe00fffffffffffffffffeffffff' },
  i386: { qemu: 'i386', magic: '7f454c4601010100000000000000000002000300', mask: 'fffffffffffefe00fffffffffffffffffeffffff' },
  arm64: { qemu: 'aarch64', magic: '7f454c460201010000000000000000000200b700', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
  armhf: { qemu: 'arm', magic: '7f454c4601010100000000000000000002002800', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
  ppc64el: { qemu: 'ppc64le', magic: '7f454c4602010100000000000000000002001500', mask: 'fffffffffffffffcfffffffffffffffffeffff00' },
  s390x: { qemu: 's390x', magic: '7f454c4602020100000000000000000000020016', mask: 'fffffffffffffffcfffffffffffffffffffeffff' },
  riscv64: { qemu: 'riscv64', magic: '7f454c460201010000000000000000000200f300', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
};

export const HANDLER_PREFIX = 'zonectl-';
export const QEMU_FIX = 'apt-get install qemu-user-static';

/** The emulator itself (not a -binfmt-P name, which reads its arguments differently). */
export function emulatorBinary(abi: AbiName): string {
  return `/usr/bin/qemu-${QEMU[abi].qemu}-static`;
}

export function handlerName(abi: AbiName): string {
  return `${HANDLER_PREFIX}${QEMU[abi].qemu}`;
}

/** The emulator to register and its flags: Debian's -binfmt-P name of it where there is
 * one (QEMU then keeps the program's own argv[0], which busybox-style multi-call
 * programs need), else the plain static emulator. Undefined without qemu-user-static. */
export function emulatorFor(abi: AbiName): { path: string; flags: string } | undefined {
  const q = QEMU[abi].qemu;
  const preserving = `/usr/libexec/qemu-binfmt/${q}-binfmt-P`;
  if (existsSync(preserving)) return { path: preserving, flags: 'OPF' };
  const plain = `/usr/bin/qemu-${q}-static`;
  return existsSync(plain) ? { path: plain, flags: 'F' } : undefined;
}

/** What a zone runs under, recorded at boot; exec and login run under the same. */
export interface EmulationChoice {
  mode: 'native' | 'qemu';
  /** For qemu: the binfmt_misc handler that runs the zone's programs. */
  handler?: string;
  /** For qemu: what emulates them ("qemu-aarch64 7.2.13"). */
  emulator?: string;
}

export type EmulationSetting = 'auto' | 'native' | 'qemu';

/** The decision, from the probe of the zone's ABI and what the setting allows; a refusal
 * is thrown with the reason and the fix. `why` explains a kernel that runs no 32-bit code. */
export function chooseEmulation(zone: string, abi: AbiName, setting: EmulationSetting, probe: AbiProbe, qemuInstalled: boolean, why?: string): EmulationChoice | 'register' {
  const what = `zone "${zone}" is ${/^[aeiou]/.test(abi) ? 'an' : 'a'} ${abi} userland`;
  if (probe.mode === 'native') {
    if (setting !== 'qemu') return { mode: 'native' };
    throw new ZoneError('refused', `${what} and emulation=qemu, but this host runs ${abi} programs itself: a binfmt_misc handler for them would capture the host's own programs`, {
      zone,
      hint: 'set emulation=auto (native here); emulating a native architecture needs the zone in its own user namespace, where binfmt_misc is per zone',
    });
  }
  if (setting === 'native') {
    const how = probe.mode === 'emulated' ? `runs them only through ${probe.detail}` : `cannot run them (${probe.detail}${why === undefined ? '' : `; ${why}`})`;
    throw new ZoneError('refused', `${what} and emulation=native, but this host ${how}`, {
      zone,
      hint: `set emulation=auto to run it under QEMU${qemuInstalled ? '' : ` (${QEMU_FIX})`}${why === undefined ? '' : ', or boot the host with ia32_emulation=1'}`,
    });
  }
  if (probe.mode === 'emulated') return { mode: 'qemu', ...(probe.handler === undefined ? {} : { handler: probe.handler.name }), emulator: probe.detail.replace(/ via .*$/, '') };
  if (!qemuInstalled) {
    throw new ZoneError('host-missing', `${what}, and this host cannot run ${abi} programs (${probe.detail}${why === undefined ? '' : `; ${why}`}) nor emulate them`, {
      zone,
      hint: `${QEMU_FIX}, and zonectl runs the zone under QEMU${why === undefined ? '' : '; or boot the host with ia32_emulation=1'}`,
    });
  }
  return 'register';
}

/** binfmt_misc mounted, where zonectl's handlers go (as systemd-binfmt mounts it). */
async function ensureMounted(): Promise<void> {
  if (existsSync(join(BINFMT_DIR, 'register'))) return;
  const r = await runCapture(['mount', '-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  if (r.code !== 0) {
    throw new ZoneError('host-missing', `cannot mount binfmt_misc on ${BINFMT_DIR}: ${r.stderr.trim()}`, { hint: 'modprobe binfmt_misc (CONFIG_BINFMT_MISC), as root' });
  }
}

/** zonectl's handler for the ABI, registered if it is not there yet; its name. */
export async function registerHandler(abi: AbiName): Promise<string> {
  const emulator = emulatorFor(abi);
  if (emulator === undefined) throw new ZoneError('host-missing', `no QEMU emulator for ${abi} on this host`, { hint: QEMU_FIX });
  await ensureMounted();
  const name = handlerName(abi);
  if (existsSync(join(BINFMT_DIR, name))) return name;
  const hex = (h: string): string => h.replace(/../g, (b) => `\\x${b}`);
  const q = QEMU[abi];
  try {
    writeFileSync(join(BINFMT_DIR, 'register'), `:${name}:M::${hex(q.magic)}:${hex(q.mask)}:${emulator.path}:${emulator.flags}`);
  } catch (e) {
    // Another zonectl registered it at the same moment: the same handler, as wanted.
    if (existsSync(join(BINFMT_DIR, name))) return name;
    throw new ZoneError('runtime', `cannot register the binfmt_misc handler ${name}: ${(e as Error).message}`, { hint: 'zonectl must run as root' });
  }
  return name;
}

/** Removes zonectl's handlers that no running zone uses; others' are left alone. */
export function removeUnusedHandlers(inUse: Set<string>): void {
  let names: string[];
  try {
    names = readdirSync(BINFMT_DIR);
  } catch {
    return; // not mounted: nothing of ours is registered
  }
  for (const n of names) {
    if (!n.startsWith(HANDLER_PREFIX) || inUse.has(n)) continue;
    try {
      writeFileSync(join(BINFMT_DIR, n), '-1');
    } catch {
      // Removed meanwhile by another zonectl.
    }
  }
}
