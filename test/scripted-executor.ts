// A scripted Executor for backends of hosts this machine cannot run (FreeBSD,
// illumos): each step names the exact argument vector expected next (and the stdin it
// must get), and answers with a transcript in the real tool's output format. Anything
// out of order or unexpected fails the test at once, naming both vectors.
import { lineFeeder, type ExecResult, type Executor, type RunRequest } from '../src/transport/executor.js';

export interface Step {
  argv: string[];
  /** Expected stdin: exact text, or a predicate (generated files checked by the test). */
  input?: string | ((text: string) => void);
  stdout?: string;
  stderr?: string;
  code?: number;
  /** attach() steps (interactive): only the status is returned. */
  attach?: boolean;
  tty?: boolean;
}

export class ScriptedExecutor implements Executor {
  readonly target: string;
  readonly calls: Array<{ argv: string[]; input?: string }> = [];
  private next = 0;

  constructor(
    private readonly steps: Step[],
    target = 'ssh://root@test-host',
  ) {
    this.target = target;
  }

  private take(argv: string[], kind: 'run' | 'attach'): Step {
    const step = this.steps[this.next];
    if (step === undefined) throw new Error(`unexpected ${kind} ${JSON.stringify(argv)}: the script has ended`);
    if (JSON.stringify(step.argv) !== JSON.stringify(argv) || (step.attach === true) !== (kind === 'attach')) {
      throw new Error(`step ${this.next + 1}: expected ${step.attach === true ? 'attach' : 'run'} ${JSON.stringify(step.argv)}, got ${kind} ${JSON.stringify(argv)}`);
    }
    this.next++;
    return step;
  }

  async run(argv: string[], req: RunRequest = {}): Promise<ExecResult> {
    const step = this.take(argv, 'run');
    const input = req.input === undefined ? undefined : req.input.toString();
    this.calls.push({ argv, ...(input === undefined ? {} : { input }) });
    if (typeof step.input === 'string' && step.input !== input) {
      throw new Error(`step ${this.next}: ${JSON.stringify(argv)} expected stdin ${JSON.stringify(step.input)}, got ${JSON.stringify(input)}`);
    }
    if (typeof step.input === 'function') step.input(input ?? '');
    // As the real executors do: each line to onLine (stdout's, then stderr's), as well
    // as all of it in the result.
    if (req.onLine !== undefined) {
      for (const text of [step.stdout, step.stderr]) {
        const lines = lineFeeder(req.onLine);
        lines.feed(Buffer.from(text ?? ''));
        lines.end();
      }
    }
    return { code: step.code ?? 0, stdout: step.stdout ?? '', stderr: step.stderr ?? '' };
  }

  async attach(argv: string[], opts: { tty?: boolean } = {}): Promise<number> {
    const step = this.take(argv, 'attach');
    this.calls.push({ argv });
    if (step.tty !== undefined && step.tty !== (opts.tty === true)) {
      throw new Error(`step ${this.next}: ${JSON.stringify(argv)} expected tty=${String(step.tty)}`);
    }
    return step.code ?? 0;
  }

  async close(): Promise<void> {
    // Nothing to close.
  }

  /** Fails unless every scripted step was used. */
  done(): void {
    if (this.next !== this.steps.length) {
      throw new Error(`${this.steps.length - this.next} scripted step(s) not run; next: ${JSON.stringify(this.steps[this.next]?.argv)}`);
    }
  }
}
