// A host over ssh, as an Executor. It drives the system's OpenSSH client, so
// the user's ~/.ssh/config, agent and known_hosts apply as they do for `ssh HOST`.
// One master connection per host carries every command (ControlMaster), so a backend
// that runs dozens of short commands pays for one handshake; the master outlives us
// by ControlPersist seconds and close() ends it.
//
// ssh exits 255 both for its own failures and when the remote command exits 255. We
// tell them apart by asking the master afterwards (`ssh -O check`, a local socket
// round trip): a command that ran did so over a master that is still there; a failed
// connection or a connection lost mid-command leaves none.
import { spawn } from 'node:child_process';
import { lstat, mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { errnoCode, ZoneError } from '../core/errors.js';
import type { ExecResult, Executor, RunRequest } from './executor.js';
import { formatHostSpec, parseHostSpec, type HostSpec } from './host-spec.js';
import { collectOutput, exitStatus, runCapture, runInherit } from './local.js';
import { remoteCommand } from './quote.js';

export interface SshExecutorOptions {
  /** Extra ssh arguments (-F FILE, -i KEY, -o UserKnownHostsFile=...). They come
   * before ours, and ssh keeps the first value it gets of each option, so they win. */
  sshOptions?: string[];
  /** Directory for the control sockets; default $XDG_RUNTIME_DIR/zonectl-ssh, else
   * /tmp/zonectl-ssh-UID. It must be ours alone: a socket there is a logged-in shell. */
  controlDir?: string;
  /** The ssh program (default: ssh on PATH). */
  ssh?: string;
}

const PERSIST_SECONDS = 60;
const UNREACHABLE_STATUS = 255;
const CLOSE_POLLS = 80;
const CLOSE_POLL_MS = 25;
const TERM = constants.signals.SIGTERM;

export class SshExecutor implements Executor {
  readonly target: string;
  private readonly spec: HostSpec;
  private readonly extra: string[];
  private readonly controlDir: string;
  private readonly ssh: string;
  private prepared: Promise<void> | undefined;

  constructor(spec: HostSpec, opts: SshExecutorOptions = {}) {
    // A spec built by hand gets the same checks as --host: nothing ssh reads as an option.
    this.spec = parseHostSpec(formatHostSpec(spec));
    this.target = formatHostSpec(this.spec);
    this.extra = opts.sshOptions ?? [];
    this.controlDir = opts.controlDir ?? defaultControlDir();
    this.ssh = opts.ssh ?? 'ssh';
  }

  async run(argv: string[], req: RunRequest = {}): Promise<ExecResult> {
    // Output a backend parses (zoneadm, jls, rctl) must not come back translated.
    const line = remoteCommand(['env', 'LC_ALL=C', ...argv]);
    await this.prepare();
    // BatchMode: a script must fail, not wait for a password nobody will type.
    // -n when there is no input: ssh must not read (and steal) our stdin.
    const args = ['-T', '-o', 'BatchMode=yes', ...(req.input === undefined ? ['-n'] : []), this.spec.host, line];
    const { timedOut, ...r } = await this.spawnSsh(() => capture([this.ssh, ...this.options(), ...args], req));
    // What the local executor reports for a command its timeout ended (ssh itself
    // answers SIGTERM with 255). The remote command may run on: ssh cannot signal it.
    if (timedOut) return { ...r, code: 128 + TERM };
    if (r.code === UNREACHABLE_STATUS && !(await this.masterAlive())) throw this.unreachable(lastLine(r.stderr));
    return r;
  }

  async attach(argv: string[], opts: { tty?: boolean } = {}): Promise<number> {
    const line = remoteCommand(argv);
    await this.prepare();
    const args = [opts.tty === true ? '-t' : '-T', this.spec.host, line];
    const code = await this.spawnSsh(() => runInherit([this.ssh, ...this.options(), ...args]));
    // ssh has already printed its reason on our stderr, which we do not capture.
    if (code === UNREACHABLE_STATUS && !(await this.masterAlive())) throw this.unreachable('ssh exited 255 (its message is above)');
    return code;
  }

  /** Ends the master connection; resolves once it is gone. */
  async close(): Promise<void> {
    if (this.prepared === undefined) return;
    await this.control('exit');
    // The master answers before it exits: wait until it no longer does, so a caller
    // (or the next executor) never finds a master that is about to vanish.
    for (let i = 0; i < CLOSE_POLLS && (await this.masterAlive()); i++) await sleep(CLOSE_POLL_MS);
  }

  /** The pid of the master connection to this host, or undefined when there is none. */
  async masterPid(): Promise<number | undefined> {
    if (this.prepared === undefined) return undefined;
    const r = await this.control('check');
    if (r.code !== 0) return undefined;
    const m = /pid=(\d+)/.exec(r.stderr);
    return m === null ? undefined : Number(m[1]);
  }

  private async masterAlive(): Promise<boolean> {
    return (await this.control('check')).code === 0;
  }

  private control(command: 'check' | 'exit'): Promise<ExecResult> {
    return this.spawnSsh(() => runCapture([this.ssh, ...this.options(), '-O', command, this.spec.host]));
  }

  /** Every ssh call's options, the same for run, attach and -O (the control path
   * depends on them: %C hashes local host, host, port and user). */
  private options(): string[] {
    return [
      ...this.extra,
      ...(this.spec.user === undefined ? [] : ['-l', this.spec.user]),
      ...(this.spec.port === undefined ? [] : ['-p', String(this.spec.port)]),
      // %C: a fixed-length hash, so the path stays under the 108-byte socket limit.
      // ssh expands %-tokens in the whole path: a '%' of the directory is doubled.
      '-o',
      `ControlPath=${this.controlDir.replaceAll('%', '%%')}/%C`,
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPersist=${PERSIST_SECONDS}`,
      // Only errors: ssh's notes ("Warning: Permanently added ...") would otherwise be
      // mixed into the remote command's stderr.
      '-o',
      'LogLevel=ERROR',
    ];
  }

  private prepare(): Promise<void> {
    this.prepared ??= privateDir(this.controlDir);
    return this.prepared;
  }

  /** A missing ssh client is the local host's fault, not the remote's: say so. */
  private async spawnSsh<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        throw new ZoneError('host-missing', `cannot run ${this.ssh} to reach ${this.target}: it is not installed here`, {
          hint: 'install the OpenSSH client (Debian: apt-get install openssh-client)',
          cause: e,
        });
      }
      throw e;
    }
  }

  private unreachable(reason: string): ZoneError {
    return new ZoneError('runtime', `cannot reach ${this.target} over ssh: ${reason}`, {
      hint: `check \`${sshCommand(this.spec)}\` works: keys, known_hosts, ~/.ssh/config`,
    });
  }
}

