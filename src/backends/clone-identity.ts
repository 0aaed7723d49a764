// A clone's own identity on FreeBSD and illumos hosts, as zonectl gives a Linux clone its own
// (hosts/linux/storage.ts unconfigure): the cloned root loses what names the source,
// through one fixed script run on the host against the halted clone's root. It edits
// only inside that root: every directory it goes through is refused when it is a
// symbolic link (from the host, a link the guest made could lead to the host's own
// files), and find never follows one. The script is plain Bourne shell on one line:
// Solaris 10's /bin/sh has no $(...) and no ${v%p}, and an argument with a newline
// reaches an ssh host through a $(...) wrapper (hosts/quote.ts).
import { ZoneError } from '../core/errors.js';
import type { ZoneRecord } from '../core/zone.js';
import { lastLine, type Executor } from '../transport/executor.js';

/** Whose userland the clone's root holds: what names a system differs between them. */
export type Userland = 'freebsd' | 'linux' | 'solaris';

/** One edit in the root, DIR relative to it:
 * - keys DIR: its ssh_host_* files (and links of such names) removed, not below DIR
 * - remove DIR NAME: the file (or a link of that name) removed
 * - empty DIR NAME: a regular file emptied (a link is left as it is)
 * - write DIR NAME VALUE: the file made anew holding VALUE
 * - rename DIR NAME OLD NEW: a regular file holding just OLD made to hold NEW */
export type IdentityStep = ['keys', string] | ['remove', string, string] | ['empty', string, string] | ['write', string, string, string] | ['rename', string, string, string, string];

/** What gives a cloned root an identity of its own, per userland. Each step says who
 * makes the thing anew once it is gone. */
export function identitySteps(userland: Userland, from: string, to: string): IdentityStep[] {
  // Every userland: sshd makes missing host keys at its start (FreeBSD rc.d/sshd keygen;
  // the SMF ssh method on illumos and Solaris; sshd-keygen or the package on Linux).
  const keys: IdentityStep = ['keys', 'etc/ssh'];
  switch (userland) {
    case 'freebsd':
      // rc.d/hostid and hostid_save are nojail: a jail's kern.hostuuid is its
      // host.hostuuid parameter, and these files in its root are copies that would
      // name the source (a fresh base.txz has neither). Its host name is the jail's
      // host.hostname, which is the zone's already.
      return [keys, ['remove', 'etc', 'hostid'], ['remove', 'etc', 'machine-id']];
    case 'linux':
      // As zonectl does for Linux clones: an empty machine-id makes systemd (and
      // dbus-uuidgen --ensure) write a new one at boot; /etc/hostname only where it
      // names the source, so a name the user chose stays.
      return [keys, ['empty', 'etc', 'machine-id'], ['empty', 'var/lib/dbus', 'machine-id'], ['rename', 'etc', 'hostname', from, to]];
    case 'solaris':
      // svc:/system/identity:node sets the node name from /etc/nodename.
      return [keys, ['write', 'etc', 'nodename', to]];
  }
}

/** The script's exit status when a directory it would go through is a symbolic link. */
export const IDENTITY_REFUSED = 3;
/** Its exit status when the root has no etc: not mounted (an ipkg/lipkg zone's root
 * dataset is mounted only while the zone is ready or running). */
export const IDENTITY_NO_ETC = 4;

/** Run as `sh -c SCRIPT sh ROOT [dir DIR]... STEP...`: each `dir` first (the directories
 * the steps go through, the shallow ones first), then the steps. */
export const IDENTITY_SCRIPT = [
  'umask 022',
  'r=$1',
  'shift',
  `if [ -h "$r" ] || [ ! -d "$r" ]; then echo "$r is not a directory" >&2; exit ${IDENTITY_REFUSED}; fi`,
  `if [ -h "$r/etc" ]; then echo "$r/etc is a symbolic link" >&2; exit ${IDENTITY_REFUSED}; fi`,
  `if [ ! -d "$r/etc" ]; then echo "$r has no etc directory" >&2; exit ${IDENTITY_NO_ETC}; fi`,
  [
    'while [ $# -gt 0 ]; do d=$r/$2; f=$d/$3; case $1 in',
    `dir) if [ -h "$d" ]; then echo "$d is a symbolic link" >&2; exit ${IDENTITY_REFUSED}; fi; shift 2;;`,
    // Solaris 10's find has no -maxdepth: "DIR/. ! -name . -prune" stays in DIR. A key
    // that is a link goes too (it may lead to the source's key elsewhere in the root):
    // rm removes the link itself, never what it points to.
    'keys) if [ -d "$d" ]; then find "$d/." ! -name . -prune -name \'ssh_host_*\' \\( -type f -o -type l \\) -exec rm -f {} \\; ;' +
      ' left=`find "$d/." ! -name . -prune -name \'ssh_host_*\' \\( -type f -o -type l \\) -print`;' +
      ' if [ -n "$left" ]; then echo "cannot remove the ssh host keys in $d" >&2; exit 1; fi; fi; shift 2;;',
    'remove) if [ -h "$f" ] || [ -f "$f" ]; then rm -f "$f" || exit 1; fi; shift 3;;',
    'empty) if [ -f "$f" ] && [ ! -h "$f" ]; then : > "$f" || exit 1; fi; shift 3;;',
    'write) if [ -d "$d" ]; then rm -f "$f" && echo "$4" > "$f" || exit 1; fi; shift 4;;',
    'rename) if [ -f "$f" ] && [ ! -h "$f" ]; then v=`cat "$f"`; if [ "$v" = "$4" ]; then echo "$5" > "$f" || exit 1; fi; fi; shift 5;;',
    '*) echo "unknown step $1" >&2; exit 2;;',
    'esac; done',
  ].join(' '),
].join('; ');

/** The directories the steps go through below etc (which the script checks itself),
 * each once, every parent before its children. */
function throughDirs(steps: IdentityStep[]): string[] {
  const out: string[] = [];
  for (const [, dir] of steps) {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (d !== 'etc' && !out.includes(d)) out.push(d);
    }
  }
  return out;
}

export function identityArgv(root: string, steps: IdentityStep[]): string[] {
  return ['sh', '-c', IDENTITY_SCRIPT, 'sh', root, ...throughDirs(steps).flatMap((d) => ['dir', d]), ...steps.flat()];
}

/** The zone's host name: its own setting, else its name (as the backends configure it). */
export function hostnameOf(record: ZoneRecord): string {
  return record.config.hostname ?? record.name;
}

/** Runs the steps on `root`. 'no-etc' when the root has no etc (nothing there to reset,
 * or not mounted); a symbolic link in the way is refused, any other failure is runtime. */
export async function resetIdentity(ex: Executor, root: string, steps: IdentityStep[], zone: string): Promise<'done' | 'no-etc'> {
  const r = await ex.run(identityArgv(root, steps));
  if (r.code === 0) return 'done';
  if (r.code === IDENTITY_NO_ETC) return 'no-etc';
  const where = ex.target === 'local' ? '' : ` on ${ex.target}`;
  if (r.code === IDENTITY_REFUSED) {
    throw new ZoneError('refused', `zone "${zone}": cannot give the clone its own identity${where}: ${lastLine(r)}, which could lead out of its root`, {
      zone,
      hint: 'nothing outside the root was touched; make that path a directory in the source zone, then clone again',
    });
  }
  throw new ZoneError('runtime', `zone "${zone}": cannot give the clone its own identity${where}: ${lastLine(r)}`, { zone });
}
