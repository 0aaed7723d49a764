// The debootstrap method: the host's own debootstrap builds a Debian or Ubuntu root
// for any architecture the mirror has; its "I:" lines become progress events.
import { spawn } from 'node:child_process';
import { ZoneError } from '../core/errors.js';
import type { Emit } from './methods.js';

export interface DebootstrapMethod {
  kind: 'debootstrap';
  suite: string;
  variant?: 'minbase' | 'buildd' | 'fakechroot';
  mirrors: string[];
  components?: string[];
  include?: string[];
  exclude?: string[];
  package?: string;
}

export function debootstrapArgs(m: DebootstrapMethod, arch: string, root: string, mirror: string): string[] {
  const args = ['debootstrap', `--arch=${arch}`];
  if (m.variant !== undefined) args.push(`--variant=${m.variant}`);
  if (m.components !== undefined && m.components.length > 0) args.push(`--components=${m.components.join(',')}`);
  if (m.include !== undefined && m.include.length > 0) args.push(`--include=${m.include.join(',')}`);
  if (m.exclude !== undefined && m.exclude.length > 0) args.push(`--exclude=${m.exclude.join(',')}`);
  args.push(m.suite, root, mirror);
  return args;
}

/** debootstrap's progress lines ("I: Retrieving libc6 2.36-9") as install phases. */
export function progressOf(line: string): string | undefined {
  const m = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Installing|Resolving|Checking|Found|Base system)\b(.*)$/.exec(line);
  return m === null ? undefined : `${m[1]}${m[2] ?? ''}`.trim();
}

export async function runDebootstrap(m: DebootstrapMethod, arch: string, root: string, mirror: string, zone: string, emit: Emit): Promise<void> {
  const argv = debootstrapArgs(m, arch, root, mirror);
  emit({ type: 'phase', zone, phase: 'debootstrap', message: `debootstrap ${m.suite} (${arch}) from ${mirror}` });
  const errors: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (b: Buffer): void => {
      pending += b.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('E: ') || line.startsWith('W: Failure')) errors.push(line.slice(3));
        const p = progressOf(line);
        if (p !== undefined) emit({ type: 'phase', zone, phase: 'debootstrap', message: p });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new ZoneError('host-missing', `recipe needs debootstrap, which this host lacks (zone "${zone}")`, { zone, hint: `apt-get install ${m.package ?? 'debootstrap'}` })
          : e,
      ),
    );
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    throw new ZoneError('install-failed', `debootstrap of ${m.suite} (${arch}) failed: ${errors[errors.length - 1] ?? `exit ${code}`}`, {
      zone,
      hint: `see ${root}/debootstrap/debootstrap.log; the zone is incomplete (zonectl install retries, zonectl uninstall -F cleans up)`,
    });
  }
}
