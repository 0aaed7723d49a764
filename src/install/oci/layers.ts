// Applying image layers, lowest first, through the confined writer, with the OCI
// whiteouts: ".wh.NAME" deletes NAME from the layers below, and ".wh..wh..opq" in a
// directory hides everything the layers below put there.
import type { Hash } from 'node:crypto';
import { crypto } from '../../core/builtins.js';
import { open, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { ZoneError } from '../../core/errors.js';
import type { Emit } from '../methods.js';
import type { ConfinedWriter, Entry } from '../writer.js';
import { openArchive } from '../archive/source.js';
import { sniffCompression } from '../archive/detect.js';
import { extractTar } from '../archive/tar.js';
import type { ImagePlan } from './image.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

async function drain(content: AsyncIterable<Uint8Array> | undefined): Promise<void> {
  if (content !== undefined) for await (const _ of content) void _;
}

/** The sink for one layer: whiteouts act on what lies below; the rest is written. */
function layerSink(writer: ConfinedWriter): (e: Entry, c: AsyncIterable<Uint8Array> | undefined) => Promise<void> {
  const written = new Map<string, Set<string>>(); // dir -> names this layer wrote in it
  return async (e, content) => {
    const path = posix.normalize(e.path.replace(/^\.?\/+/, '')).replace(/\/+$/, '');
    const dir = posix.dirname(path);
    const base = posix.basename(path);
    if (base === OPAQUE) {
      await drain(content);
      await writer.clearDir(dir === '.' ? '' : dir, written.get(dir) ?? new Set());
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      await drain(content);
      await writer.remove(posix.join(dir, base.slice(WHITEOUT.length)));
      return;
    }
    if (!written.has(dir)) written.set(dir, new Set());
    written.get(dir)?.add(base);
    await writer.write(e, content);
  };
}

export async function applyLayers(writer: ConfinedWriter, plan: ImagePlan, o: { zone: string; emit: Emit; source: string }): Promise<void> {
  let i = 0;
  for (const layer of plan.layers) {
    i++;
    const st = await stat(layer.path).catch(() => undefined);
    if (st === undefined) throw new ZoneError('install-failed', `image ${o.source}: layer ${i} (${layer.digest ?? layer.path}) is missing`, { zone: o.zone });
    const fh = await open(layer.path, 'r');
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0).finally(() => fh.close());
    const compression = sniffCompression(head);
    o.emit({ type: 'phase', zone: o.zone, phase: 'layer', message: `layer ${i}/${plan.layers.length}${compression === 'none' ? '' : ` (${compression})`}` });
    const hash: Hash | undefined = layer.digest === undefined ? undefined : crypto().createHash(layer.digest.split(':')[0] as string);
    const tar = openArchive(layer.path, { compression, size: st.size }, { zone: o.zone, emit: o.emit, phase: `layer ${i}`, onChunk: (b) => hash?.update(b) });
    await extractTar(tar, layerSink(writer), `${o.source} layer ${i}`, o.zone);
    if (hash !== undefined && layer.digest !== undefined) {
      const got = `${layer.digest.split(':')[0]}:${hash.digest('hex')}`;
      if (got !== layer.digest) {
        throw new ZoneError('install-failed', `image ${o.source}: layer ${i} does not match its digest (${layer.digest}, got ${got})`, { zone: o.zone });
      }
    }
  }
}
