// The host's vsyscall mode, checked before a zone that needs the page boots: with
// vsyscall=none an old x86_64 glibc dies with SIGSEGV (exit 139) on its first
// gettimeofday(), far from any message that would say why.
import { readFile } from 'node:fs/promises';
import { parseVsyscall, type VsyscallMode } from '../doctor/probes.js';
import type { BootPlan } from '../brands/plan.js';
import { ZoneError } from './errors.js';

/** /proc, or a directory laid out like it (ZONECTL_HOST_PROC: how the tests simulate
 * another host's boot parameters). */
export function procRoot(): string {
  return process.env.ZONECTL_HOST_PROC ?? '/proc';
}

export async function hostVsyscallMode(): Promise<VsyscallMode> {
  if (process.arch !== 'x64') return 'none';
  const proc = procRoot();
  const [maps, cmdline] = await Promise.all([
    readFile(`${proc}/self/maps`, 'utf8').catch(() => ''),
    readFile(`${proc}/cmdline`, 'utf8').catch(() => ''),
  ]);
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
