// The brand's seccomp policy as an OCI seccomp section. Every architecture a userland
// may use is listed: a filter for x86_64 alone lets 32-bit syscalls through unfiltered.
import { constants } from 'node:os';
import type { SeccompPlan } from '../../brands/plan.js';

export interface OciSeccomp {
  defaultAction: string;
  architectures: string[];
  syscalls: Array<{ names: string[]; action: string; errnoRet?: number }>;
  /** Where the runtime sends the notify fd for SCMP_ACT_NOTIFY rules. */
  listenerPath?: string;
}

/** The uname family, for every ABI the filter covers (olduname and oldolduname exist
 * on i386 only; the runtime skips names an architecture lacks). */
export const UNAME_SYSCALLS = ['uname', 'olduname', 'oldolduname'];

const ARCHES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  ia32: ['SCMP_ARCH_X86'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  arm: ['SCMP_ARCH_ARM'],
  ppc64: ['SCMP_ARCH_PPC64LE', 'SCMP_ARCH_PPC64'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  riscv64: ['SCMP_ARCH_RISCV64'],
};

export function errnoNumber(name: string): number {
  const n = (constants.errno as Record<string, number | undefined>)[name];
  if (n === undefined) throw new Error(`unknown errno ${name}`);
  return n;
}

/** The syscall ABIs a filter must cover on this host: all of them, since a 64-bit
 * kernel runs 32-bit (and x32) code too. */
export function ociArchitectures(hostArch: string): string[] {
  return ARCHES[hostArch] ?? [];
}

export function ociSeccomp(plan: SeccompPlan, hostArch: string, unameListener?: string): OciSeccomp {
  const syscalls: OciSeccomp['syscalls'] = plan.deny.length === 0 ? [] : [{ names: [...plan.deny].sort(), action: 'SCMP_ACT_ERRNO', errnoRet: errnoNumber(plan.errno) }];
  if (unameListener === undefined) return { defaultAction: 'SCMP_ACT_ALLOW', architectures: ociArchitectures(hostArch), syscalls };
  // Only the uname family goes to the supervisor: every other syscall stays in the kernel.
  syscalls.push({ names: UNAME_SYSCALLS, action: 'SCMP_ACT_NOTIFY' });
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: ociArchitectures(hostArch), syscalls, listenerPath: unameListener };
}
