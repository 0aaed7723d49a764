// The execution domain a zone's processes run under. OCI cannot express it, but a
// personality set on the runtime process is inherited by everything it starts, so
// the runtime is run under setarch(8). A 32-bit userland on a 64-bit kernel gets
// LINUX32: uname -m says i686 (armv8l), which old rpm, yum and configure scripts
// need to pick their architecture.
export function personalityPrefix(userlandArch: string | undefined, hostArch: string = process.arch): string[] {
  if ((userlandArch === 'ia32' && hostArch === 'x64') || (userlandArch === 'arm' && hostArch === 'arm64')) {
    return ['setarch', 'linux32'];
  }
  return [];
}
