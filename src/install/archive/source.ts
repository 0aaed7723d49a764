// An install source given as a path: a directory, or an archive recognised by its
// first bytes (compression, then format), unpacked through the confined writer.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import type { Emit } from '../methods.js';
import { ConfinedWriter, type Limits, type WriteTotals } from '../writer.js';
import { decompress } from './decompress.js';
import { isTar, sniffCompression, type Compression } from './detect.js';
import { extractTar } from './tar.js';

export type SourceKind = { kind: 'directory' } | { kind: 'tar'; compression: Compression; size: number };

/** Says what a --source is, or refuses it with the reason, before anything is written. */
export async function inspectSource(path: string, zone: string): Promise<SourceKind> {
  const st = await stat(path).catch(() => undefined);
  if (st === undefined) throw new ZoneError('not-found', `install source ${path}: no such file or directory`, { zone });
  if (st.isDirectory()) return { kind: 'directory' };
  if (!st.isFile()) throw new ZoneError('install-failed', `install source ${path}: not a directory or a regular file`, { zone });
  const fh = await open(path, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = (await fh.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const compression = sniffCompression(head.subarray(0, n));
  if (compression !== 'none') return { kind: 'tar', compression, size: st.size };
  if (isTar(head.subarray(0, n))) return { kind: 'tar', compression, size: st.size };
  throw new ZoneError('install-failed', `install source ${path}: not a directory or an archive zonectl reads`, {
    zone,
    hint: 'give a directory or a tar archive (plain, gzip, bzip2, xz or zstd)',
  });
}

export interface ArchiveOptions {
  zone: string;
  limits: Limits;
  emit: Emit;
}

const PROGRESS_EVERY = 1 << 20;

export async function populateFromTar(root: string, path: string, src: { compression: Compression; size: number }, o: ArchiveOptions): Promise<WriteTotals> {
  o.emit({ type: 'phase', zone: o.zone, phase: 'unpack', message: `unpacking ${path}${src.compression === 'none' ? '' : ` (${src.compression})`}` });
  const writer = new ConfinedWriter(root, { zone: o.zone, limits: o.limits, asRoot: process.getuid?.() === 0, source: path });
  let read = 0;
  let reported = 0;
  // Counts the archive's bytes as they are read: progress against the file's size.
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      if (read - reported >= PROGRESS_EVERY || read === src.size) {
        reported = read;
        o.emit({ type: 'progress', zone: o.zone, phase: 'unpack', done: read, total: src.size });
      }
      done(null, chunk);
    },
  });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on('error', (e) => counter.destroy(e));
  const input = file.pipe(counter);
  const tar = decompress(input, src.compression, path, o.zone);
  await extractTar(tar, writer, path, o.zone, () => undefined);
  return writer.finish();
}
