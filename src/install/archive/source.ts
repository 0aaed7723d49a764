// An install source given as a path: a directory, or an archive recognised by its
// first bytes (compression, then format), unpacked through the confined writer.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import type { Emit } from '../methods.js';
import { ConfinedWriter, type Limits, type WriteTotals } from '../writer.js';
import { decompress } from './decompress.js';
import { isTar, sniffCompression, type Compression } from './detect.js';
import { extractTar, type EntrySink } from './tar.js';
import { cpioFormat, extractCpio } from './cpio.js';
import { extractFlar, isFlar } from './flar.js';
import { extractZip, isZip } from './zip.js';
import { isImageDir } from '../oci/image.js';

export type SourceKind =
  | { kind: 'directory' }
  | { kind: 'tar'; compression: Compression; size: number }
  | { kind: 'image-directory' }
  | { kind: 'image-tar'; compression: Compression; size: number }
  | { kind: 'cpio'; compression: Compression; size: number }
  | { kind: 'flar'; compression: Compression; size: number }
  | { kind: 'zip'; size: number };

/** The first `n` bytes of the archive after decompression. */
async function peekDecompressed(path: string, src: { compression: Compression; size: number }, zone: string, n: number): Promise<Buffer> {
  const stream = openArchive(path, src, { zone, emit: () => undefined, phase: 'inspect' });
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= n) break;
    }
  } catch (e) {
    if (got === 0) throw e;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, n);
}

// What the first entry of an image archive looks like: an OCI layout's files, or
// docker save's (blobs/ since Docker 25, <64 hex>/ before). No root filesystem
// starts so.
const IMAGE_FIRST_ENTRY = /^(\.\/)?(blobs\/|oci-layout$|index\.json$|manifest\.json$|repositories$|[0-9a-f]{64}(\/|\.json$))/;

/** The name of an archive's first entry below its top, reading no more than that. */
async function firstEntryName(path: string, src: { compression: Compression; size: number }, zone: string): Promise<string | undefined> {
  let name: string | undefined;
  const stop = new ZoneError('refused', 'first entry read');
  const noEmit: Emit = () => undefined;
  try {
    await extractTar(
      openArchive(path, src, { zone, emit: noEmit, phase: 'inspect' }),
      async (e, content) => {
        // "./" (the archive's own top directory) says nothing: look at the next one.
        if (e.path.replace(/^\.?\/*/, '') === '') return;
        name = e.path;
        if (content !== undefined) void content;
        throw stop;
      },
      path,
      zone,
    );
  } catch (e) {
    if (e !== stop) throw e;
  }
  return name;
}

/** Says what a --source is, or refuses it with the reason, before anything is written. */
export async function inspectSource(path: string, zone: string): Promise<SourceKind> {
  const st = await stat(path).catch(() => undefined);
  if (st === undefined) throw new ZoneError('not-found', `install source ${path}: no such file or directory`, { zone });
  if (st.isDirectory()) return (await isImageDir(path)) ? { kind: 'image-directory' } : { kind: 'directory' };
  if (!st.isFile()) throw new ZoneError('install-failed', `install source ${path}: not a directory or a regular file`, { zone });
  const fh = await open(path, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = (await fh.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const raw = head.subarray(0, n);
  if (isZip(raw)) return { kind: 'zip', size: st.size };
  const compression = sniffCompression(raw);
  const src = { compression, size: st.size };
  // The format is told by the bytes after decompression.
  const inner = compression === 'none' ? raw : await peekDecompressed(path, src, zone, 512);
  if (isFlar(inner)) return { kind: 'flar', ...src };
  if (cpioFormat(inner) !== undefined) return { kind: 'cpio', ...src };
  if (isTar(inner)) {
    const first = await firstEntryName(path, src, zone);
    return first !== undefined && IMAGE_FIRST_ENTRY.test(first) ? { kind: 'image-tar', ...src } : { kind: 'tar', ...src };
  }
  throw new ZoneError('install-failed', `install source ${path}: not a directory or an archive zonectl reads`, {
    zone,
    hint: 'give a directory, a tar (plain, gzip, bzip2, xz or zstd), zip, cpio or flash archive, an OCI image layout or a docker save archive',
  });
}

export interface ArchiveOptions {
  zone: string;
  limits: Limits;
  emit: Emit;
}

const PROGRESS_EVERY = 1 << 20;

/** The archive at `path`, decompressed, reporting progress against the file's size as
 * it is read; `onChunk` sees the raw (compressed) bytes, e.g. to check a digest. */
export function openArchive(path: string, src: { compression: Compression; size: number }, o: { zone: string; emit: Emit; phase: string; onChunk?: (b: Buffer) => void }): Readable {
  let read = 0;
  let reported = 0;
  // Counts the archive's bytes as they are read: progress against the file's size.
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      if (read - reported >= PROGRESS_EVERY || read === src.size) {
        reported = read;
        o.emit({ type: 'progress', zone: o.zone, phase: o.phase, done: read, total: src.size, unit: 'bytes' });
      }
      o.onChunk?.(chunk);
      done(null, chunk);
    },
  });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on('error', (e) => counter.destroy(e));
  return decompress(file.pipe(counter), src.compression, path, o.zone);
}

export function newWriter(root: string, source: string, o: { zone: string; limits: Limits }): ConfinedWriter {
  return new ConfinedWriter(root, { zone: o.zone, limits: o.limits, asRoot: process.getuid?.() === 0, source });
}

export type ArchiveKind = 'tar' | 'cpio' | 'flar' | 'zip';

/** Unpacks a root filesystem archive (tar, cpio, flash archive or zip) into the root. */
export async function populateFromArchive(root: string, path: string, kind: ArchiveKind, src: { compression: Compression; size: number }, o: ArchiveOptions): Promise<WriteTotals> {
  const label = src.compression === 'none' ? kind : `${kind}, ${src.compression}`;
  o.emit({ type: 'phase', zone: o.zone, phase: 'unpack', message: `unpacking ${path} (${label})` });
  const writer = newWriter(root, path, o);
  const sink: EntrySink = (e, c) => writer.write(e, c);
  if (kind === 'zip') {
    await extractZip(path, sink, path, o.zone);
  } else {
    const stream = openArchive(path, src, { zone: o.zone, emit: o.emit, phase: 'unpack' });
    if (kind === 'tar') await extractTar(stream, sink, path, o.zone);
    else if (kind === 'cpio') await extractCpio(stream, sink, path, o.zone);
    else {
      const id = await extractFlar(stream, sink, path, o.zone);
      o.emit({ type: 'phase', zone: o.zone, phase: 'unpack', message: `flash archive "${id.content_name ?? '?'}"${id.creation_date === undefined ? '' : ` of ${id.creation_date}`}` });
    }
  }
  return writer.finish();
}
