// An RPM's payload into the confined writer: the compressed bytes after the main
// header, decompressed, read as cpio (rpm writes SVR4 newc; names start with "./",
// which the cpio reader drops, so entries come out relative to the root).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { extractCpio } from '../archive/cpio.js';
import { decompress } from '../archive/decompress.js';
import type { EntrySink } from '../archive/tar.js';
import type { RpmPackage } from './package.js';

/** Legacy LZMA ("lzdio", the .lzma "alone" format: Fedora 9-11 era and some third-party
 * packages) through the host's xz, which reads it with --format=lzma. decompress()
 * knows only the formats with a magic number; this mirrors its error handling. */
function unlzma(input: Readable, source: string, zone: string): Readable {
  const out = new PassThrough();
  const child = spawn('xz', ['--format=lzma', '-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const errText: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => errText.push(b));
  child.on('error', (e: NodeJS.ErrnoException) => {
    out.destroy(
      e.code === 'ENOENT'
        ? new ZoneError('host-missing', `${source} has an lzma payload and the host has no xz`, { zone, hint: 'apt-get install xz-utils' })
        : e,
    );
  });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (code !== null) {
      const why = Buffer.concat(errText).toString('utf8').trim().split('\n').pop() ?? `exit ${code}`;
      out.destroy(new ZoneError('install-failed', `${source}: lzma decompression failed: ${why}`, { zone }));
    }
  });
  input.on('error', (e) => out.destroy(e));
  out.on('close', () => child.kill('SIGTERM'));
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  return out;
}

/** Streams the package's payload into `sink`, entry by entry in archive order. File
 * bytes are not checked against the header's file digests here (verify() checks the
 * payload as a whole). rpm >= 4.12 writes files over 4 GiB in a stripped "07070X"
 * cpio form that the cpio reader refuses; no CentOS 3-7 package has one. */
export async function extractRpmPayload(pkg: RpmPackage, sink: EntrySink, zone: string): Promise<void> {
  if (pkg.payloadFormat !== 'cpio') {
    throw new ZoneError('install-failed', `${pkg.path}: payload format "${printable(pkg.payloadFormat)}" is not cpio (a delta or unusual rpm)`, { zone });
  }
  const raw = createReadStream(pkg.path, { start: pkg.payloadOffset });
  const plain = pkg.payloadCompressor === 'lzma' ? unlzma(raw, pkg.path, zone) : decompress(raw, pkg.payloadCompressor, pkg.path, zone);
  await extractCpio(plain, sink, pkg.path, zone);
}
