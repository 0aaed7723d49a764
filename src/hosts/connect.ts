// --host: where this zonectl run's commands go. A Linux host runs its own zonectl (it
// has Node; the Linux backend is runc, files and cgroups there), so the command line is
// handed to it over ssh, quoted once. A FreeBSD, illumos or Solaris host gets nothing
// of ours: its backend runs here and drives jail(8) or zoneadm through ssh, and the
// zone store lives there, kept with its POSIX tools.
import { ZoneError } from '../core/errors.js';
import type { Executor } from '../transport/executor.js';
import { detectHost, type HostOs } from '../transport/host-os.js';
import { parseHostSpec } from '../transport/host-spec.js';
import { LocalExecutor } from '../transport/local.js';
import { RemoteStoreFs } from '../transport/store-over-executor.js';
import { SshExecutor } from '../transport/ssh.js';
import type { StoreFs } from '../core/store-fs.js';
import type { ManagedBackend } from '../backends/tool-backend.js';
import { FreeBsdBackend } from '../backends/freebsd/backend.js';
import { IllumosBackend } from '../backends/illumos/backend.js';

export interface ManagedHost {
  backend: ManagedBackend;
  fs: StoreFs;
}

/** Extra ssh options from ZONECTL_SSH_OPTIONS (e.g. "-F ~/.ssh/lab_config"), split on blanks. */
function sshOptions(env: NodeJS.ProcessEnv): string[] {
  return (env.ZONECTL_SSH_OPTIONS ?? '').split(/\s+/).filter((s) => s !== '');
}

export function sshExecutor(host: string, env: NodeJS.ProcessEnv = process.env): SshExecutor {
  return new SshExecutor(parseHostSpec(host), { sshOptions: sshOptions(env) });
}

export function managedBackendFor(ex: Executor, os: HostOs): ManagedBackend {
  if (os.kind === 'freebsd') return new FreeBsdBackend(ex, os);
  if (os.kind === 'illumos' || os.kind === 'solaris') return new IllumosBackend(ex, os);
  throw new Error(`internal: no managed backend for ${os.kind}`);
}

/** zonectl on a FreeBSD or illumos machine itself: the same backends, run here, and
 * the same store protocol (mkdir locks) as clients reaching it with --host, so the two
 * lock each other out. */
export async function localManagedHost(platform: NodeJS.Platform): Promise<ManagedHost | undefined> {
  if (platform !== 'freebsd' && platform !== 'sunos') return undefined;
  const ex = new LocalExecutor();
  return { backend: managedBackendFor(ex, await detectHost(ex)), fs: new RemoteStoreFs(ex) };
}

export type HostRoute = { kind: 'managed'; host: ManagedHost } | { kind: 'delegated'; status: number };

/** Connects, finds what the host is, and either hands the whole command to its own
 * zonectl (Linux) or returns the backend this run should use. */
export async function routeToHost(host: string, rest: string[], env: NodeJS.ProcessEnv = process.env): Promise<HostRoute> {
  const ex = sshExecutor(host, env);
  const command = remoteCommandOf(env);
  // One round trip says what the host is and, for a Linux one, whether its zonectl is there.
  const { hasProgram, ...os } = await detectHost(ex, command[0]);
  if (os.kind !== 'linux') return { kind: 'managed', host: { backend: managedBackendFor(ex, os), fs: new RemoteStoreFs(ex) } };
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
