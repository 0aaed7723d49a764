// Running host programs: argument vectors only, never a shell string. The local
// executor; the ssh one (transport/ssh.ts) answers the same calls on a host over ssh.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { lineFeeder, type Executor, type RunRequest } from './executor.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Written to stdin, then stdin is closed (stdio[0] becomes a pipe). */
  input?: string | Buffer;
  /** Each output line as it arrives (see Executor's RunRequest). */
  onLine?: (line: string) => void;
}

/** Exit status as a shell reports it: the code, or 128 + signal number. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : (constants.signals as Record<string, number | undefined>)[signal];
  return 128 + (n ?? 1);
}

/** Collects a child's stdout and stderr (and hands each line to onLine as it comes);
 * the returned function gives the texts once the child is done. */
export function collectOutput(child: ChildProcess, onLine?: (line: string) => void): () => { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const lines = onLine === undefined ? undefined : [lineFeeder(onLine), lineFeeder(onLine)];
  child.stdout?.on('data', (b: Buffer) => {
    out.push(b);
    lines?.[0]?.feed(b);
  });
  child.stderr?.on('data', (b: Buffer) => {
    err.push(b);
    lines?.[1]?.feed(b);
  });
  return () => {
    for (const l of lines ?? []) l.end();
    return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  };
}

/** Runs a program and collects its output (for short commands that print little). */
export function runCapture(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio: opts.input !== undefined ? ['pipe', 'pipe', 'pipe'] : (opts.stdio ?? ['ignore', 'pipe', 'pipe']),
      env: opts.env ?? process.env,
      ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
    });
    const output = collectOutput(child, opts.onLine);
    child.on('error', reject);
    if (opts.input !== undefined) {
      // A command that exits without reading its input must not fail us with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    child.on('close', (code, signal) => resolve({ code: exitStatus(code, signal), ...output() }));
  });
}

/** Runs a program on our own stdio (interactive or streaming); resolves to its exit status. */
export function runInherit(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'inherit', env });
    // The child shares our terminal and gets ^C itself; we only wait for its status.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      resolve(exitStatus(code, signal));
    });
  });
}

/** This machine, as an Executor. */
export class LocalExecutor implements Executor {
  readonly target = 'local';

  run(argv: string[], req: RunRequest = {}): Promise<RunResult> {
    return runCapture(argv, {
      ...(req.input === undefined ? {} : { input: req.input }),
      ...(req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs }),
      ...(req.onLine === undefined ? {} : { onLine: req.onLine }),
    });
  }

  attach(argv: string[]): Promise<number> {
    return runInherit(argv);
  }

  async close(): Promise<void> {
    // Nothing is kept open locally.
  }
}
