// What of the host kernel's ABI a zone depends on, checked before it boots: the
// vsyscall page (with vsyscall=none an old x86_64 glibc dies with SIGSEGV, exit 139,
// on its first gettimeofday(), far from any message that would say why), and why a
// kernel runs no 32-bit code (whether it does is found by executing one: probes/abi.ts;
// what then runs the zone: backends/linux/emulation.ts).
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { ia32Status, parseKconfig, parseVsyscall, type VsyscallMode } from '../../probes/linux.js';
import type { BootPlan } from '../../brands/plan.js';
import { ZoneError } from '../../core/errors.js';

/** /proc, or a directory laid out like it (ZONECTL_HOST_PROC: how the tests simulate
 * another host's boot parameters). */
export function procRoot(): string {
  return process.env.ZONECTL_HOST_PROC ?? '/proc';
}

export async function hostVsyscallMode(): Promise<VsyscallMode> {
  if (process.arch !== 'x64') return 'none';
  const proc = procRoot();
  const [maps, cmdline] = await Promise.all([readFile(`${proc}/self/maps`, 'utf8').catch(() => ''), readFile(`${proc}/cmdline`, 'utf8').catch(() => '')]);
  return parseVsyscall(maps, cmdline, undefined);
}

export const VSYSCALL_FIX = 'boot the host with vsyscall=emulate (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot)';

/** Refuses to boot a zone that needs the vsyscall page on a host without one. */
export async function assertVsyscall(plan: BootPlan): Promise<void> {
  if (!plan.vsyscall.needed) return;
  const mode = await hostVsyscallMode();
  if (mode !== 'none') return;
  throw new ZoneError('host-missing', `zone "${plan.zone}" needs the vsyscall page, but this host runs with vsyscall=none: ${plan.vsyscall.reason}`, {
    zone: plan.zone,
    hint: `${VSYSCALL_FIX}; or install the userland's i386 build, which does not use it`,
  });
}

/** The running kernel's build configuration, where the distribution ships it. */
export async function readKconfig(kernel: string = release()): Promise<{ text: string; source: string } | undefined> {
  const boot = `/boot/config-${kernel}`;
  const text = await readFile(boot, 'utf8').catch(() => undefined);
  if (text !== undefined) return { text, source: boot };
  try {
    const gz = await readFile('/proc/config.gz');
    const { gunzipSync } = await import('node:zlib');
    return { text: gunzipSync(gz).toString('utf8'), source: '/proc/config.gz' };
  } catch {
    return undefined;
  }
}

/** Refuses a 32-bit userland where the kernel is known to run no 32-bit code; an
 * unknown answer (no kernel config to read) lets the boot try. */
/** Why this kernel runs no 32-bit x86 programs, as its config and command line say:
 * the explanation for what executing one showed (probes/abi.ts), never the test. */
export async function ia32Reason(): Promise<string> {
  const [kconfig, cmdline] = await Promise.all([readKconfig(), readFile(`${procRoot()}/cmdline`, 'utf8').catch(() => '')]);
  return ia32Status(kconfig === undefined ? undefined : parseKconfig(kconfig.text), cmdline).reason;
}
