// --host and ZONECTL_HOST, taken off the command line before anything else parses it.
// Kept apart from hosts/connect.ts so a run without --host does not load the ssh
// executor and the FreeBSD and illumos backends (start-up time: README, Benchmarks).
import { ZoneError } from '../core/errors.js';

/** The --host value and the argv without it; ZONECTL_HOST when the flag is absent. */
export function takeHostOption(argv: string[], env: NodeJS.ProcessEnv): { host: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let host: string | undefined;
  const dd = argv.indexOf('--');
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (dd !== -1 && i >= dd) {
      rest.push(tok);
      continue;
    }
    if (tok === '--host') {
      const v = argv[i + 1];
      if (v === undefined) throw new ZoneError('usage', '--host needs a value: [ssh://][user@]host[:port]');
      host = v;
      i++;
    } else if (tok.startsWith('--host=')) host = tok.slice('--host='.length);
    else rest.push(tok);
  }
  const fromEnv = env.ZONECTL_HOST;
  return { host: host ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv), rest };
}
