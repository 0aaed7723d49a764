// OCI image layouts and `docker save` archives, read from a directory: which manifest
// fits the zone's platform, its config (architecture, entrypoint, environment) and
// its layers in order. Every digest and path is checked before it names a file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ZoneError } from '../../core/errors.js';

export interface ImagePlan {
  /** Layer files, lowest first. */
  layers: Array<{ path: string; digest?: string }>;
  /** Node.js arch name of the image's userland, when the config says. */
  arch?: string;
  entrypoint: string[];
  env: string[];
  stopSignal?: string;
  format: 'oci' | 'docker';
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { architecture?: string; os?: string; variant?: string };
}

interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; StopSignal?: string };
}

const GO_ARCH: Record<string, string> = { amd64: 'x64', '386': 'ia32', arm64: 'arm64', arm: 'arm', ppc64le: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };
export const NODE_TO_GO_ARCH: Record<string, string> = Object.fromEntries(Object.entries(GO_ARCH).map(([g, n]) => [n, g]));

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

export function goArchToNode(arch: string | undefined): string | undefined {
  return arch === undefined ? undefined : (GO_ARCH[arch] ?? arch);
}

function bad(source: string, zone: string, why: string): never {
  throw new ZoneError('install-failed', `image ${source}: ${why}`, { zone });
}

async function readJson<T>(path: string, source: string, zone: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    bad(source, zone, `${what} is missing`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    bad(source, zone, `${what} is not valid JSON`);
  }
}

/** blobs/ALG/HEX for a digest; anything but a well-formed digest is refused. */
export function blobPath(dir: string, digest: string, source: string, zone: string): string {
  const m = /^(sha256|sha512):([a-f0-9]{64,128})$/.exec(digest);
  if (m === null) bad(source, zone, `malformed digest "${digest.slice(0, 80)}"`);
  return join(dir, 'blobs', m[1] as string, m[2] as string);
}

/** A path inside the image directory, as docker save's manifest.json names files. */
function innerPath(dir: string, rel: string, source: string, zone: string): string {
  if (rel.startsWith('/') || rel.split('/').includes('..')) bad(source, zone, `manifest names a path outside the image: "${rel.slice(0, 80)}"`);
  return join(dir, rel);
}

function planFromConfig(cfg: ImageConfig, layers: ImagePlan['layers'], format: ImagePlan['format']): ImagePlan {
  const c = cfg.config ?? {};
  const plan: ImagePlan = { layers, entrypoint: [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])], env: c.Env ?? [], format };
  const arch = goArchToNode(cfg.architecture);
  if (arch !== undefined) plan.arch = arch;
  if (c.StopSignal !== undefined) plan.stopSignal = c.StopSignal;
  return plan;
}

/** The manifest for `wantArch` (Node name) from an index, following nested indexes. */
async function pickManifest(dir: string, index: { manifests?: Descriptor[] }, wantArch: string, source: string, zone: string, depth = 0): Promise<Descriptor> {
  const all = index.manifests ?? [];
  if (all.length === 0) bad(source, zone, 'index lists no manifests');
  if (depth > 4) bad(source, zone, 'indexes nested too deep');
  const want = NODE_TO_GO_ARCH[wantArch] ?? wantArch;
  const fits = (d: Descriptor): boolean => d.platform === undefined || (d.platform.architecture === want && (d.platform.os ?? 'linux') === 'linux');
  const chosen = all.find(fits);
  if (chosen === undefined) {
    const offered = all.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ');
    throw new ZoneError('install-failed', `image ${source} has no linux/${want} manifest (it has ${offered})`, { zone });
  }
  if (chosen.mediaType !== undefined && INDEX_TYPES.includes(chosen.mediaType)) {
    const nested = await readJson<{ manifests?: Descriptor[] }>(blobPath(dir, chosen.digest, source, zone), source, zone, 'nested index');
    return pickManifest(dir, nested, wantArch, source, zone, depth + 1);
  }
  return chosen;
}

async function readOciLayout(dir: string, wantArch: string, source: string, zone: string): Promise<ImagePlan> {
  const index = await readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'), source, zone, 'index.json');
  const desc = await pickManifest(dir, index, wantArch, source, zone);
  const manifest = await readJson<{ config?: Descriptor; layers?: Descriptor[] }>(blobPath(dir, desc.digest, source, zone), source, zone, `manifest ${desc.digest}`);
  if (manifest.config === undefined) bad(source, zone, `manifest ${desc.digest} has no config`);
  const cfg = await readJson<ImageConfig>(blobPath(dir, manifest.config.digest, source, zone), source, zone, 'image config');
  const layers = (manifest.layers ?? []).map((l) => ({ path: blobPath(dir, l.digest, source, zone), digest: l.digest }));
  return planFromConfig(cfg, layers, 'oci');
}

async function readDockerSave(dir: string, source: string, zone: string): Promise<ImagePlan> {
  const list = await readJson<Array<{ Config?: string; Layers?: string[] }>>(join(dir, 'manifest.json'), source, zone, 'manifest.json');
  const first = Array.isArray(list) ? list[0] : undefined;
  if (first?.Config === undefined) bad(source, zone, 'manifest.json lists no image');
  const cfg = await readJson<ImageConfig>(innerPath(dir, first.Config, source, zone), source, zone, 'image config');
  const layers = (first.Layers ?? []).map((l) => ({ path: innerPath(dir, l, source, zone) }));
  return planFromConfig(cfg, layers, 'docker');
}

/** Reads an image directory: an OCI layout (oci-layout + index.json) or docker save's. */
export async function readImage(dir: string, wantArch: string, source: string, zone: string): Promise<ImagePlan> {
  const has = async (f: string): Promise<boolean> =>
    readFile(join(dir, f)).then(
      () => true,
      () => false,
    );
  if ((await has('oci-layout')) && (await has('index.json'))) return readOciLayout(dir, wantArch, source, zone);
  if (await has('manifest.json')) return readDockerSave(dir, source, zone);
  bad(source, zone, 'neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)');
}

/** True for a directory that holds an image rather than a root filesystem. */
export async function isImageDir(dir: string): Promise<boolean> {
  const has = async (f: string): Promise<boolean> =>
    readFile(join(dir, f)).then(
      () => true,
      () => false,
    );
  return (await has('oci-layout')) || ((await has('manifest.json')) && !(await has('etc/os-release')));
}
