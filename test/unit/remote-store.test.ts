// The zone store kept with a host's POSIX tools (what a FreeBSD or illumos host gets,
// through ssh): run here through a real /bin/sh, on real files, with a state root whose
// path holds spaces, quotes, `$` and `;`. Same promises as the local store: a zone is
// whole or absent, a file is old or new, one lock holder at a time, stale locks of this
// machine are taken over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ZoneStore } from '../../src/core/store.js';
import { clientId } from '../../src/core/lock.js';
import { RemoteStoreFs } from '../../src/transport/store-over-executor.js';
import { LocalExecutor } from '../../src/transport/local.js';
import type { ZoneRecord, ZoneStatus } from '../../src/core/zone.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

let dir = '';
let root = '';
let store: ZoneStore;

test.before.each(() => {
  dir = makeTempDir();
  root = join(dir, `state root 'q' "d" $HOME; x`);
  store = new ZoneStore(root, new RemoteStoreFs(new LocalExecutor()));
});
test.after.each(() => removeTempDir(dir));

const record = (name: string): ZoneRecord => ({ name, brand: 'native', zonepath: `/zones/${name}`, config: { hostname: 'h' }, createdAt: '2026-01-01T00:00:00.000Z' });
const status: ZoneStatus = { state: 'configured', since: '2026-01-01T00:00:00.000Z' };

test('create makes the zone whole under a hostile state root; a second create is refused', async () => {
  await store.create(record('web'), status);
  const z = await store.read('web');
  assert.equal(z.record, record('web'));
  assert.equal(z.status, status);
  assert.equal(await store.names(), ['web']);
  // Only the zone's own directory: no temp directories left beside it.
  assert.equal(readdirSync(join(root, 'zones')), ['web']);
  assert.equal(readdirSync(join(root, 'zones', 'web')).sort(), ['state.json', 'zone.json']);
  const e = await rejectsZoneError(store.create(record('web'), status), 'exists');
  assert.match(e.message, /"web" already exists/);
});

test('a missing zone reads as absent; writes replace whole files', async () => {
  assert.is(await store.tryRead('nope'), undefined);
  assert.equal(await store.names(), []);
  await store.create(record('db'), status);
  await store.writeStatus('db', { state: 'installed', since: 'x' });
  assert.is((await store.read('db')).status.state, 'installed');
  const text = readFileSync(join(root, 'zones', 'db', 'state.json'), 'utf8');
  assert.equal(JSON.parse(text), { state: 'installed', since: 'x' });
  assert.equal(readdirSync(join(root, 'zones', 'db')).sort(), ['state.json', 'zone.json']);
});

test('a directory without zone.json is not a zone (an interrupted create)', async () => {
  mkdirSync(join(root, 'zones', 'half'), { recursive: true });
  writeFileSync(join(root, 'zones', 'half', 'state.json'), JSON.stringify(status));
  assert.is(await store.tryRead('half'), undefined);
});

test('destroy removes the zone and nothing else', async () => {
  await store.create(record('a'), status);
  await store.create(record('b'), status);
  await store.destroy('a');
  assert.equal(await store.names(), ['b']);
  assert.equal(readdirSync(join(root, 'zones')), ['b']);
});

test('the lock: a held lock is waited for, then refused naming its holder; release frees it', async () => {
  await store.create(record('web'), status);
  const other = new ZoneStore(root, new RemoteStoreFs(new LocalExecutor()));
  const held = await store.lock('web', 'boot', 1000);
  const e = await rejectsZoneError(other.lock('web', 'halt', 400), 'locked');
  assert.ok(e.message.includes(`pid ${process.pid} (zonectl boot) on ${clientId()} has held its lock`), e.message);
  assert.ok(clientId().startsWith(hostname()));
  assert.match(e.hint ?? '', /--lock-timeout/);
  await held.release();
  const mine = await other.lock('web', 'halt', 400);
  await mine.release();
  assert.not.ok(existsSync(join(root, 'zones', 'web', 'lock.d')));
});

test('a lock left by a dead zonectl of this machine is taken over', async () => {
  await store.create(record('web'), status);
  const dead = await new Promise<number>((resolve) => {
    const c = spawn('true');
    c.on('exit', () => resolve(c.pid as number));
  });
  mkdirSync(join(root, 'zones', 'web', 'lock.d'));
  writeFileSync(join(root, 'zones', 'web', 'lock.d', 'owner'), JSON.stringify({ client: clientId(), pid: dead, start: '1', command: 'boot', since: 'then' }));
  const l = await store.lock('web', 'halt', 2000);
  assert.is(JSON.parse(readFileSync(join(root, 'zones', 'web', 'lock.d', 'owner'), 'utf8')).command, 'halt');
  await l.release();
  assert.equal(readdirSync(join(root, 'zones', 'web')).sort(), ['state.json', 'zone.json'], 'no lock, guard or moved-aside lock left');
});

test('a lock held from another machine is not taken over', async () => {
  await store.create(record('web'), status);
  mkdirSync(join(root, 'zones', 'web', 'lock.d'));
  writeFileSync(join(root, 'zones', 'web', 'lock.d', 'owner'), JSON.stringify({ client: 'laptop-of-someone-else', pid: 1, start: '1', command: 'install', since: 'then' }));
  const e = await rejectsZoneError(store.lock('web', 'halt', 300), 'locked');
  assert.match(e.message, /pid 1 \(zonectl install\) on laptop-of-someone-else has held its lock since then/);
  // Its pid means nothing here: the user is told which directory to remove if it is gone.
  assert.ok((e.hint ?? '').includes(`remove ${join(root, 'zones', 'web', 'lock.d')}`), e.hint);
  assert.ok(existsSync(join(root, 'zones', 'web', 'lock.d', 'owner')));
});

test('many zones are read in one call; a damaged one is named without hiding the others', async () => {
  for (const n of ['a', 'b', 'c']) await store.create({ ...record(n), config: { hostname: 'h', note: 'é€ "q" $x; y\nF E M' } as Record<string, string> }, status);
  writeFileSync(join(root, 'zones', 'b', 'state.json'), '{ not json');
  const reads = await store.readMany(['a', 'b', 'c', 'nope']);
  assert.is(reads[0]?.()?.record.config.note, 'é€ "q" $x; y\nF E M');
  assert.throws(() => reads[1]?.(), /state\.json: not valid JSON/);
  assert.is(reads[2]?.()?.record.name, 'c');
  assert.is(reads[3]?.(), undefined);
});

test('an interrupted create is no zone, and does not block the name', async () => {
  mkdirSync(join(root, 'zones'), { recursive: true });
  // What an old, cut-off create could leave: a temp dir beside the zones.
  mkdirSync(join(root, 'zones', '.new-web-0011aabbccdd'));
  await store.create(record('web'), status);
  assert.is((await store.read('web')).record.name, 'web');
  assert.equal(await store.names(), ['web']);
});

test('locking a zone that does not exist says so', async () => {
  await rejectsZoneError(store.lock('ghost', 'boot', 300), 'not-found');
});

test.run();
