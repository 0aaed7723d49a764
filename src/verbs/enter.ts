// Entering a running zone: exec (a command, our stdio, its exit status) and login
// (an interactive shell on a terminal). Neither takes the zone's lock: a long session
// must not keep halt or shutdown waiting.
import { managedExec, managedLogin } from '../hosts/tool-host.js';
import { readFile } from 'node:fs/promises';
import type { Context } from './context.js';
import { ZoneError } from '../core/errors.js';
import { findUser, type ZoneUser } from '../install/passwd.js';
import { assertState } from '../core/states.js';
import type { ZoneRecord, ZoneStatus } from '../core/zone.js';
import { userlandRoot } from '../core/zone.js';
import { ZONE_PATH_ENV } from '../brands/plan.js';
import { loadLinuxBrand } from '../brands/brand.js';
import { resolveInRoot } from '../install/root-path.js';
import { access, constants, stat } from 'node:fs/promises';

export interface ExecOptions {
  user?: string;
  cwd?: string;
  env: string[];
  tty: boolean;
}

/** The zone's root as its init sees it (with the zone's own mounts, such as a sparse
 * zone's /usr), or the on-disk root when init's pid is not known. */
async function liveRoot(ctx: Context, record: ZoneRecord, status: ZoneStatus): Promise<string> {
  const pid = (await readFile(`${ctx.store.dir(record.name)}/bundle/init.pid`, 'utf8').catch(() => '')).trim();
  if (/^\d+$/.test(pid)) {
    const root = `/proc/${pid}/root`;
    if ((await stat(`${root}/`).catch(() => undefined)) !== undefined) return root;
  }
  return userlandRoot(record, status);
}

async function resolveUser(root: string, spec: string, zone: string): Promise<ZoneUser> {
  const read = async (p: string): Promise<string> => {
    const real = await resolveInRoot(root, p);
    return real === undefined ? '' : readFile(real, 'utf8').catch(() => '');
  };
  const user = findUser(spec, await read('/etc/passwd'), await read('/etc/group'));
  // A userland without a root entry (a bare busybox tree) still has uid 0.
  if (user === undefined && spec === 'root') return { name: 'root', uid: 0, gid: 0, home: '/', shell: '/bin/sh', groups: [] };
  if (user === undefined) {
    throw new ZoneError('not-found', `zone "${zone}" has no user "${spec}" in its /etc/passwd`, { zone });
  }
  return user;
}

/** Finds the command as the zone's shell would (its PATH), for a 127 like a shell's. */
async function commandExists(root: string, cmd: string, cwd: string, env: string[]): Promise<boolean> {
  const path = (env.findLast((e) => e.startsWith('PATH=')) ?? ZONE_PATH_ENV).slice(5);
  const candidates = cmd.includes('/') ? [cmd.startsWith('/') ? cmd : `${cwd}/${cmd}`] : path.split(':').map((d) => `${d}/${cmd}`);
  for (const c of candidates) {
    const real = await resolveInRoot(root, c);
    if (real === undefined) continue;
    const st = await stat(real).catch(() => undefined);
    if (st?.isFile() === true && (await access(real, constants.X_OK).then(() => true, () => false))) return true;
  }
  return false;
}

/** The user's home as working directory, or / when the zone lacks it (as login(1) does). */
async function homeOrRoot(root: string, user: ZoneUser): Promise<string> {
  const real = await resolveInRoot(root, user.home);
  const st = real === undefined ? undefined : await stat(real).catch(() => undefined);
  return st?.isDirectory() === true ? user.home : '/';
}

async function runningZone(ctx: Context, name: string, verb: 'exec' | 'login'): Promise<{ record: ZoneRecord; status: ZoneStatus }> {
  const z = await ctx.store.read(name);
  assertState(name, verb, z.status.state);
  return z;
}

export async function execInZone(ctx: Context, name: string, argv: string[], opts: ExecOptions): Promise<number> {
  if (argv.length === 0) throw new ZoneError('usage', 'exec needs a command: zonectl exec NAME -- CMD [ARGS...]');
  if (ctx.managed !== undefined) {
    if (opts.user !== undefined || opts.cwd !== undefined || opts.env.length > 0) {
      throw new ZoneError('usage', `--user, --cwd and --env are for Linux zones; on ${ctx.managed.executor.target} run them through the command (e.g. su USER -c CMD)`, { zone: name });
    }
    return managedExec(ctx, name, argv, opts.tty);
  }
  const { record, status } = await runningZone(ctx, name, 'exec');
  const root = await liveRoot(ctx, record, status);
  const user = await resolveUser(root, opts.user ?? 'root', name);
  const cwd = opts.cwd ?? (opts.user === undefined ? '/' : await homeOrRoot(root, user));
  // The zone's own PATH (an image's Env) unless the caller gives one.
  if (!(await commandExists(root, argv[0] as string, cwd, [...(status.userland?.env ?? []), ...opts.env]))) {
    throw new ZoneError('not-found', `zone "${name}": ${argv[0]}: command not found`, { zone: name, exit: 127 });
  }
  const env = [`HOME=${user.home}`, `USER=${user.name}`, `LOGNAME=${user.name}`, ...opts.env];
  const backend = ctx.backendFor(record, status);
  const code = await backend.exec(ctx.handle(name), {
    argv,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.groups,
    cwd,
    env,
    tty: opts.tty,
    ...(status.personality === undefined ? {} : { personality: status.personality }),
  });
  // 255 is also what the runtime returns when it could not exec at all: say why if
  // the zone died under us (the state file still says running until reconciled).
  if (code === 255 && (await backend.state(ctx.handle(name))) !== 'running') {
    throw new ZoneError('wrong-state', `cannot exec zone "${name}": its init has exited; it is installed, not running`, {
      zone: name,
      hint: `run zonectl boot ${name}`,
    });
  }
  return code;
}

export async function loginZone(ctx: Context, name: string, userSpec: string | undefined): Promise<number> {
  if (ctx.managed !== undefined) return managedLogin(ctx, name);
  const { record, status } = await runningZone(ctx, name, 'login');
  if (process.stdin.isTTY !== true) {
    throw new ZoneError('usage', `login to zone "${name}" needs a terminal on standard input`, {
      zone: name,
      hint: `for a command without a terminal use: zonectl exec ${name} -- CMD`,
    });
  }
  const brand = await loadLinuxBrand(record.brand);
  const root = await liveRoot(ctx, record, status);
  const user = await resolveUser(root, userSpec ?? 'root', name);
  const shell = user.shell === '' ? '/bin/sh' : user.shell;
  const argv = brand.login.command.map((a) => (a === '%shell' ? shell : a.replaceAll('%u', user.name)));
  const env = [`HOME=${user.home}`, `USER=${user.name}`, `LOGNAME=${user.name}`, `SHELL=${shell}`, `TERM=${process.env.TERM ?? 'xterm'}`];
  return ctx.backendFor(record, status).exec(ctx.handle(name), {
    argv,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.groups,
    cwd: await homeOrRoot(root, user),
    env,
    tty: true,
    ...(status.personality === undefined ? {} : { personality: status.personality }),
  });
}
