// The one place that wires hosts to backends: which ZoneHost a run gets. This machine
// is a LinuxHost (runc here) or, on FreeBSD and illumos, a ToolHost driving the local
// tools. With --host, a Linux host runs its own zonectl (it has Node; the Linux backend
// is runc, files and cgroups there), so the command line is handed to it over ssh,
// quoted once; a FreeBSD, illumos or Solaris host gets nothing of ours: its backend
// runs here and drives jail(8) or zoneadm through ssh, and the zone store lives there,
// kept with its POSIX tools.
import { ZoneError } from '../core/errors.js';
import type { Executor } from '../transport/executor.js';
import { detectHost, type HostOs } from '../transport/host-os.js';
import { parseHostSpec } from '../transport/host-spec.js';
import { LocalExecutor } from '../transport/local.js';
import { RemoteStoreFs } from '../transport/store-over-executor.js';
import { SshExecutor } from '../transport/ssh.js';
import { ZoneStore } from '../core/store.js';
import { freeBsdHost } from './freebsd/host.js';
import { illumosHost } from './illumos/host.js';
import type { ToolHost } from './tool-host.js';

/** Extra ssh options from ZONECTL_SSH_OPTIONS (e.g. "-F ~/.ssh/lab_config"), split on blanks. */
function sshOptions(env: NodeJS.ProcessEnv): string[] {
  return (env.ZONECTL_SSH_OPTIONS ?? '').split(/\s+/).filter((s) => s !== '');
}

export function sshExecutor(host: string, env: NodeJS.ProcessEnv = process.env): SshExecutor {
  return new SshExecutor(parseHostSpec(host), { sshOptions: sshOptions(env) });
}

/** A FreeBSD, illumos or Solaris host reached through `ex`, its store under `root`
 * there, kept with the host's POSIX tools (mkdir locks naming their owner). */
export function toolHostFor(ex: Executor, os: HostOs, root: string): ToolHost {
  const store = new ZoneStore(root, new RemoteStoreFs(ex));
  if (os.kind === 'freebsd') return freeBsdHost(ex, os, store);
  if (os.kind === 'illumos' || os.kind === 'solaris') return illumosHost(ex, os, store);
  throw new Error(`internal: no tool-driven host for ${os.kind}`);
}

/** How to make the host once the state root is known (it comes from the options). */
export type HostMaker = (root: string) => ToolHost;

/** zonectl on a FreeBSD or illumos machine itself: the same backends, run here, and
 * the same store protocol (mkdir locks) as clients reaching it with --host, so the two
 * lock each other out. Undefined on Linux. */
export async function localToolHost(platform: NodeJS.Platform): Promise<HostMaker | undefined> {
  if (platform !== 'freebsd' && platform !== 'sunos') return undefined;
  const ex = new LocalExecutor();
  const os = await detectHost(ex);
  return (root) => toolHostFor(ex, os, root);
}

export type HostRoute = { kind: 'tools'; host: HostMaker } | { kind: 'delegated'; status: number };

/** Connects, finds what the host is, and either hands the whole command to its own
 * zonectl (Linux) or returns the backend this run should use. */
export async function routeToHost(host: string, rest: string[], env: NodeJS.ProcessEnv = process.env): Promise<HostRoute> {
  const ex = sshExecutor(host, env);
  const command = remoteCommandOf(env);
  // One round trip says what the host is and, for a Linux one, whether its zonectl is there.
  const { hasProgram, ...os } = await detectHost(ex, command[0]);
  if (os.kind !== 'linux') return { kind: 'tools', host: (root) => toolHostFor(ex, os, root) };
  if (!hasProgram) {
    throw new ZoneError('host-missing', `${ex.target} is a Linux host without ${command[0] as string} on its PATH`, {
      hint: 'Linux hosts run their own zonectl: install it there (npm install -g zonectl), or set ZONECTL_REMOTE_COMMAND to how it is started',
    });
  }
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  return { kind: 'delegated', status: await ex.attach([...command, ...forwardedEnv(rest, env), ...rest], { tty }) };
}

/** The remote zonectl: ZONECTL_REMOTE_COMMAND (e.g. "node /opt/zonectl/dist/zonectl.mjs"), else zonectl on its PATH. */
function remoteCommandOf(env: NodeJS.ProcessEnv): [string, ...string[]] {
  const words = (env.ZONECTL_REMOTE_COMMAND ?? 'zonectl').split(/\s+/).filter((s) => s !== '');
  return words.length === 0 ? ['zonectl'] : (words as [string, ...string[]]);
}

/** ZONECTL_ROOT and ZONECTL_LOCK_TIMEOUT mean the same on the far side as here: passed
 * as the options they stand for (ssh does not carry our environment), unless given. */
export function forwardedEnv(rest: string[], env: NodeJS.ProcessEnv): string[] {
  const head = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  const given = (flag: string): boolean => head.some((a) => a === flag || a.startsWith(`${flag}=`));
  const out: string[] = [];
  if (env.ZONECTL_ROOT !== undefined && env.ZONECTL_ROOT !== '' && !given('--root')) out.push('--root', env.ZONECTL_ROOT);
  if (env.ZONECTL_LOCK_TIMEOUT !== undefined && env.ZONECTL_LOCK_TIMEOUT !== '' && !given('--lock-timeout')) out.push('--lock-timeout', env.ZONECTL_LOCK_TIMEOUT);
  return out;
}
