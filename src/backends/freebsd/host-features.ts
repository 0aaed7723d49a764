// What FreeBSD must have for jails that zonectl refuses to go without, and the fix for
// each: said the same by the backend's refusals and by doctor.
import type { HostOs } from '../../transport/host-os.js';

/** What turns RACCT on (GENERIC kernels have it compiled in but off). */
export const RACCT_FIX = 'add kern.racct.enable=1 to /boot/loader.conf and reboot the host';

/** The Linuxulator's ELF handler module for the host's ABI, and its file. */
export function linuxModule(host: HostOs): { module: string; file: string } {
  return host.machine === 'i386' ? { module: 'linuxelf', file: 'linux' } : { module: 'linux64elf', file: 'linux64' };
}

export function linuxFix(host: HostOs): string {
  return `kldload ${linuxModule(host).file}, or sysrc linux_enable=YES && service linux start`;
}
