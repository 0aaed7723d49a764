// The uname shim's life cycle, for zones whose brand reports their own kernel-version:
// the native supervisor (native/uname-shim.c, built next to the bundle as
// dist/zonectl-uname-shim) answers uname from the seccomp notify fd the runtime
// hands it; read-only bind mounts make /proc tell the same story. Everything but
// receiving the fd and answering the ioctls is decided here.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { release } from 'node:os';
import { parseRuntimeVersion } from '../../probes/linux.js';
import { fileURLToPath } from 'node:url';
import { ZoneError } from '../../core/errors.js';
import { runCapture } from '../../transport/local.js';
import type { UnameAnswer } from '../../brands/plan.js';

export const SHIM_PROGRAM = 'zonectl-uname-shim';
const SOCKET = 'uname.sock';
const PIDFILE = 'uname-shim.pid';
/** What the supervisor answers, kept so that a dead one can be replaced. */
const ANSWER = 'uname-shim.json';

/** Where the built supervisor is: beside the bundle (dist/), or dist/ seen from src/. */
export function shimPath(): string | undefined {
  const override = process.env.ZONECTL_UNAME_SHIM;
  if (override !== undefined) return existsSync(override) ? override : undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled: dist/ (or dist/chunks/ when this module lands in a shared chunk); from source: src/backends/linux/.
  for (const p of [join(here, SHIM_PROGRAM), join(here, '..', SHIM_PROGRAM), join(here, '..', '..', '..', 'dist', SHIM_PROGRAM)]) if (existsSync(p)) return p;
  return undefined;
}

export interface ShimAvailability {
  available: boolean;
  /** Why not, with the fix, for `brands show` and doctor. */
  why: string;
}

/** Whether a runtime hands the notify fd to listenerPath: runc from 1.1 does (checked
 * by hand on Debian's 1.1.5); other runtimes are not assumed to. */
export function runtimeSupportsListener(program: string, versionOutput: string): ShimAvailability {
  const name = basename(program);
  const v = parseRuntimeVersion(versionOutput);
  const m = v === undefined ? null : /^(\d+)\.(\d+)/.exec(v);
  if (name === 'runc' && m !== null && (Number(m[1]) > 1 || (Number(m[1]) === 1 && Number(m[2]) >= 1))) return { available: true, why: `runc ${v} passes the notify fd` };
  return { available: false, why: `${name} ${v ?? '(version unknown)'} is not known to pass seccomp notify fds to listenerPath (runc 1.1 or later does)` };
}

/** Whether exact uname emulation can run here: the supervisor built, and a kernel with
 * seccomp user notification (5.0+). */
export async function shimAvailability(): Promise<ShimAvailability> {
  const path = shimPath();
  if (path === undefined) {
    return { available: false, why: `${SHIM_PROGRAM} is not built (needs a C compiler at install: apt-get install gcc, then npm run build)` };
  }
  // mount_setattr (the /proc binds) came in 5.12; user notification, CONTINUE and a
  // notify fd's hang-up on exit all before that.
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (m === null || Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 12)) {
    return { available: false, why: `this kernel (${release()}) is older than 5.12, which the supervisor needs (seccomp user notification and mount_setattr)` };
  }
  const actions = await readFile('/proc/sys/kernel/seccomp/actions_avail', 'utf8').catch(() => '');
  if (!actions.split(/\s+/).includes('user_notif')) {
    return { available: false, why: 'this kernel has no seccomp user notification (Linux 5.0 or later needed)' };
  }
  return { available: true, why: `${path} answers uname` };
}

export function shimSocket(zoneDir: string): string {
  return join(zoneDir, SOCKET);
}

/** The files bound over /proc in the zone, written into the zone's state directory. */
export async function writeProcFiles(zoneDir: string, a: UnameAnswer): Promise<Array<{ source: string; destination: string }>> {
  const files: Array<[string, string, string]> = [
    ['proc-osrelease', '/proc/sys/kernel/osrelease', `${a.release}\n`],
    ['proc-kversion', '/proc/sys/kernel/version', `${a.version}\n`],
    ['proc-version', '/proc/version', `Linux version ${a.release} (root@zonectl) (lx brand, kernel-version ${a.release}) ${a.version}\n`],
  ];
  const out = [];
  for (const [name, destination, content] of files) {
    const source = join(zoneDir, name);
    await writeFile(source, content, { mode: 0o644 });
    out.push({ source, destination });
  }
  return out;
}

