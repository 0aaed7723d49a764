// Signal names as brands write them (SIGPWR, SIGRTMIN+3) and the numbers runtimes need.
// OCI runtimes parse only the classic names, so real-time signals go as numbers.
import { constants } from 'node:os';
import { ZoneError } from './errors.js';

// glibc's SIGRTMIN on Linux: the kernel's 32, plus the two NPTL keeps for itself.
// systemd's "SIGRTMIN+3" is therefore 37 as userlands see it.
const LINUX_SIGRTMIN = 34;
const LINUX_SIGRTMAX = 64;

export function signalNumber(name: string): number {
  const rt = /^SIGRTMIN\+(\d+)$/.exec(name) ?? /^SIGRTMAX-(\d+)$/.exec(name);
  if (rt !== null) {
    const n = name.startsWith('SIGRTMIN') ? LINUX_SIGRTMIN + Number(rt[1]) : LINUX_SIGRTMAX - Number(rt[1]);
    if (n >= LINUX_SIGRTMIN && n <= LINUX_SIGRTMAX) return n;
  }
  const sigs = constants.signals as Record<string, number | undefined>;
  const n = sigs[name];
  if (n !== undefined) return n;
  throw new ZoneError('invalid-file', `unknown signal "${name}"`, {
    hint: 'use a name such as SIGTERM, SIGPWR, SIGUSR2 or SIGRTMIN+3',
  });
}

/** A userland's first process and the signal that asks it to halt, as brand and recipe
 * files give them. */
export interface InitField {
  command: string[];
  'halt-signal': string;
}

/** The schema checks a halt signal's shape; this checks it names a real signal. */
export function assertHaltSignal(init: InitField | undefined, file: string, kind: 'brand' | 'recipe'): void {
  if (init === undefined) return;
  try {
    signalNumber(init['halt-signal']);
  } catch (e) {
    throw new ZoneError('invalid-file', `${kind} file ${file}: /init/halt-signal: ${(e as Error).message}`, {
      hint: 'use a name such as SIGTERM, SIGPWR, SIGUSR2 or SIGRTMIN+3',
    });
  }
}
