// An RPM's payload into the confined writer: the compressed bytes after the main
// header, decompressed, read as cpio (rpm writes SVR4 newc; names start with "./",
// which the cpio reader drops, so entries come out relative to the root).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { extractCpio } from '../archive/cpio.js';
import { decompress, throughProgram } from '../archive/decompress.js';
import type { EntrySink } from '../archive/tar.js';
import type { RpmPackage } from './package.js';

/** Legacy LZMA ("lzdio", the .lzma "alone" format: Fedora 9-11 era and some third-party
 * packages) through the host's xz, which reads it with --format=lzma. decompress()
 * knows only the formats with a magic number. */
function unlzma(input: Readable, source: string, zone: string): Readable {
  return throughProgram(input, ['xz', '--format=lzma', '-dc'], {
    missing: () => new ZoneError('host-missing', `${source} has an lzma payload and the host has no xz`, { zone, hint: 'apt-get install xz-utils' }),
    failed: (why) => new ZoneError('install-failed', `${source}: lzma decompression failed: ${why}`, { zone }),
  });
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
