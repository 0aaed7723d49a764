// The Executor: how zonectl runs a host's programs, here or on a host over
// ssh. Commands are argument vectors, never shell strings: an executor that needs a
// shell (ssh does) quotes them itself, once. Backends that drive a host's own tools (FreeBSD,
// illumos) do all their work through one, so tests can replay a scripted transcript.
import { ZoneError } from '../core/errors.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunRequest {
  /** Bytes written to the command's stdin (then closed); none means /dev/null. */
  input?: string | Buffer;
  timeoutMs?: number;
  /** Called with each line of output (stdout and stderr) as it arrives, for progress
   * of long host commands (zoneadm install, fetch); the result still has it all. */
  onLine?: (line: string) => void;
}

export interface Executor {
  /** "local", or the ssh destination as the user wrote it (for messages). */
  readonly target: string;
  /** Runs a command to completion and collects its output. */
  run(argv: string[], req?: RunRequest): Promise<ExecResult>;
  /** Runs a command on our own stdio (interactive or streaming output); with tty, on a
   * terminal (ssh -t). Resolves to its exit status. */
  attach(argv: string[], opts?: { tty?: boolean }): Promise<number>;
  /** Ends what the executor keeps open (ssh's master connection). */
  close(): Promise<void>;
}

/** The last non-empty line of a failed command's stderr, else of its stdout: what it
 * said (a tar listing on stdout must not hide tar's complaint on stderr). */
export function lastLine(r: ExecResult): string {
  const last = (text: string): string | undefined =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1);
  return last(r.stderr) ?? last(r.stdout) ?? `exit status ${r.code}`;
}

/** A command as an error message shows it: one line, a script shown by its arguments. */
export function commandLabel(argv: string[]): string {
  const shown = argv[1] === '-c' && argv.length >= 3 ? [argv[0] as string, '-c', 'SCRIPT', ...argv.slice(4)] : argv;
  return shown.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** Runs a command that must succeed; a failure becomes one ZoneError naming the
 * command, the host and what the command said. */
export async function mustRun(ex: Executor, argv: string[], what: { zone?: string; hint?: string; input?: string | Buffer } = {}): Promise<ExecResult> {
  const r = await ex.run(argv, what.input === undefined ? {} : { input: what.input });
  if (r.code !== 0) {
    const where = ex.target === 'local' ? '' : ` on ${ex.target}`;
    throw new ZoneError('runtime', `${commandLabel(argv)} failed${where}: ${lastLine(r)}`, {
      ...(what.zone === undefined ? {} : { zone: what.zone }),
      ...(what.hint === undefined ? {} : { hint: what.hint }),
    });
  }
  return r;
}

/** Feeds output chunks and calls onLine for each whole line; end() gives the last
 * unterminated one. One per stream, so stdout and stderr lines never mix. */
export function lineFeeder(onLine: (line: string) => void): { feed: (chunk: Buffer) => void; end: () => void } {
  let pending = '';
  return {
    feed: (chunk) => {
      const parts = (pending + chunk.toString('utf8')).split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) onLine(l.replace(/\r$/, ''));
    },
    end: () => {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}
