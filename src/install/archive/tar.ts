// Tar entries into the confined writer, as a stream (tar-stream reads the format,
// including GNU long names and pax headers; it writes nothing itself).
import type { Readable } from 'node:stream';
import { ZoneError } from '../../core/errors.js';
import type { Entry } from '../writer.js';
import { paxXattrs } from '../xattrs.js';

/** Takes each entry in archive order; a file's bytes come as `content`. */
export type EntrySink = (entry: Entry, content: AsyncIterable<Uint8Array> | undefined) => Promise<void>;

type TarHeader = {
  name: string;
  type: string | null;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  linkname?: string | null;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string> | null;
};

function toEntry(h: TarHeader): Entry | undefined {
  const { xattrs, lossy } = paxXattrs(h.pax);
  const meta = {
    path: h.name,
    mode: h.mode ?? 0o644,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    mtime: h.mtime ?? new Date(0),
    ...(xattrs.size > 0 ? { xattrs } : {}),
    ...(lossy.length > 0 ? { unreadableXattrs: lossy } : {}),
  };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return { ...meta, type: 'file', size: h.size ?? 0 };
    case 'directory':
      return { ...meta, type: 'directory' };
    case 'symlink':
      return { ...meta, type: 'symlink', target: h.linkname ?? '' };
    case 'link':
      return { ...meta, type: 'hardlink', target: h.linkname ?? '' };
    case 'character-device':
      return { ...meta, type: 'char-device', major: h.devmajor ?? 0, minor: h.devminor ?? 0 };
    case 'block-device':
      return { ...meta, type: 'block-device', major: h.devmajor ?? 0, minor: h.devminor ?? 0 };
    case 'fifo':
      return { ...meta, type: 'fifo' };
    default:
      return undefined; // pax/GNU metadata entries are folded in by tar-stream
  }
}

export async function extractTar(input: Readable, sink: EntrySink, source: string, zone: string): Promise<void> {
  const tarStream = await import('tar-stream');
  const { extract } = tarStream.extract === undefined ? (tarStream as unknown as { default: typeof tarStream }).default : tarStream;
  const ex = extract();
  const asZoneError = (e: unknown): ZoneError =>
    e instanceof ZoneError ? e : new ZoneError('install-failed', `${source}: not a readable tar archive: ${e instanceof Error ? e.message : String(e)}`, { zone });

  const entries = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      // A sink that stops early (an error, or inspection that has read enough) destroys
      // the entry's stream with its error; that error reaches us through next(), so the
      // stream's own 'error' event must not go unheard and crash the process.
      stream.on('error', () => undefined);
      const entry = toEntry(header as TarHeader);
      if (entry === undefined || entry.type !== 'file') stream.resume();
      if (entry === undefined) {
        stream.on('end', () => next());
        return;
      }
      sink(entry, entry.type === 'file' ? (stream as unknown as AsyncIterable<Uint8Array>) : undefined).then(
        () => next(),
        (e: unknown) => next(e instanceof Error ? e : new Error(String(e))),
      );
    });
    ex.on('finish', resolve);
    ex.on('close', resolve);
    ex.on('error', reject);
  });
  // Fed by hand: tar-stream's streams are streamx streams, not Node's.
  const feed = (async () => {
    for await (const chunk of input) {
      if (!ex.write(chunk as Buffer)) await new Promise<void>((r) => ex.once('drain', () => r(undefined)));
    }
    ex.end(undefined);
  })();
  try {
    await Promise.all([
      entries,
      feed.catch((e: unknown) => {
        ex.destroy(e instanceof Error ? e : new Error(String(e)));
        throw e;
      }),
    ]);
  } catch (e) {
    input.destroy();
    ex.destroy();
    throw asZoneError(e);
  }
}
