// The execution domain a zone's processes run under. OCI cannot express it (its
// linux.personality takes no flags), but a personality set on the runtime process is
// inherited by everything it starts, so the runtime is run under setarch(8): LINUX32
// for a 32-bit userland on a 64-bit kernel (uname -m says i686, which old rpm, yum
// and configure scripts need), UNAME26 for a kernel-version below 3.0.
import type { Personality } from '../../brands/plan.js';

export function personalityPrefix(p: Personality | undefined): string[] {
  if (p === undefined || (!p.linux32 && !p.uname26)) return [];
  return ['setarch', ...(p.linux32 ? ['linux32'] : []), ...(p.uname26 ? ['--uname-2.6'] : [])];
}

/** The personality(2) value a zone's processes see (PER_LINUX32 = 0x8, UNAME26 = 0x20000). */
export function personalityValue(p: Personality): number {
  return (p.linux32 ? 0x0008 : 0) | (p.uname26 ? 0x0020000 : 0);
}
