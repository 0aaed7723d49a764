// The zone store (one directory per zone, zone.json + state.json) and atomic file
// replacement: a zone exists whole or not, a file is old or new, never half.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/core/atomic.js';
import { ZoneStore } from '../../src/core/store.js';
import type { ZoneRecord, ZoneStatus } from '../../src/core/zone.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

function record(name: string, root: string, config: Record<string, string> = {}): ZoneRecord {
  return { name, brand: 'native', zonepath: join(root, 'zones', name), config, createdAt: '2024-01-02T03:04:05.000Z' };
}
const CONFIGURED: ZoneStatus = { state: 'configured', since: '2024-01-02T03:04:05.000Z' };

let dir = '';
test.before.each(() => {
  dir = makeTempDir();
});
test.after.each(() => {
  removeTempDir(dir);
});

// --- ZoneStore ---------------------------------------------------------------

test('create makes zones/NAME with zone.json and state.json, read gives them back', async () => {
  const store = new ZoneStore(dir);
  const rec = record('web', dir, { hostname: 'w' });
  await store.create(rec, CONFIGURED);
  const zdir = join(dir, 'zones', 'web');
  assert.equal(readdirSync(zdir).sort(), ['state.json', 'zone.json']);
  assert.equal(JSON.parse(readFileSync(join(zdir, 'zone.json'), 'utf8')), rec);
  assert.equal(JSON.parse(readFileSync(join(zdir, 'state.json'), 'utf8')), CONFIGURED);
  assert.equal(await store.read('web'), { record: rec, status: CONFIGURED });
  assert.ok(await store.exists('web'));
  // Zone state is private to root: the zones directory and the zone directory are 0700.
  assert.is(statSync(join(dir, 'zones')).mode & 0o777, 0o700);
  assert.is(statSync(zdir).mode & 0o777, 0o700);
});

test('a duplicate create fails with "exists" and leaves the first zone byte-identical', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir, { hostname: 'first' }), CONFIGURED);
  const zdir = join(dir, 'zones', 'web');
  const before = { zone: readFileSync(join(zdir, 'zone.json')), state: readFileSync(join(zdir, 'state.json')) };
  const e = await rejectsZoneError(store.create({ ...record('web', dir, { hostname: 'second' }), brand: 'sparse' }, { state: 'installed', since: 'x' }), 'exists');
  assert.match(e.message, /"web" already exists/);
  assert.is(e.zone, 'web');
  assert.ok(readFileSync(join(zdir, 'zone.json')).equals(before.zone), 'zone.json unchanged');
  assert.ok(readFileSync(join(zdir, 'state.json')).equals(before.state), 'state.json unchanged');
  assert.equal(readdirSync(zdir).sort(), ['state.json', 'zone.json']);
  // The half-made second zone is gone.
  assert.equal(readdirSync(join(dir, 'zones')), ['web']);
});

test('names() lists zones sorted and ignores dot entries and temp dirs', async () => {
  const store = new ZoneStore(dir);
  assert.equal(await store.names(), [], 'no zones directory yet: no zones');
  await store.create(record('zeta', dir), CONFIGURED);
  await store.create(record('alpha', dir), CONFIGURED);
  const zones = join(dir, 'zones');
  mkdirSync(join(zones, '.new-beta-12345'));
  writeFileSync(join(zones, '.new-beta-12345', 'zone.json'), '{}');
  mkdirSync(join(zones, '.deleted-gamma-12345-1700000000000'));
  writeFileSync(join(zones, '.hidden'), '');
  assert.equal(await store.names(), ['alpha', 'zeta']);
});

test('destroy removes the zone directory and leaves nothing behind', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir), CONFIGURED);
  await store.create(record('db', dir), CONFIGURED);
  writeFileSync(join(store.dir('web'), 'extra'), 'x');
  await store.destroy('web');
  assert.not.ok(existsSync(store.dir('web')));
  assert.equal(readdirSync(join(dir, 'zones')), ['db'], 'no trash directory is left');
  assert.equal(await store.names(), ['db']);
  assert.is(await store.tryRead('web'), undefined);
  await rejectsZoneError(store.read('web'), 'not-found');
});

test('a destroyed name can be created again', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir), CONFIGURED);
  await store.destroy('web');
  await store.create(record('web', dir, { hostname: 'again' }), CONFIGURED);
  assert.is((await store.read('web')).record.config.hostname, 'again');
});

test('read of a missing zone is "not-found" naming it', async () => {
  const store = new ZoneStore(dir);
  const e = await rejectsZoneError(store.read('nope'), 'not-found');
  assert.match(e.message, /"nope"/);
  assert.is(await store.exists('nope'), false);
});

