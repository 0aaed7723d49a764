// A local install source, whatever its kind (directory, archive, image), put under a
// zone root: one dispatcher for `--source` and for recipes that download a file.
import type { Limits } from './writer.js';
import { populateFromArchive, type SourceKind } from './archive/source.js';
import { populateFromImage } from './oci/install.js';
import { reportXattrFailures } from './xattrs.js';
import { populateFromDirectory, userlandArch, type Emit, type Populated } from './methods.js';

export interface SourceOptions {
  zone: string;
  limits: Limits;
  emit: Emit;
}

export async function populateFromSource(root: string, path: string, kind: SourceKind, o: SourceOptions): Promise<Populated> {
  switch (kind.kind) {
    case 'directory':
      return populateFromDirectory(root, path, o.zone, o.emit);
    case 'tar':
    case 'cpio':
    case 'flar':
    case 'zip': {
      const src = kind.kind === 'zip' ? { compression: 'none' as const, size: kind.size } : kind;
      const totals = await populateFromArchive(root, path, kind.kind, src, o);
      const skipped = totals.skippedDevices > 0 ? `; ${totals.skippedDevices} device nodes skipped (not root)` : '';
      const xattrs = totals.xattrsSet > 0 ? `; ${totals.xattrsSet} extended attributes` : '';
      o.emit({ type: 'phase', zone: o.zone, phase: 'unpack', message: `${totals.entries} entries, ${totals.bytes} bytes${skipped}${xattrs}` });
      reportXattrFailures(totals.xattrFailures, o);
      return { arch: (await userlandArch(root)) ?? 'unknown' };
    }
    case 'image-directory':
    case 'image-tar': {
      const packed = kind.kind === 'image-tar' ? { packed: { compression: kind.compression, size: kind.size } } : {};
      const image = await populateFromImage(root, { path, ...packed }, o);
      o.emit({ type: 'phase', zone: o.zone, phase: 'image', message: `${image.format} image, ${image.layers} layers${image.arch === undefined ? '' : `, ${image.arch}`}` });
      return { arch: image.arch ?? (await userlandArch(root)) ?? 'unknown', env: image.env, ...(image.init === undefined ? {} : { init: image.init }) };
    }
  }
}
