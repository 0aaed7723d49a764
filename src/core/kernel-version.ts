// The kernel-version zone attribute, by illumos lx's rules (lx_support.c): the major
// number must be numeric and at least 2; "2.4" stands for 2.4.21 and "2.6" for 2.6.18,
// the releases those userlands shipped with. What a Linux host can make a zone see of
// it is decided by the brand's plan (UNAME26 below 3.0).

const SHORTHAND: Record<string, string> = { '2.4': '2.4.21', '2.6': '2.6.18' };
const FORMAT = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-.+~_][A-Za-z0-9_.+~-]*)?$/;

export interface KernelVersion {
  /** As the zone's userland is told, e.g. 2.4.21 or 3.10.0-1160.el7.x86_64. */
  release: string;
  major: number;
  minor: number;
  patch: number;
}

/** Checks and expands a kernel-version value; a reason when it is refused. */
export function parseKernelVersion(value: string): KernelVersion | { bad: string } {
  const release = SHORTHAND[value] ?? value;
  const m = FORMAT.exec(release);
  if (m === null) return { bad: 'must look like MAJOR.MINOR[.PATCH][-EXTRA], e.g. 2.6, 2.6.32 or 3.10.0' };
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major < 2) return { bad: 'a major version below 2 is refused (illumos lx rule)' };
  return { release, major, minor, patch };
}

/** What uname -r reports under the UNAME26 personality (linux kernel/sys.c,
 * override_release): "2.6.(host minor + 60)" followed by whatever follows the host
 * release's numeric part, never the zone's exact string. 6.18.44-x gives 2.6.78-x. */
export function uname26Release(hostRelease: string): string {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(.*)$/.exec(hostRelease);
  if (m === null || Number(m[1]) < 3) return hostRelease;
  return `2.6.${Number(m[2]) + 60}${m[3] ?? ''}`;
}

/** Below 3.0: the userland predates the 3.x numbering and gets UNAME26. */
export function needsUname26(v: KernelVersion): boolean {
  return v.major < 3;
}

/** Build dates of each era's distribution kernels, for uname -v: what a userland of
 * that time saw (RHEL 3's 2.4.21, RHEL 4's 2.6.9, RHEL 5's 2.6.18, RHEL 6's 2.6.32, ...). */
const ERA_DATES: Array<[number, number, string]> = [
  [2, 4, 'Fri Nov 12 20:10:05 EST 2004'],
  [2, 6, 'Wed Jun 17 14:51:23 EDT 2009'],
  [3, 0, 'Tue Nov 25 16:35:57 UTC 2014'],
  [4, 0, 'Wed Oct 18 09:08:16 UTC 2017'],
  [5, 0, 'Fri Aug 14 18:38:56 UTC 2020'],
  [6, 0, 'Mon Jan 30 15:00:00 UTC 2023'],
];

/** uname -v for a kernel-version: "#1 SMP" and a build date of its era. */
export function eraVersion(v: KernelVersion): string {
  let date = ERA_DATES[0]?.[2] as string;
  for (const [major, minor, d] of ERA_DATES) if (v.major > major || (v.major === major && v.minor >= minor)) date = d;
  return `#1 SMP ${date}`;
}