test('a corrupt state.json gives "invalid-file" naming the path', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir), CONFIGURED);
  const path = join(store.dir('web'), 'state.json');
  for (const text of ['{"state": "runn', '', '[]', '{"state": "exploded", "since": "x"}', '{"since": "x"}']) {
    writeFileSync(path, text);
    const e = await rejectsZoneError(store.read('web'), 'invalid-file');
    assert.ok(e.message.includes(path), `names ${path}: ${e.message}`);
    assert.not.ok(e.message.includes('\n'), 'one line');
  }
});

test('a corrupt or incomplete zone.json gives "invalid-file" naming the path', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir), CONFIGURED);
  const path = join(store.dir('web'), 'zone.json');
  for (const text of ['not json', '{"name": "web"}', 'null', '{"name":"web","brand":"native","zonepath":"/z","config":[]}']) {
    writeFileSync(path, text);
    const e = await rejectsZoneError(store.read('web'), 'invalid-file');
    assert.ok(e.message.includes(path), `names ${path}: ${e.message}`);
  }
});

test('a missing state.json next to a zone.json is "invalid-file", not a missing zone', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir), CONFIGURED);
  const path = join(store.dir('web'), 'state.json');
  unlinkSync(path);
  const e = await rejectsZoneError(store.read('web'), 'invalid-file');
  assert.ok(e.message.includes(path), e.message);
});

test('writeStatus and writeRecord replace the files whole', async () => {
  const store = new ZoneStore(dir);
  await store.create(record('web', dir, { hostname: 'a-rather-long-host-name-to-shrink-later' }), CONFIGURED);
  await store.writeStatus('web', { state: 'installed', since: 'later' });
  await store.writeRecord(record('web', dir));
  const z = await store.read('web');
  assert.equal(z.status, { state: 'installed', since: 'later' });
  assert.equal(z.record.config, {});
  assert.equal(readdirSync(store.dir('web')).sort(), ['state.json', 'zone.json']);
});

// --- writeFileAtomic ---------------------------------------------------------

test('writeFileAtomic replaces the content wholly and leaves no temp file', async () => {
  const path = join(dir, 'state.json');
  await writeFileAtomic(path, 'x'.repeat(100_000));
  await writeFileAtomic(path, 'short');
  assert.is(readFileSync(path, 'utf8'), 'short');
  assert.equal(readdirSync(dir), ['state.json']);
});

test('writeFileAtomic creates the file with the given mode', async () => {
  const path = join(dir, 'secret');
  await writeFileAtomic(path, 's', 0o600);
  assert.is(statSync(path).mode & 0o777, 0o600);
  await writeFileAtomic(join(dir, 'plain'), 'p');
  assert.is(statSync(join(dir, 'plain')).mode & 0o777, 0o644 & ~process.umask());
});

test('writeFileAtomic replaces the directory entry (a hard link to the old file keeps the old text)', async () => {
  const path = join(dir, 'f');
  writeFileSync(path, 'old');
  linkSync(path, join(dir, 'old-link'));
  await writeFileAtomic(path, 'new');
  assert.is(readFileSync(path, 'utf8'), 'new');
  assert.is(readFileSync(join(dir, 'old-link'), 'utf8'), 'old', 'the old inode was not written into');
});

test('a failed writeFileAtomic leaves the old file and no temp file', async () => {
  const path = join(dir, 'target');
  mkdirSync(path); // rename of a file over a directory fails
  writeFileSync(join(path, 'keep'), 'k');
  let failed = false;
  try {
    await writeFileAtomic(path, 'data');
  } catch {
    failed = true;
  }
  assert.ok(failed, 'writing over a directory fails');
  assert.equal(readdirSync(dir), ['target'], 'no temp file left');
  assert.is(readFileSync(join(path, 'keep'), 'utf8'), 'k');
});

test('writeFileAtomic into a missing directory fails and creates nothing', async () => {
  let failed = false;
  try {
    await writeFileAtomic(join(dir, 'missing', 'f'), 'x');
  } catch {
    failed = true;
  }
  assert.ok(failed);
  assert.equal(readdirSync(dir), []);
});

test('writeJsonAtomic writes parseable JSON ending in a newline', async () => {
  const path = join(dir, 'v.json');
  await writeJsonAtomic(path, { a: [1, 2], b: 'c' });
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.equal(JSON.parse(text), { a: [1, 2], b: 'c' });
});

test('concurrent writeFileAtomic calls on one path in one process all succeed, one wins whole', async () => {
  const path = join(dir, 'f');
  const results = await Promise.allSettled(['a', 'b', 'c'].map((t) => writeFileAtomic(path, t.repeat(1000))));
  assert.equal(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.ok(['a', 'b', 'c'].map((t) => t.repeat(1000)).includes(readFileSync(path, 'utf8')));
  assert.equal(readdirSync(dir), ['f']);
});

test.run();
