// Decompression as a stream piece: Node's zlib for gzip, the host's own xz, bzip2 and
// zstd programs for the rest (faster than any JavaScript port, and what users have).
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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
    const gunzip = createGunzip();
    input.on('error', (e) => gunzip.destroy(e));
    return input.pipe(gunzip).on('error', () => undefined);
  }
  const { argv, pkg } = PROGRAMS[kind];
  const out = new PassThrough();
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const errText: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => errText.push(b));
  child.on('error', (e: NodeJS.ErrnoException) => {
    out.destroy(
      e.code === 'ENOENT'
        ? new ZoneError('host-missing', `${source} is ${kind}-compressed and the host has no ${argv[0]}`, { zone, hint: `apt-get install ${pkg}` })
        : e,
    );
  });
  // The output ends only once the program has exited, so that a damaged archive is
  // reported as the decompressor's error, not as a tar that ended early.
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (code !== null) {
      const why = Buffer.concat(errText).toString('utf8').trim().split('\n').pop() ?? `exit ${code}`;
      out.destroy(new ZoneError('install-failed', `${source}: ${kind} decompression failed: ${why}`, { zone }));
    }
  });
  input.on('error', (e) => out.destroy(e));
  // The reader may stop early (a bad entry): then the decompressor is not needed.
  out.on('close', () => child.kill('SIGTERM'));
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  return out;
}