/** The plain ssh command a user would type to reach the host (for hints). */
function sshCommand(spec: HostSpec): string {
  const port = spec.port === undefined ? '' : ` -p ${spec.port}`;
  return `ssh${port} ${spec.user === undefined ? '' : `${spec.user}@`}${spec.host}`;
}

function defaultControlDir(): string {
  const runtime = process.env['XDG_RUNTIME_DIR'];
  if (runtime?.startsWith('/')) return join(runtime, 'zonectl-ssh');
  return `/tmp/zonectl-ssh-${process.getuid?.() ?? 0}`;
}

/** Makes `dir` (mode 0700) or accepts it only if it is already ours alone: in a shared
 * /tmp another user could have made it first, and a socket there is a login on the host. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.() ?? 0;
  const why = !st.isDirectory()
    ? 'it is not a directory'
    : st.uid !== uid
      ? `it belongs to uid ${st.uid}, not ${uid}`
      : (st.mode & 0o077) !== 0
        ? `its mode is ${(st.mode & 0o777).toString(8)}, not 700`
        : undefined;
  if (why !== undefined) {
    throw new ZoneError('runtime', `ssh control directory ${dir} is not private: ${why}`, {
      hint: `remove it, or make it a directory of uid ${uid} with mode 0700`,
    });
  }
}

/** runCapture, but it tells whether the timeout fired (ssh turns the SIGTERM that ends
 * it into its own exit 255, which would pass for a status otherwise) and does not wait
 * past it. */
function capture(argv: string[], req: RunRequest): Promise<ExecResult & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: [req.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let timedOut = false;
    const timer =
      req.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            // Only a run still going times out (not one whose output is being drained).
            if (child.exitCode !== null || child.signalCode !== null) return;
            timedOut = true;
            child.kill('SIGTERM');
          }, req.timeoutMs);
    const output = collectOutput(child, req.onLine);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (req.input !== undefined) {
      // A command that exits without reading its input must not fail us with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(req.input);
    }
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code: exitStatus(code, signal), ...output(), timedOut });
    };
    child.on('close', finish);
    // The master holds copies of our pipes (ssh passes them over the control socket)
    // until the remote command ends, which a timeout does not wait for: stop at ssh's exit.
    child.on('exit', (code, signal) => {
      if (!timedOut) return;
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(code, signal);
    });
  });
}

/** ssh's own message: its last non-empty stderr line, as one clean line. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim())
    .filter((l) => l !== '');
  return lines.at(-1) ?? `ssh exited ${UNREACHABLE_STATUS}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
