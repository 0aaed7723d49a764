// Architecture names: Node's (x64, ia32) inside zonectl; Debian's (amd64, i386) in
// recipes and on the command line, as users and debootstrap write them.
const DEBIAN_TO_NODE: Record<string, string> = { amd64: 'x64', i386: 'ia32', arm64: 'arm64', armhf: 'arm', ppc64el: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };

export function debianToNode(arch: string): string {
  return DEBIAN_TO_NODE[arch] ?? arch;
}

export function nodeToDebian(arch: string): string {
  return Object.entries(DEBIAN_TO_NODE).find(([, n]) => n === arch)?.[0] ?? arch;
}

/** Userland architectures this host runs natively, best first: x86_64 hosts run i386
 * too (ia32 emulation), arm64 hosts often run armhf. */
export function hostArches(): string[] {
  const a = nodeToDebian(process.arch);
  if (a === 'amd64') return ['amd64', 'i386'];
  if (a === 'arm64') return ['arm64', 'armhf'];
  return [a];
}
