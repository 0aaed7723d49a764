// Sources from the network: --source URL and recipes whose method downloads an
// archive from mirrors. Served by a loopback HTTP server this test runs, which can
// cut a transfer halfway to prove that the next install resumes it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI, cleanup, json, makeRoot, ok, requireRootAndRunc, zonectlAsync } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('install from downloads');
let root = '';
let server: Server | undefined;
let base = '';
let tarball = Buffer.alloc(0);
let sha = '';
const seen: Array<{ url: string; range: string | undefined }> = [];
let cutNext = false;

function serve(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url ?? '', range: req.headers.range });
  if (!(req.url ?? '').endsWith('/rootfs.tgz')) {
    res.writeHead(404).end();
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const from = m === null ? 0 : Number(m[1]);
  const body = tarball.subarray(from);
  res.writeHead(from > 0 ? 206 : 200, {
    'content-length': String(body.length),
    ...(from > 0 ? { 'content-range': `bytes ${from}-${tarball.length - 1}/${tarball.length}` } : {}),
  });
  if (cutNext) {
    // Half the file, then the connection drops.
    cutNext = false;
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
    return;
  }
  res.end(body);
}

t.before(async () => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'src']);
  tarball = spawnSync('tar', ['-C', `${root}/zones/src/root`, '-czf', '-', '.'], { maxBuffer: 1 << 28 }).stdout;
  sha = createHash('sha256').update(tarball).digest('hex');
  server = createServer(serve);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`;
});
t.after(() => {
  server?.close();
  cleanup(root);
});

t('an interrupted download resumes on the next install, and lands in the cache by checksum', async () => {
  ok(root, ['create', 'dl', '--brand', 'native']);
  cutNext = true;
  const first = await zonectlAsync(root, ['install', 'dl', '--source', `${base}/files/rootfs.tgz`]);
  assert.is(first.code, 1);
  assert.match(first.stderr, /download of .*rootfs\.tgz stopped at \d+ bytes: .*; run the install again to resume it/);
  assert.equal(json<ZoneView>(root, ['info', 'dl']).state, 'configured', 'a failed download changed the zone');
  seen.length = 0;
  const second = await zonectlAsync(root, ['install', 'dl', '--source', `${base}/files/rootfs.tgz`]);
  assert.is(second.code, 0, second.stderr);
  assert.match(seen[0]?.range ?? '', /^bytes=[1-9]\d*-$/, 'the second install did not resume');
  assert.match(second.stderr, /resuming at \d+ bytes/);
  assert.ok(existsSync(join(root, 'cache', 'downloads', sha)), 'the download is not cached under its sha256');
  assert.is(json<ZoneView>(root, ['info', 'dl']).state, 'installed');
});

function recipe(name: string, mirrors: string[], file: Record<string, unknown>, kind = 'archive', extra: string[] = []): string {
  const path = join(root, `${name}.yaml`);
  writeFileSync(
    path,
    [
      `name: ${name}`,
      'description: busybox tree from a mirror',
      'brands: [native]',
      'arches: [amd64]',
      'method:',
      `  kind: ${kind}`,
      `  mirrors: [${mirrors.join(', ')}]`,
      '  files:',
      `    amd64: ${JSON.stringify(file)}`,
      'init:',
      '  command: [/sbin/init]',
      '  halt-signal: SIGUSR2',
      ...extra,
    ].join('\n'),
  );
  return path;
}

t('a recipe downloads from the first mirror that has the file, verified, then from the cache', async () => {
  const r = recipe('mirrored', [`${base}/nothing-here`, `${base}/files`], { path: 'rootfs.tgz', sha256: sha, size: tarball.length });
  const show = spawnSync(process.execPath, [CLI, '--root', root, 'recipes', 'show', r], { encoding: 'utf8' });
  assert.match(show.stdout, new RegExp(`downloads \\(amd64\\): ${base}/nothing-here/rootfs.tgz \\(${tarball.length} bytes, sha256 ${sha}\\)`));
  const a = await zonectlAsync(root, ['install', '--brand', 'native', r, '--name', 'm1']);
  assert.is(a.code, 0, a.stderr);
  const v = json<ZoneView>(root, ['info', 'm1']);
  assert.equal([v.state, v.userland?.recipe, v.userland?.init?.haltSignal], ['installed', 'mirrored', 'SIGUSR2']);
  seen.length = 0;
  const b = await zonectlAsync(root, ['install', '--brand', 'native', r, '--name', 'm2']);
  assert.is(b.code, 0, b.stderr);
  assert.equal(seen, [], 'the cached, verified file was downloaded again');
  assert.match(b.stderr, /using cached/);
});

t('a tarball recipe takes a tarball, records its attributes on the zone, and refuses a file of another kind', async () => {
  const r = recipe('typed', [`${base}/files`], { path: 'rootfs.tgz', sha256: sha }, 'tarball', ['attributes:', '  kernel-version: "2.6"']);
  const a = await zonectlAsync(root, ['install', '--brand', 'native', r, '--name', 'k1']);
  assert.is(a.code, 0, a.stderr);
  assert.equal(json<ZoneView>(root, ['info', 'k1']).userland?.attributes, { 'kernel-version': '2.6' });
  const z = recipe('zipped', [`${base}/files`], { path: 'rootfs.tgz', sha256: sha }, 'zip');
  const b = await zonectlAsync(root, ['install', '--brand', 'native', z, '--name', 'k2']);
  assert.is(b.code, 1);
  assert.match(b.stderr, /rootfs\.tgz: the recipe's method is zip, but the file is a tar/);
  assert.not.ok(
    json<ZoneView[]>(root, ['list']).some((v) => v.name === 'k2'),
    'the refused install left its zone',
  );
});

t('--mirror replaces the recipe mirrors', async () => {
  const r = recipe('elsewhere', ['http://127.0.0.1:9/dead'], { path: 'rootfs.tgz', sha256: sha });
  const a = await zonectlAsync(root, ['install', '--brand', 'native', r, '--name', 'm3', '--mirror', `${base}/files/`]);
  assert.is(a.code, 0, a.stderr);
});

t('a file that does not match its checksum, or is missing, is refused and nothing stays', async () => {
  const wrong = recipe('wrong', [`${base}/other`], { path: 'rootfs.tgz', sha256: '0'.repeat(64) });
  const a = await zonectlAsync(root, ['install', '--brand', 'native', wrong, '--name', 'w1']);
  assert.is(a.code, 1);
  assert.match(a.stderr, new RegExp(`does not match its sha256 \\(expected 0{64}, got ${sha}\\)`));
  assert.not.ok(
    json<ZoneView[]>(root, ['list']).some((z) => z.name === 'w1'),
    'the one-step install left its zone',
  );
  assert.not.ok(readdirSync(join(root, 'cache', 'downloads')).includes('0'.repeat(64)));
  const missing = recipe('missing', [`${base}/files`], { path: 'nope.tgz' });
  const b = await zonectlAsync(root, ['install', '--brand', 'native', missing, '--name', 'w2']);
  assert.is(b.code, 1);
  assert.match(b.stderr, /download of .*nope\.tgz failed: HTTP 404/);
});

t.run();
