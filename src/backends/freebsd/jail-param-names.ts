// Jail parameter names as jail(8) compares them: a boolean is false when "no" is
// inserted after its last dot (allow.nomount, mount.nodevfs, nopersist), and the two
// spellings name one parameter (equalopts in usr.sbin/jail/jail.c).

/** The name without its "no" (allow.nomount -> allow.mount); undefined if it has none. */
export function positiveName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  const last = name.slice(dot + 1);
  return last.startsWith('no') && last.length > 2 ? `${name.slice(0, dot + 1)}${last.slice(2)}` : undefined;
}

/** The false spelling of a boolean: "no" after the last dot. */
export function negatedName(name: string): string {
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot + 1)}no${name.slice(dot + 1)}`;
}

/** equalopts(): the same name, or the same with "no" after one of its dots. */
export function sameParam(a: string, b: string): boolean {
  if (a === b) return true;
  const noAt = (x: string, y: string): boolean => {
    for (let i = -1; i < x.length; i = x.indexOf('.', i + 1)) {
      const head = x.slice(0, i + 1);
      if (!y.startsWith(head)) return false;
      if (x.startsWith('no', i + 1) && x.slice(i + 3) === y.slice(i + 1)) return true;
      if (x.indexOf('.', i + 1) < 0) return false;
    }
    return false;
  };
  return noAt(a, b) || noAt(b, a);
}

// Booleans of jail(8) (PF_BOOL in config.c) and the kernel's; only for these is a value
// of "true"/"false" read as a boolean (exec.start = "true" is a command, not a flag).
const BOOLEANS = new Set(['persist', 'exec.clean', 'exec.system_jail_user', 'mount.devfs', 'mount.fdescfs', 'mount.procfs', 'ip_hostname', 'ip4.saddrsel', 'ip6.saddrsel']);

export function isBooleanParam(name: string): boolean {
  return BOOLEANS.has(name) || name.startsWith('allow.');
}

/** Names jail(8) keeps for its own parameters; a $variable may not take one. */
export const INTERNAL_PARAMS = new Set(['command', 'depend', 'interface', 'ip_hostname', 'mount', 'path', 'persist', 'securelevel', 'vnet', 'devfs_ruleset', 'jid', 'name']);
