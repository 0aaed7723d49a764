// Entering a running zone: exec (a command, our stdio, its exit status), login (an
// interactive shell on a terminal), console. None takes the zone's lock: a long session
// must not keep halt or shutdown waiting.
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { assertState } from '../core/states.js';
import type { ZoneRecord, ZoneStatus } from '../core/zone.js';
import type { ExecRequest } from '../hosts/zone-host.js';

export type ExecOptions = Omit<ExecRequest, 'argv'>;

/** The zone, refused in one line unless its stored state is running. The host checks
 * its own truth as it enters (a dead init, a jail stopped by hand), so the hot path
 * asks it nothing more here. */
async function runningZone(ctx: Context, name: string, verb: 'exec' | 'login'): Promise<{ record: ZoneRecord; status: ZoneStatus }> {
  const z = await ctx.store.read(name);
  assertState(name, verb, z.status.state);
  return z;
}

export async function execInZone(ctx: Context, name: string, argv: string[], opts: ExecOptions): Promise<number> {
  if (argv.length === 0) throw new ZoneError('usage', 'exec needs a command: zonectl exec NAME -- CMD [ARGS...]');
  const { record, status } = await runningZone(ctx, name, 'exec');
  return ctx.host.exec(record, status, { argv, ...opts });
}

export async function loginZone(ctx: Context, name: string, user: string | undefined): Promise<number> {
  const { record, status } = await runningZone(ctx, name, 'login');
  if (process.stdin.isTTY !== true) {
    throw new ZoneError('usage', `login to zone "${name}" needs a terminal on standard input`, {
      zone: name,
      hint: `for a command without a terminal use: zonectl exec ${name} -- CMD`,
    });
  }
  return ctx.host.login(record, status, user);
}

export async function consoleZone(ctx: Context, name: string): Promise<number> {
  const { record, status } = await ctx.store.read(name);
  return ctx.host.console(record, status);
}
