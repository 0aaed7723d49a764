// What boot, halt and shutdown run besides jail(8) itself: the zone's fs mount points
// made under its root, the epair's host end destroyed when jail(8) will not, the
// frozen copy of the jail file a running jail is removed with, and the timed in-jail
// part of a shutdown.
import type { JailParam } from '../../core/zone.js';

// $1 the jail root, then each mount point below it (absolute, normalized). Made one
// component at a time, never following a symlink: the root is the guest's, and a
// link it planted would put the mount (or the directory) outside it. Exit 3 names
// the first link in one line.
export const MOUNTPOINTS_SCRIPT = [
  'root=$1; shift',
  'for dir; do',
  '  p=$root; rest=${dir#/}',
  '  while [ -n "$rest" ]; do',
  '    c=${rest%%/*}; [ "$c" = "$rest" ] && rest= || rest=${rest#*/}',
  '    p=$p/$c',
  '    if [ -L "$p" ]; then echo "$p is a symbolic link" >&2; exit 3; fi',
  '    [ -d "$p" ] || mkdir -m 0755 "$p" || exit 1',
  '  done',
  'done',
].join('\n');

export function mountpointsArgv(root: string, dirs: string[]): string[] {
  return ['sh', '-c', MOUNTPOINTS_SCRIPT, 'sh', root, ...dirs];
}

// $1 an interface: destroyed if it exists (destroying one end of an epair takes both).
export const DESTROY_IF_SCRIPT = 'if ifconfig "$1" >/dev/null 2>&1; then ifconfig "$1" destroy; fi';

export function destroyIfArgv(iface: string): string[] {
  return ['sh', '-c', DESTROY_IF_SCRIPT, 'sh', iface];
}

/** The jail's exec.stop commands (run by shutdown itself, timed). */
export function stopCommands(params: JailParam[]): string[] {
  const stop = params.find((p) => p.name === 'exec.stop')?.value;
  return Array.isArray(stop) ? stop.filter((c) => c !== '') : [];
}

/** The frozen copy's parameters: exec.stop left out, so `jail -r` never runs it untimed
 * (shutdown runs it under timeout(1) first; halt does not run it, as zoneadm halt). */
export function frozenParams(params: JailParam[]): JailParam[] {
  return params.filter((p) => p.name !== 'exec.stop');
}

/** One exec.stop command inside the jail, killed after `seconds` (timeout(1): base since 10.3). */
export function timedStopArgv(zone: string, seconds: number, command: string): string[] {
  return ['timeout', String(seconds), 'jexec', '-l', zone, '/bin/sh', '-c', command];
}
