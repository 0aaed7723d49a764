// The devfs ruleset of Linux zones: devfsrules_jail (ruleset 4) plus /dev/shm, which
// Linux userlands need (the tmpfs mounted there) and ruleset 4 hides. It lives only in
// the kernel: boot loads it before every lx jail -c, adding only rules that are
// missing and never deleting any (a delset would briefly unhide every device in
// running jails that use it). /etc/devfs.rules stays the admin's: rc.d/devfs
// reloads only the rulesets named there, so it never touches this one.

/** zonectl's ruleset number (devfs rulesets are 16-bit; far from the 1-4 of base). */
export const LX_DEVFS_RULESET = 5140;

/** The rules as `devfs rule -s N show` prints them (rulespec_outfp in sbin/devfs/rule.c). */
export const LX_DEVFS_RULES = ['100 include 4', '200 path shm unhide', '300 path shm/* unhide'];

// $1 the ruleset, $2 the wanted rules (one a line, as `show` prints them). Adds what
// is missing (each add is "NUM rule..."; a rule a concurrent boot added fails EEXIST
// and is ignored), then the ruleset must be exactly the wanted rules; exit 3 when it
// holds rules of someone else's.
export const DEVFS_SCRIPT = [
  // No globbing: "shm/*" goes to devfs as it is.
  'set -f',
  'have=$(devfs rule -s "$1" show) || exit 1',
  'if printf \'%s\\n\' "$have" | grep -v \'^$\' | grep -qvxF "$2"; then echo "devfs ruleset $1 holds rules zonectl did not add" >&2; exit 3; fi',
  'printf \'%s\\n\' "$2" | while read -r n rule; do printf \'%s\\n\' "$have" | grep -qxF "$n $rule" || devfs rule -s "$1" add "$n" $rule 2>/dev/null; done',
  '[ "$(devfs rule -s "$1" show)" = "$2" ]',
].join('\n');

export function devfsArgv(): string[] {
  return ['sh', '-c', DEVFS_SCRIPT, 'sh', String(LX_DEVFS_RULESET), LX_DEVFS_RULES.join('\n')];
}
