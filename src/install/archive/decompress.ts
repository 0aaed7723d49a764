// Decompression as a stream piece: Node's zlib for gzip, the host's own xz, bzip2 and
// zstd programs for the rest (faster than any JavaScript port, and what users have).
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { zlib } from '../../core/builtins.js';
import { ZoneError } from '../../core/errors.js';
import type { Compression } from './detect.js';

const PROGRAMS: Record<Exclude<Compression, 'gzip' | 'none'>, { argv: string[]; pkg: string }> = {
  xz: { argv: ['xz', '-dc', '-T0'], pkg: 'xz-utils' },
  bzip2: { argv: ['bzip2', '-dc'], pkg: 'bzip2' },
  zstd: { argv: ['zstd', '-dc', '-q'], pkg: 'zstd' },
};

/** The decompressed stream of `input`. A failing decompressor errors the stream with
 * a message naming the source. */
export function decompress(input: Readable, kind: Compression, source: string, zone: string): Readable {
  if (kind === 'none') return input;
  if (kind === 'gzip') {
    const gunzip = zlib().createGunzip();
    input.on('error', (e) => gunzip.destroy(e));
    return input.pipe(gunzip).on('error', () => undefined);
  }
  const { argv, pkg } = PROGRAMS[kind];
  return throughProgram(input, argv, {
    missing: () => new ZoneError('host-missing', `${source} is ${kind}-compressed and the host has no ${argv[0]}`, { zone, hint: `apt-get install ${pkg}` }),
    failed: (why) => new ZoneError('install-failed', `${source}: ${kind} decompression failed: ${why}`, { zone }),
  });
}

/** `input` run through a filter program (a decompressor). The output ends only once
 * the program has exited, so a damaged archive is reported as the program's error,
 * not as an archive that ended early; a reader that stops early stops the program. */
export function throughProgram(input: Readable, argv: string[], errors: { missing: () => Error; failed: (why: string) => Error }): Readable {
  const out = new PassThrough();
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const errText: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => errText.push(b));
  child.on('error', (e: NodeJS.ErrnoException) => out.destroy(e.code === 'ENOENT' ? errors.missing() : e));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (code !== null) {
      out.destroy(errors.failed(Buffer.concat(errText).toString('utf8').trim().split('\n').pop() ?? `exit ${code}`));
    }
  });
  input.on('error', (e) => out.destroy(e));
  out.on('close', () => child.kill('SIGTERM'));
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  return out;
}
