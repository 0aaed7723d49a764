// The state machine: which verb is accepted in which state (after illumos zoneadm's
// sanity_check()), and the one-line refusal when it is not.
import { ZoneError } from './errors.js';
import type { ZoneState } from './zone.js';

export type Verb = 'configure' | 'install' | 'uninstall' | 'ready' | 'boot' | 'halt' | 'shutdown' | 'reboot' | 'exec' | 'login' | 'delete' | 'clone' | 'snapshot' | 'rollback';

interface Rule {
  from: readonly ZoneState[];
  /** Says what the verb needs, completing "cannot VERB zone: it is STATE; ..." */
  needs: string;
  /** The command that gets the zone into an accepted state, with %z for the zone name. */
  fix?: (state: ZoneState) => string | undefined;
}

const RUNNING_LIKE: readonly ZoneState[] = ['ready', 'running', 'shutting_down', 'down'];

const RULES: Record<Verb, Rule> = {
  configure: {
    from: ['configured', 'installed', 'ready', 'running'],
    needs: 'it must not be in the middle of an install or a shutdown',
    fix: (s) => (s === 'incomplete' ? 'zonectl install %z (to finish) or zonectl uninstall -F %z' : undefined),
  },
  install: {
    from: ['configured', 'incomplete'],
    needs: 'install needs a configured (or incomplete) zone',
    fix: (s) => (s === 'installed' ? 'zonectl uninstall -F %z first to reinstall' : 'zonectl halt %z, then zonectl uninstall -F %z'),
  },
  uninstall: {
    from: ['installed', 'incomplete'],
    needs: 'uninstall needs an installed (or incomplete) zone that is not running',
    fix: (s) => (RUNNING_LIKE.includes(s) ? 'zonectl halt %z first' : undefined),
  },
  ready: {
    from: ['installed'],
    needs: 'ready needs an installed zone',
    fix: (s) => (s === 'configured' ? 'zonectl install %z first' : s === 'incomplete' ? 'zonectl install %z to finish the install' : undefined),
  },
  boot: {
    from: ['installed', 'ready'],
    needs: 'boot needs an installed zone',
    fix: (s) => (s === 'configured' ? 'zonectl install %z first' : s === 'incomplete' ? 'zonectl install %z to finish the install' : undefined),
  },
  halt: {
    from: RUNNING_LIKE,
    needs: 'halt needs a zone that is ready or running',
  },
  shutdown: {
    from: ['running'],
    needs: 'shutdown needs a running zone',
    fix: (s) => (s === 'ready' ? 'zonectl halt %z' : undefined),
  },
  reboot: {
    from: ['running'],
    needs: 'reboot needs a running zone',
    fix: (s) => (s === 'installed' ? 'zonectl boot %z' : undefined),
  },
  exec: {
    from: ['running'],
    needs: 'exec needs a running zone',
    fix: (s) => (s === 'installed' || s === 'ready' ? 'zonectl boot %z first' : undefined),
  },
  login: {
    from: ['running'],
    needs: 'login needs a running zone',
    fix: (s) => (s === 'installed' || s === 'ready' ? 'zonectl boot %z first' : undefined),
  },
  clone: {
    from: ['installed'],
    needs: 'clone needs an installed zone that is not running (as zoneadm clone)',
    fix: (s) => (RUNNING_LIKE.includes(s) ? 'zonectl halt %z (or shutdown) first' : s === 'configured' ? 'zonectl install %z first' : undefined),
  },
  snapshot: {
    from: ['installed'],
    needs: 'snapshots are taken of an installed zone that is not running',
    fix: (s) => (RUNNING_LIKE.includes(s) ? 'zonectl halt %z (or shutdown) first' : undefined),
  },
  rollback: {
    from: ['installed'],
    needs: 'rollback needs an installed zone that is not running',
    fix: (s) => (RUNNING_LIKE.includes(s) ? 'zonectl halt %z (or shutdown) first' : undefined),
  },
  delete: {
    from: ['configured'],
    needs: 'delete needs a configured zone (not installed)',
    fix: () => 'zonectl uninstall -F %z first, or zonectl delete -F %z to remove everything',
  },
};

export function accepts(verb: Verb, state: ZoneState): boolean {
  return RULES[verb].from.includes(state);
}

/** Throws the one-line refusal when `verb` is not accepted in `state`. */
export function assertState(zone: string, verb: Verb, state: ZoneState): void {
  if (accepts(verb, state)) return;
  const rule = RULES[verb];
  const fix = rule.fix?.(state);
  throw new ZoneError('wrong-state', `cannot ${verb} zone "${zone}": it is ${state}; ${rule.needs}`, {
    zone,
    ...(fix === undefined ? {} : { hint: `run ${fix.replaceAll('%z', zone)}` }),
  });
}

export function isRunningLike(state: ZoneState): boolean {
  return RUNNING_LIKE.includes(state);
}

/** delete takes a configured zone; -F takes any (it halts and uninstalls first). */
export function assertDeletable(zone: string, state: ZoneState, force: boolean): void {
  if (state === 'configured' || force) return;
  throw new ZoneError('wrong-state', `cannot delete zone "${zone}": it is ${state}; delete needs a configured zone`, {
    zone,
    hint: `zonectl uninstall -F ${zone} first, or zonectl delete -F ${zone} to halt, uninstall and delete it`,
  });
}
