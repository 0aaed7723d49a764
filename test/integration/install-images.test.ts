// Installing from OCI image layouts and docker save archives: the right manifest,
// layers in order, whiteouts and opaque directories, digests checked, the image's
// architecture recorded, and its entrypoint run as the zone's init.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, json, makeRoot, ok, packTar, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('install from images');
let root = '';
let work = '';

function run(argv: string[], input?: Buffer): Buffer {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function blob(layout: string, data: Buffer): { digest: string; size: number } {
  const digest = sha(data);
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

let layers: Buffer[] = [];
const config = {
  architecture: 'amd64',
  os: 'linux',
  config: {
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ["trap 'exit 0' TERM; echo app started; while :; do sleep 1; done"],
    Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'APPVAR=from-the-image'],
    StopSignal: 'SIGTERM',
  },
};

/** Writes an OCI image layout of `layers` with an index offering arm64 and amd64. */
function ociLayout(dir: string, ls: Buffer[] = layers): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const cfg = blob(dir, Buffer.from(JSON.stringify(config)));
  const types = ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+zstd'];
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: ls.map((l, i) => ({ mediaType: types[i % 3], ...blob(dir, l) })),
  };
  const m = blob(dir, Buffer.from(JSON.stringify(manifest)));
  const other = blob(dir, Buffer.from('{"not":"read"}'));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...other, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
}

/** docker save's layout: manifest.json naming a config file and layer.tar files. */
function dockerSave(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const names = layers.map((l, i) => {
    const id = createHash('sha256').update(`layer${i}`).digest('hex');
    mkdirSync(join(dir, id));
    writeFileSync(join(dir, id, 'layer.tar'), l);
    return `${id}/layer.tar`;
  });
  const cfgName = `${createHash('sha256').update('cfg').digest('hex')}.json`;
  writeFileSync(join(dir, cfgName), JSON.stringify(config));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: cfgName, RepoTags: ['app:latest'], Layers: names }]));
}

t.before(async () => {
  requireRootAndRunc();
  root = makeRoot();
  work = join(root, 'work');
  mkdirSync(work);
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  // Layer 1 (gzip): a busybox userland without an init of its own, as app images are.
  const base = run(['tar', '-C', `${root}/zones/src/root`, '--exclude=./sbin/init', '-czf', '-', '.']);
  // Layer 2 (plain tar): files the next layer removes or hides.
  const l2 = await packTar([
    { name: 'etc/motd', body: 'layer 2\n' },
    { name: 'opt/app/', type: 'directory' },
    { name: 'opt/app/a', body: 'a' },
    { name: 'opt/app/b', body: 'b' },
    { name: 'var/lib/gone/file', body: 'x' },
  ]);
  // Layer 3 (zstd): whiteouts, and an opaque directory with one new file.
  const l3 = await packTar([
    { name: 'etc/.wh.motd' },
    { name: 'opt/app/.wh..wh..opq' },
    { name: 'opt/app/c', body: 'c' },
    { name: 'var/lib/.wh.gone' },
    { name: 'etc/added-by-layer-3', body: 'yes\n' },
  ]);
  layers = [base, l2, run(['zstd', '-q', '-c'], l3)];
});
t.after(() => cleanup(root));

function checkTree(zone: string): void {
  const zr = `${root}/zones/${zone}/root`;
  assert.not.ok(existsSync(`${zr}/etc/motd`), '.wh.motd did not delete etc/motd');
  assert.equal(readdirSync(`${zr}/opt/app`).sort(), ['c'], "the opaque directory kept lower layers' files");
  assert.not.ok(existsSync(`${zr}/var/lib/gone`), '.wh.gone did not delete the directory');
  assert.is(readFileSync(`${zr}/etc/added-by-layer-3`, 'utf8'), 'yes\n');
  assert.ok(existsSync(`${zr}/bin/busybox`), 'the base layer is missing');
  const v = json<ZoneView>(root, ['info', zone]);
  assert.is(v.userland?.arch, 'x64', 'the image architecture (amd64) is recorded');
}

