// Installing a zone from an image: an OCI layout or docker save directory, or either
// packed in a tar. A packed image is first unpacked (confined, limited) next to the
// zone root, then its layers are applied to the root, then the unpacked copy goes.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InitSpec } from '../../core/zone.js';
import type { Emit } from '../methods.js';
import type { Limits } from '../writer.js';
import { resolveInRoot } from '../root-path.js';
import { newWriter, openArchive } from '../archive/source.js';
import type { Compression } from '../archive/detect.js';
import { extractTar } from '../archive/tar.js';
import { readImage } from './image.js';
import { applyLayers } from './layers.js';
import { reportXattrFailures } from '../xattrs.js';

export interface ImageSource {
  path: string;
  packed?: { compression: Compression; size: number };
}

export interface ImageResult {
  arch: string | undefined;
  init?: InitSpec;
  env: string[];
  format: 'oci' | 'docker';
  layers: number;
}

export async function populateFromImage(root: string, src: ImageSource, o: { zone: string; limits: Limits; emit: Emit }): Promise<ImageResult> {
  let dir = src.path;
  const scratch = join(dirname(root), '.image');
  try {
    if (src.packed !== undefined) {
      o.emit({ type: 'phase', zone: o.zone, phase: 'image', message: `unpacking image ${src.path}` });
      await rm(scratch, { recursive: true, force: true });
      await mkdir(scratch, { mode: 0o700 });
      const outer = newWriter(scratch, src.path, o);
      await extractTar(openArchive(src.path, src.packed, { zone: o.zone, emit: o.emit, phase: 'image' }), (e, c) => outer.write(e, c), src.path, o.zone);
      await outer.finish();
      dir = scratch;
    }
    const plan = await readImage(dir, process.arch, src.path, o.zone);
    const writer = newWriter(root, src.path, o);
    await applyLayers(writer, plan, { zone: o.zone, emit: o.emit, source: src.path });
    reportXattrFailures((await writer.finish()).xattrFailures, o);
    const result: ImageResult = { arch: plan.arch, env: plan.env, format: plan.format, layers: plan.layers.length };
    // Application images have no init of their own: their entrypoint runs as PID 1.
    if ((await resolveInRoot(root, '/sbin/init')) === undefined && plan.entrypoint.length > 0) {
      result.init = { command: plan.entrypoint, haltSignal: plan.stopSignal ?? 'SIGTERM' };
    }
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
