// Entering a running Linux zone: exec (a command, our stdio, its exit status) and
// login (the user's shell on a terminal), as the zone's own user, in its root, joining
// the execution domain its init runs under.
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { ZoneError } from '../../core/errors.js';
import { findUser, type ZoneUser } from '../../install/passwd.js';
import { userlandRoot, ZONE_PATH_ENV, type ZoneRecord, type ZoneStatus } from '../../core/zone.js';
import type { LinuxBrand } from '../../brands/brand.js';
import { resolveInRootSync } from '../../install/root-path.js';
import type { ExecRequest } from '../zone-host.js';
import type { LinuxHost } from './host.js';

// The checks before the runtime starts (the zone's root, its user, the command) make a
// few dozen small file system calls: made synchronously they take well under a
// millisecond, where a thread-pool round trip each took ~5 ms of exec's start-up.

/** The file's text, or '' when it cannot be read. */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The zone's root as its init sees it (with the zone's own mounts, such as a sparse
 * zone's /usr), or the on-disk root when init's pid is not known. */
async function liveRoot(host: LinuxHost, record: ZoneRecord, status: ZoneStatus): Promise<string> {
  const pid = await host.backendFor(record, status).initPid(host.handle(record.name));
  if (pid !== undefined && statOrUndefined(`/proc/${pid}/root/`) !== undefined) return `/proc/${pid}/root`;
  return userlandRoot(record, status);
}

function resolveUser(root: string, spec: string, zone: string): ZoneUser {
  const read = (p: string): string => {
    const real = resolveInRootSync(root, p);
    return real === undefined ? '' : readOrEmpty(real);
  };
  const user = findUser(spec, read('/etc/passwd'), read('/etc/group'));
  // A userland without a root entry (a bare busybox tree) still has uid 0.
  if (user === undefined && spec === 'root') return { name: 'root', uid: 0, gid: 0, home: '/', shell: '/bin/sh', groups: [] };
  if (user === undefined) {
    throw new ZoneError('not-found', `zone "${zone}" has no user "${spec}" in its /etc/passwd`, { zone });
  }
  return user;
}

/** Finds the command as the zone's shell would (its PATH), for a 127 like a shell's. */
function commandExists(root: string, cmd: string, cwd: string, env: string[]): boolean {
  const path = (env.findLast((e) => e.startsWith('PATH=')) ?? ZONE_PATH_ENV).slice(5);
  const candidates = cmd.includes('/') ? [cmd.startsWith('/') ? cmd : `${cwd}/${cmd}`] : path.split(':').map((d) => `${d}/${cmd}`);
  for (const c of candidates) {
    const real = resolveInRootSync(root, c);
    if (real !== undefined && statOrUndefined(real)?.isFile() === true && executable(real)) return true;
  }
  return false;
}

/** What an emulated zone's processes are told to report as their kernel (as its init was). */
function emulatedUname(status: ZoneStatus): string[] {
  return status.emulation?.release === undefined ? [] : [`QEMU_UNAME=${status.emulation.release}`];
}

/** The user's home as working directory, or / when the zone lacks it (as login(1) does). */
function homeOrRoot(root: string, user: ZoneUser): string {
  const real = resolveInRootSync(root, user.home);
  const st = real === undefined ? undefined : statOrUndefined(real);
  return st?.isDirectory() === true ? user.home : '/';
}

export async function execInZone(host: LinuxHost, record: ZoneRecord, status: ZoneStatus, opts: ExecRequest): Promise<number> {
  const name = record.name;
  const argv = opts.argv;
  const root = await liveRoot(host, record, status);
  const user = resolveUser(root, opts.user ?? 'root', name);
  const cwd = opts.cwd ?? (opts.user === undefined ? '/' : homeOrRoot(root, user));
  // The zone's own PATH (an image's Env) unless the caller gives one.
  if (!commandExists(root, argv[0] as string, cwd, [...(status.userland?.env ?? []), ...opts.env])) {
    throw new ZoneError('not-found', `zone "${name}": ${argv[0]}: command not found`, { zone: name, exit: 127 });
  }
  const env = [`HOME=${user.home}`, `USER=${user.name}`, `LOGNAME=${user.name}`, ...emulatedUname(status), ...opts.env];
  const backend = host.backendFor(record, status);
  const code = await backend.exec(host.handle(name), {
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
  if (code === 255 && (await backend.state(host.handle(name))) !== 'running') {
    throw new ZoneError('wrong-state', `cannot exec zone "${name}": its init has exited; it is installed, not running`, {
      zone: name,
      hint: `run zonectl boot ${name}`,
    });
  }
  return code;
}

export async function loginZone(host: LinuxHost, record: ZoneRecord, status: ZoneStatus, brand: LinuxBrand, userSpec: string | undefined): Promise<number> {
  const name = record.name;
  if (process.stdin.isTTY !== true) {
    throw new ZoneError('usage', `login to zone "${name}" needs a terminal on standard input`, {
      zone: name,
      hint: `for a command without a terminal use: zonectl exec ${name} -- CMD`,
    });
  }
  const root = await liveRoot(host, record, status);
  const user = resolveUser(root, userSpec ?? 'root', name);
  const shell = user.shell === '' ? '/bin/sh' : user.shell;
  const argv = brand.login.command.map((a) => (a === '%shell' ? shell : a.replaceAll('%u', user.name)));
  const env = [`HOME=${user.home}`, `USER=${user.name}`, `LOGNAME=${user.name}`, `SHELL=${shell}`, `TERM=${process.env.TERM ?? 'xterm'}`, ...emulatedUname(status)];
  return host.backendFor(record, status).exec(host.handle(name), {
    argv,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.groups,
    cwd: homeOrRoot(root, user),
    env,
    tty: true,
    ...(status.personality === undefined ? {} : { personality: status.personality }),
  });
}
