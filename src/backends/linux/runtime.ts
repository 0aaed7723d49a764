// Driving an OCI runtime (runc, or crun: same command line) for one state root.
// Each zone is one container named after it; the runtime's own state lives under
// STATE_ROOT/runtime/<runtime> so separate zonectl roots never see each other's zones.
import { closeSync, openSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ZoneError } from '../../core/errors.js';
import { runCapture, runInherit } from '../../transport/local.js';
import type { ExecRequest, RuntimeState } from './types.js';
import { personalityPrefix } from './personality.js';

export class OciRuntime {
  readonly stateDir: string;

  constructor(
    readonly program: string,
    stateRoot: string,
  ) {
    this.stateDir = join(stateRoot, 'runtime', program);
  }

  private base(logFile?: string): string[] {
    const args = [this.program, '--root', this.stateDir];
    if (logFile !== undefined) args.push('--log', logFile, '--log-format', 'json');
    return args;
  }

  private async call(args: string[], zone: string, what: string): Promise<string> {
    let r;
    try {
      r = await runCapture([...this.base(), ...args]);
    } catch (e) {
      throw missingRuntime(this.program, zone, e);
    }
    if (r.code !== 0) {
      throw new ZoneError('runtime', `${this.program} could not ${what} zone "${zone}": ${lastLine(r.stderr)}`, { zone });
    }
    return r.stdout;
  }

  /** Starts a detached container (create + start, or create only). The container's
   * stdout and stderr go to the console log; the runtime's own errors to its log. */
  async start(zone: string, bundle: string, consoleLog: string, runtimeLog: string, createOnly: boolean, personality: string[] = []): Promise<void> {
    let offset = 0;
    try {
      offset = statSync(runtimeLog).size;
    } catch {
      // No log yet: the runtime's errors start at its beginning.
    }
    const consoleFd = openSync(consoleLog, 'a', 0o600);
    const args = [...personality, ...this.base(runtimeLog), ...(createOnly ? ['create'] : ['run', '-d']), '--bundle', bundle, '--pid-file', join(bundle, 'init.pid'), zone];
    let status: number;
    try {
      status = await new Promise<number>((resolve, reject) => {
        const child = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', consoleFd, consoleFd] });
        child.on('error', (e) => reject(missingRuntime(this.program, zone, e)));
        child.on('close', (code) => resolve(code ?? 1));
      });
    } finally {
      closeSync(consoleFd);
    }
    if (status !== 0) {
      const why = await runtimeError(runtimeLog, offset);
      throw new ZoneError('runtime', `${this.program} could not ${createOnly ? 'ready' : 'boot'} zone "${zone}": ${why}`, {
        zone,
        hint: `see ${runtimeLog} and ${consoleLog}`,
      });
    }
  }

  /** Runs a container in the foreground and collects its output (the runtime's own
   * errors included: no --log, so they come on stderr). */
  async runForeground(id: string, bundle: string, personality: string[] = []): Promise<{ code: number; output: string }> {
    try {
      const r = await runCapture([...personality, ...this.base(), 'run', '--bundle', bundle, id]);
      return { code: r.code, output: `${r.stdout}${r.stderr}` };
    } catch (e) {
      throw missingRuntime(this.program, id, e);
    }
  }

  async startCreated(zone: string): Promise<void> {
    await this.call(['start', zone], zone, 'start');
  }

  async state(zone: string): Promise<RuntimeState> {
    let r;
    try {
      r = await runCapture([...this.base(), 'state', zone]);
    } catch {
      return 'absent';
    }
    if (r.code !== 0) return 'absent';
    return parseStatus(JSON.parse(r.stdout) as { status?: string });
  }

  async list(): Promise<Map<string, RuntimeState>> {
    const out = new Map<string, RuntimeState>();
    let r;
    try {
      r = await runCapture([...this.base(), 'list', '--format', 'json']);
    } catch {
      return out;
    }
    if (r.code !== 0) return out;
    const rows = JSON.parse(r.stdout === '' ? 'null' : r.stdout) as Array<{ id: string; status: string }> | null;
    for (const row of rows ?? []) out.set(row.id, parseStatus(row));
    return out;
  }

  async kill(zone: string, signal: number): Promise<void> {
    await this.call(['kill', zone, String(signal)], zone, 'signal');
  }

  /** Kills whatever runs and removes the container; nothing to remove is fine. */
  async delete(zone: string): Promise<void> {
    if ((await this.state(zone)) === 'absent') return;
    await this.call(['delete', '--force', zone], zone, 'halt');
  }

  async exec(zone: string, req: ExecRequest): Promise<number> {
    const args = [...personalityPrefix(req.personality), ...this.base(), 'exec'];
    if (req.tty) args.push('--tty');
    args.push('--user', `${req.uid}:${req.gid}`, '--cwd', req.cwd);
    if (req.additionalGids.length > 0) args.push('--additional-gids', req.additionalGids.join(','));
    for (const e of req.env) args.push('--env', e);
    args.push(zone, ...req.argv);
    try {
      return await runInherit(args);
    } catch (e) {
      throw missingRuntime(this.program, zone, e);
    }
  }
}

function parseStatus(row: { status?: string }): RuntimeState {
  switch (row.status) {
    case 'created':
    case 'running':
    case 'stopped':
    case 'paused':
      return row.status;
    // "creating" is a runtime mid-start; treat it as not running yet.
    default:
      return 'created';
  }
}

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const line = lines[lines.length - 1] ?? 'no error message';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  return m?.[1] !== undefined ? m[1].replace(/\\"/g, '"') : line;
}

/** The last error the runtime logged (JSON lines) since `offset`. */
async function runtimeError(log: string, offset: number): Promise<string> {
  const text = (await readFile(log, 'utf8').catch(() => '')).slice(offset);
  let msg = 'failed without an error message';
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg !== undefined) msg = entry.msg;
    } catch {
      /* not a JSON line */
    }
  }
  return msg;
}

function missingRuntime(program: string, zone: string, cause: unknown): ZoneError {
  if ((cause as { code?: string }).code === 'ENOENT') {
    return new ZoneError('host-missing', `OCI runtime "${program}" is not installed (needed for zone "${zone}")`, {
      zone,
      hint: `apt-get install ${program}, or pick another with --runtime; zonectl doctor checks the host`,
    });
  }
  return new ZoneError('runtime', `running ${program} for zone "${zone}" failed: ${String(cause)}`, { zone });
}
