// A strict little parser for the hot commands (exec, list, info, boot, halt, clone, and
// --version alone), so they
// run without loading yargs: on this machine that is most of zonectl's start-up time.
// It accepts only plain, unambiguous command lines; anything else (help, unknown or
// abbreviated options, a missing "--") returns undefined and goes to yargs, which
// gives the same result or the full usage error. Tests check both parse alike.
import type { ExecArgs, Global } from './actions.js';

export type FastCommand =
  | { kind: 'list'; g: Global }
  | { kind: 'info'; g: Global; name: string }
  | { kind: 'lifecycle'; g: Global; name: string; verb: 'boot' | 'halt' }
  | { kind: 'exec'; g: Global; name: string; exec: ExecArgs }
  | { kind: 'clone'; g: Global; source: string; target: string }
  | { kind: 'version'; g: Global };

function defaults(env: NodeJS.ProcessEnv): Global | undefined {
  const lock = env.ZONECTL_LOCK_TIMEOUT === undefined ? 10 : Number(env.ZONECTL_LOCK_TIMEOUT);
  if (!Number.isFinite(lock)) return undefined;
  return { root: env.ZONECTL_ROOT ?? '/var/lib/zonectl', json: false, quiet: false, lockTimeout: lock };
}

export function parseFast(argv: string[], env: NodeJS.ProcessEnv = process.env): FastCommand | undefined {
  const g = defaults(env);
  if (g === undefined) return undefined;
  const dd = argv.indexOf('--');
  const head = dd === -1 ? argv : argv.slice(0, dd);
  const tail = dd === -1 ? undefined : argv.slice(dd + 1);
  const positional: string[] = [];
  const exec: ExecArgs = { argv: tail ?? [], user: undefined, cwd: undefined, env: [], tty: false };
  const isExec = head[0] === 'exec';
  let version = false;

  for (let i = 0; i < head.length; i++) {
    const tok = head[i] as string;
    const value = (): string | undefined => {
      const v = head[i + 1];
      if (v === undefined || v.startsWith('-')) return undefined;
      i++;
      return v;
    };
    if (!tok.startsWith('-') || tok === '-') {
      positional.push(tok);
      continue;
    }
    let v: string | undefined;
    switch (tok) {
      case '--json':
        g.json = true;
        continue;
      case '-q':
      case '--quiet':
        g.quiet = true;
        continue;
      case '--root':
        if ((v = value()) === undefined) return undefined;
        g.root = v;
        continue;
      case '--version':
        version = true;
        continue;
    }
    if (tok.startsWith('--root=') && tok.length > '--root='.length) {
      g.root = tok.slice('--root='.length);
      continue;
    }
    if (!isExec) return undefined;
    switch (tok) {
      case '-u':
      case '--user':
        if ((v = value()) === undefined) return undefined;
        exec.user = v;
        continue;
      case '-w':
      case '--cwd':
        if ((v = value()) === undefined) return undefined;
        exec.cwd = v;
        continue;
      case '-e':
      case '--env':
        if ((v = value()) === undefined) return undefined;
        exec.env.push(v);
        continue;
      case '-t':
      case '--tty':
        exec.tty = true;
        continue;
      default:
        return undefined;
    }
  }

  const [cmd, name, ...rest] = positional;
  // Only with global options: yargs prints the version whatever else is given, but
  // also checks the rest of the line first.
  if (version) return cmd === undefined && tail === undefined ? { kind: 'version', g } : undefined;
  // clone is what density scripts run a hundred times in a row.
  if (cmd === 'clone' && name !== undefined && rest.length === 1 && tail === undefined) return { kind: 'clone', g, source: name, target: rest[0] as string };
  if (cmd === 'list' || cmd === 'ls') return name === undefined && tail === undefined ? { kind: 'list', g } : undefined;
  if (name === undefined || rest.length > 0) return undefined;
  if (cmd === 'info' && tail === undefined) return { kind: 'info', g, name };
  if ((cmd === 'boot' || cmd === 'halt') && tail === undefined) return { kind: 'lifecycle', g, name, verb: cmd };
  if (cmd === 'exec' && tail !== undefined && tail.length > 0) return { kind: 'exec', g, name, exec };
  return undefined;
}
