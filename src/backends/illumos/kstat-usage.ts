// What a running zone uses, from kstat(1M) -p lines `module:instance:name:statistic<TAB>value`.
// The kstats (illumos-gate usr/src/uts/common/os/zone.c, rctl.c), instance = zone id:
//   caps:ID:nprocs_zone_ID:usage   processes now (zone.max-processes' counter)
//   zones:ID:NAME:nsec_user/nsec_sys   CPU time (NAME is the zone name cut to 30 chars)
// Memory is left out: the memory_cap kstat has rss on illumos-joyent but not in
// illumos-gate, and no other source has a documented, stable output to parse.
import type { ZoneUsage } from '../../core/zone.js';

/** The kstat -p selectors for zone `id` (globs, passed as argv: no shell sees them). */
export function usageSelectors(id: number): string[] {
  return [`caps:${id}:nprocs_zone_${id}:usage`, `zones:${id}:*:nsec_user`, `zones:${id}:*:nsec_sys`];
}

/** The statistics of zone `id` in kstat -p output; undefined when none was found. */
export function parseUsage(stdout: string, id: number): ZoneUsage | undefined {
  const stats: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([^:\s]+):(\d+):([^:]*):([^:\s]+)\s+(\d+)\s*$/.exec(line);
    if (m === null || Number(m[2]) !== id) continue;
    // caps has one kstat per rctl (cpucaps_zone_ID, swapresv_zone_ID ...): only nprocs counts.
    if (m[1] === 'caps' && m[3] !== `nprocs_zone_${id}`) continue;
    stats[`${m[1]}:${m[4]}`] = Number(m[5]);
  }
  const usage: ZoneUsage = {};
  const procs = stats['caps:usage'];
  if (procs !== undefined) usage.processes = procs;
  const user = stats['zones:nsec_user'];
  const sys = stats['zones:nsec_sys'];
  if (user !== undefined && sys !== undefined) usage.cpuSeconds = (user + sys) / 1e9;
  return Object.keys(usage).length === 0 ? undefined : usage;
}