/** Starts the zone's supervisor, detached in its own session; returns once its socket
 * listens. It exits by itself if this process dies before the runtime connects. */
export async function startSupervisor(zoneDir: string, zone: string, a: UnameAnswer, replacement = false): Promise<void> {
  const program = shimPath();
  if (program === undefined) throw new ZoneError('host-missing', `zone "${zone}": ${SHIM_PROGRAM} is not built`, { zone, hint: 'apt-get install gcc, then npm run build' });
  await stopSupervisor(zoneDir);
  await writeFile(join(zoneDir, ANSWER), JSON.stringify(a), { mode: 0o600 });
  const r = await runCapture([
    program,
    'serve',
    '--socket',
    shimSocket(zoneDir),
    '--pidfile',
    join(zoneDir, PIDFILE),
    '--release',
    a.release,
    '--version',
    a.version,
    '--machine',
    a.machine,
    '--machine32',
    a.machine32,
    '--first-timeout',
    '60',
    // The first one is tied to this zonectl until the runtime connects; a replacement
    // serves execs until they are all gone.
    ...(replacement ? ['--until-idle'] : ['--watch-pid', String(process.pid)]),
  ]);
  if (r.code !== 0) {
    throw new ZoneError('runtime', `zone "${zone}": the uname supervisor did not start: ${r.stderr.trim()}`, { zone });
  }
}

/** Before an exec into a zone booted with a supervisor: start a new one if it died
 * (the runtime would fail to connect). A stat and two small reads when all is well. */
export async function reviveSupervisor(zoneDir: string, zone: string): Promise<void> {
  if (!existsSync(join(zoneDir, ANSWER)) || (await supervisorPid(zoneDir)) !== undefined) return;
  const saved = await readFile(join(zoneDir, ANSWER), 'utf8').catch(() => undefined);
  if (saved === undefined) return;
  await startSupervisor(zoneDir, zone, JSON.parse(saved) as UnameAnswer, true);
}

/** Bind-mounts the generated /proc files inside the zone's mount namespace (the
 * runtime refuses mounts inside /proc, so the supervisor's program does it). */
export async function mountProcFiles(initPid: number, zone: string, files: Array<{ source: string; destination: string }>): Promise<void> {
  const program = shimPath() as string;
  const r = await runCapture([program, 'mount', '--pid', String(initPid), ...files.map((f) => `${f.source}:${f.destination}`)]);
  if (r.code !== 0) throw new ZoneError('runtime', `zone "${zone}": cannot bind its /proc files: ${r.stderr.trim()}`, { zone });
}

async function supervisorPid(zoneDir: string): Promise<number | undefined> {
  const text = await readFile(join(zoneDir, PIDFILE), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // Only ours: a pid file left by a crash may name a pid that is now someone else's.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(SHIM_PROGRAM) && cmdline.includes(shimSocket(zoneDir)) ? pid : undefined;
}

export interface SupervisorStatus {
  pid: number;
  /** Resident memory, from /proc/PID/status. */
  rssKb: number;
}

export async function supervisorStatus(zoneDir: string): Promise<SupervisorStatus | undefined> {
  const pid = await supervisorPid(zoneDir);
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { pid, rssKb: rss === null ? 0 : Number(rss[1]) };
}

/** Stops the zone's supervisor if one runs, and removes its socket and pid file. */
export async function stopSupervisor(zoneDir: string): Promise<void> {
  const pid = await supervisorPid(zoneDir);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
    // Only if it is still there and still ours: its pid may be someone else's by now.
    if ((await supervisorPid(zoneDir)) === pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  await rm(shimSocket(zoneDir), { force: true });
  await rm(join(zoneDir, PIDFILE), { force: true });
}

/** After halt: nothing of the supervisor is left. */
export async function removeSupervisor(zoneDir: string): Promise<void> {
  await stopSupervisor(zoneDir);
  await rm(join(zoneDir, ANSWER), { force: true });
}