t('an OCI image layout directory: amd64 manifest, layers and whiteouts applied', () => {
  const dir = join(work, 'oci');
  ociLayout(dir);
  ok(root, ['create', 'oci', '--brand', 'native']);
  ok(root, ['install', 'oci', '--source', dir]);
  checkTree('oci');
});

t('the image entrypoint runs as init, with the image environment; shutdown sends its stop signal', () => {
  ok(root, ['boot', 'oci']);
  assert.equal(ok(root, ['exec', 'oci', '--', 'cat', '/proc/1/cmdline']).stdout.split('\0')[0], '/bin/sh');
  assert.is(ok(root, ['exec', 'oci', '--', 'sh', '-c', 'echo $APPVAR']).stdout, 'from-the-image\n');
  const r = json<{ shutdown: { clean: boolean; signal: string } }>(root, ['shutdown', 'oci', '--timeout', '10']);
  assert.equal(r.shutdown, { ...r.shutdown, clean: true, signal: 'SIGTERM' });
  assert.match(readFileSync(`${root}/zones/oci/console.log`, 'utf8'), /app started/);
});

t('the same layout packed in a tar (xz), and a docker save archive', () => {
  const dir = join(work, 'oci2');
  ociLayout(dir);
  const packed = join(work, 'image.tar.xz');
  run(['tar', '-C', dir, '-cJf', packed, '.']);
  ok(root, ['create', 'ocitar', '--brand', 'native']);
  ok(root, ['install', 'ocitar', '--source', packed]);
  checkTree('ocitar');
  assert.not.ok(existsSync(`${root}/zones/ocitar/.image`), 'the unpacked image was left behind');

  const ds = join(work, 'dsave');
  dockerSave(ds);
  const dsTar = join(work, 'app.tar');
  run(['tar', '-C', ds, '-cf', dsTar, '.']);
  ok(root, ['create', 'docker', '--brand', 'native']);
  ok(root, ['install', 'docker', '--source', dsTar]);
  checkTree('docker');
});

t('a layer that does not match its digest, and paths out of the image, are refused', () => {
  const dir = join(work, 'corrupt');
  ociLayout(dir);
  const manifests = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs/sha256', (manifests.manifests[1] as { digest: string }).digest.slice(7)), 'utf8')) as {
    layers: Array<{ digest: string }>;
  };
  const l2 = join(dir, 'blobs/sha256', (manifest.layers[1] as { digest: string }).digest.slice(7));
  const bytes = readFileSync(l2);
  bytes[600] = (bytes[600] as number) ^ 0xff;
  writeFileSync(l2, bytes);
  ok(root, ['create', 'bad1', '--brand', 'native']);
  const r = zonectl(root, ['install', 'bad1', '--source', dir]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /layer 2 does not match its digest/);

  const ds = join(work, 'evil-save');
  dockerSave(ds);
  writeFileSync(join(ds, 'manifest.json'), JSON.stringify([{ Config: '../../../etc/passwd', Layers: [] }]));
  ok(root, ['create', 'bad2', '--brand', 'native']);
  const r2 = zonectl(root, ['install', 'bad2', '--source', ds]);
  assert.is(r2.code, 1);
  assert.match(r2.stderr, /manifest names a path outside the image: "\.\.\/\.\.\/\.\.\/etc\/passwd"/);
});

t('an image without a manifest for this host is refused naming what it has', () => {
  const dir = join(work, 'armonly');
  cpSync(join(work, 'oci'), dir, { recursive: true });
  const idx = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ platform: { architecture: string } }> };
  idx.manifests = idx.manifests.slice(0, 1);
  writeFileSync(join(dir, 'index.json'), JSON.stringify(idx));
  ok(root, ['create', 'arm', '--brand', 'native']);
  const r = zonectl(root, ['install', 'arm', '--source', dir]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /has no linux\/amd64 manifest \(it has linux\/arm64\)/);
});

t.run();
