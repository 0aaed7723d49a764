// The per-zone lock, against real second processes: a live holder is waited for and
// then refused naming its pid; a dead holder's (or a reused pid's) lock is taken over;
// two processes never hold it at once. One protocol (a lock.d directory holding its
// owner): a lock kept with Node's fs (LocalStoreFs) and one kept with a host's shell
// tools (RemoteStoreFs, here through a LocalExecutor) see each other, and both stores
// keep the same primitives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, clientId, processStartTime, type LockOptions, type LockOwner } from '../../src/core/lock.js';
import { LocalStoreFs, type StoreFs } from '../../src/core/store-fs.js';
import { ZoneStore } from '../../src/core/store.js';
import { LocalExecutor } from '../../src/transport/local.js';
import { RemoteStoreFs } from '../../src/transport/store-over-executor.js';
import { rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const CHILD = join(HERE, 'fixtures', 'lock-child.ts');

let dir = '';
let children: ChildProcess[] = [];

test.before.each(() => {
  dir = makeTempDir();
  children = [];
});
test.after.each(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeTempDir(dir);
});

function spawnChild(env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  return c;
}

function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves once the child prints `word PID`. */
function says(c: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`${word} ${c.pid}`)) resolve();
    });
    c.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.once('exit', (code) => reject(new Error(`lock child exited (${code}) before "${word}": ${err}`)));
  });
}

async function holder(lockPath: string, holdMs?: number, lockFs: 'local' | 'remote' = 'local'): Promise<ChildProcess> {
  const c = spawnChild({
    ZONECTL_LOCK_CHILD: 'hold',
    LOCK_PATH: lockPath,
    LOCK_COMMAND: 'install',
    LOCK_FS: lockFs,
    ...(holdMs === undefined ? {} : { HOLD_MS: String(holdMs) }),
  });
  await says(c, 'locked');
  return c;
}

const local = (): StoreFs => new LocalStoreFs();
const remote = (): StoreFs => new RemoteStoreFs(new LocalExecutor());

/** Takes the lock at lockDir as a zonectl running `boot` would. */
function take(lockDir: string, timeoutMs: number, fs: StoreFs = local(), more: Partial<LockOptions> = {}) {
  return acquireLock(fs, lockDir, 'web', 'boot', { timeoutMs, pollMs: fs.lockPollMs, ...more });
}

function owner(lockDir: string): LockOwner {
  return JSON.parse(readFileSync(join(lockDir, 'owner'), 'utf8')) as LockOwner;
}

/** A lock directory as another zonectl would have left it. */
function plant(lockDir: string, ownerText: string | undefined): void {
  mkdirSync(lockDir);
  if (ownerText !== undefined) writeFileSync(join(lockDir, 'owner'), ownerText);
}

function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn('true');
    c.on('exit', () => resolve(c.pid as number));
  });
}

function sleeper(): number {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c.pid as number;
}

test('a second process waits for a live holder, then fails with "locked" naming it', async () => {
  const path = join(dir, 'lock.d');
  const c = await holder(path);
  const t0 = Date.now();
  const e = await rejectsZoneError(take(path, 400), 'locked');
  const waited = Date.now() - t0;
  assert.ok(waited >= 350, `waited ${waited} ms of the 400 ms bound`);
  assert.ok(e.message.includes(`is busy: pid ${c.pid} (zonectl install) on ${clientId()} has held its lock since `), e.message);
  assert.ok(e.message.includes('"web"'), e.message);
  assert.ok(e.message.includes(owner(path).since), `says since when: ${e.message}`);
  assert.is(e.zone, 'web');
  assert.match(e.hint ?? '', /--lock-timeout/);
  assert.not.match(e.hint ?? '', /remove/, 'a live holder of this machine is not for removing by hand');
  assert.not.ok(e.message.includes('\n'));
  assert.is(owner(path).pid, c.pid, 'the holder still holds it');
  assert.equal(readdirSync(dir), ['lock.d'], 'the waiter left nothing beside the lock');
  assert.equal(readdirSync(path), ['owner'], 'the lock holds its owner and nothing else');
});

test('a waiter gets the lock once the holder releases it', async () => {
  const path = join(dir, 'lock.d');
  const c = await holder(path, 300);
  const t0 = Date.now();
  const lock = await take(path, 10_000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 150, `it waited for the holder (${waited} ms)`);
  assert.is(owner(path).pid, process.pid);
  assert.is((await exited(c)).code, 0);
  await lock.release();
  assert.not.ok(existsSync(path));
});

test('the lock of a process that was killed is taken over', async () => {
  const path = join(dir, 'lock.d');
  const c = await holder(path);
  c.kill('SIGKILL');
  await exited(c);
  assert.is(owner(path).pid, c.pid, 'the dead process left its lock');
  const lock = await take(path, 2000);
  const now = owner(path);
  assert.is(now.pid, process.pid);
  assert.is(now.client, clientId());
  assert.is(now.command, 'boot');
  assert.is(now.start, processStartTime(process.pid));
  await lock.release();
  assert.equal(readdirSync(dir), [], 'no lock, temp or guard left');
});

test('a lock whose pid is alive but started at another time (pid reuse) is taken over', async () => {
  const path = join(dir, 'lock.d');
  const pid = sleeper();
  const real = processStartTime(pid);
  assert.ok(real !== undefined, 'the sleeper has a start time');
  const stale: LockOwner = { client: clientId(), pid, start: String(Number(real) + 12345), command: 'install', since: '2020-01-01T00:00:00.000Z' };
  plant(path, JSON.stringify(stale));
  const lock = await take(path, 1000);
  assert.is(owner(path).pid, process.pid);
  await lock.release();
});

test('a lock whose pid is alive with the same start time is honoured', async () => {
  const path = join(dir, 'lock.d');
  const pid = sleeper();
  const live: LockOwner = { client: clientId(), pid, start: processStartTime(pid) ?? '', command: 'halt', since: '2020-01-01T00:00:00.000Z' };
  plant(path, JSON.stringify(live));
  const e = await rejectsZoneError(take(path, 150), 'locked');
  assert.ok(e.message.includes(`pid ${pid} (zonectl halt)`), e.message);
  assert.equal(owner(path), live, 'the live lock is left alone');
});

test('a lock of another client machine is never taken over, even when its pid is not running here', async () => {
  const path = join(dir, 'lock.d');
  const theirs: LockOwner = { client: 'laptop-of-someone-else', pid: await deadPid(), start: '1', command: 'install', since: '2020-01-01T00:00:00.000Z' };
  const text = JSON.stringify(theirs);
  plant(path, text);
  for (const fs of [local(), remote()]) {
    const e = await rejectsZoneError(take(path, 300, fs), 'locked');
    assert.ok(e.message.includes(`pid ${theirs.pid} (zonectl install) on laptop-of-someone-else has held its lock since 2020-01-01T00:00:00.000Z`), e.message);
    assert.ok((e.hint ?? '').includes(`if that zonectl is gone, remove ${path}`), e.hint);
  }
  assert.is(readFileSync(join(path, 'owner'), 'utf8'), text, 'their lock is untouched');
});

test('an owner file of garbage is taken over once it stays so for the grace period', async () => {
  const path = join(dir, 'lock.d');
  plant(path, 'not json');
  const t0 = Date.now();
  const lock = await take(path, 5000, local(), { graceMs: 300 });
  assert.ok(Date.now() - t0 >= 300, 'it waited out the grace period');
  assert.is(owner(path).pid, process.pid);
  await lock.release();
  assert.equal(readdirSync(dir), []);
});

test('a lock directory without an owner (a crash right after mkdir) is taken over after the grace period', async () => {
  const path = join(dir, 'lock.d');
  plant(path, undefined);
  const lock = await take(path, 5000, remote(), { graceMs: 300 });
  assert.is(owner(path).pid, process.pid);
  await lock.release();
  assert.equal(readdirSync(dir), []);
});

test('within the grace period an unreadable owner is waited for and refused, and left alone', async () => {
  const path = join(dir, 'lock.d');
  plant(path, '{"pid": 1');
  const e = await rejectsZoneError(take(path, 200), 'locked');
  assert.ok(e.message.includes(`its lock ${path} names no readable owner`), e.message);
  assert.match(e.hint ?? '', /--lock-timeout/);
  assert.is(readFileSync(join(path, 'owner'), 'utf8'), '{"pid": 1');
});

test('a takeover guard left by a dead taker is cleared, then the stale lock is taken over', async () => {
  const path = join(dir, 'lock.d');
  plant(path, JSON.stringify({ client: clientId(), pid: await deadPid(), start: '1', command: 'boot', since: 'then' }));
  mkdirSync(`${path}.takeover`);
  const e = await rejectsZoneError(take(path, 100, local(), { guardStaleMs: 10_000 }), 'locked');
  assert.match(e.message, /another zonectl is taking over its stale lock/);
  assert.ok((e.hint ?? '').includes(`${path}.takeover`), e.hint);
  const lock = await take(path, 3000, remote(), { guardStaleMs: 300 });
  assert.is(owner(path).pid, process.pid);
  await lock.release();
  assert.equal(readdirSync(dir), []);
});

test('release() removes our own lock', async () => {
  const path = join(dir, 'lock.d');
  const lock = await take(path, 1000);
  assert.ok(existsSync(path));
  await lock.release();
  assert.not.ok(existsSync(path));
  await lock.release(); // twice is harmless
  const again = await take(path, 0);
  await again.release();
});

for (const [name, fs] of [
  ['LocalStoreFs', local],
  ['RemoteStoreFs', remote],
] as const) {
  test(`${name}: release() does not remove a lock that is no longer ours`, async () => {
    const path = join(dir, 'lock.d');
    const lock = await take(path, 1000, fs());
    // Another process took it over meanwhile (e.g. it judged us stale).
    const other: LockOwner = { client: clientId(), pid: 1, start: processStartTime(1) ?? '1', command: 'halt', since: new Date().toISOString() };
    writeFileSync(join(path, 'owner'), JSON.stringify(other));
    await lock.release();
    assert.ok(existsSync(path), "the other process's lock is still there");
    assert.equal(owner(path), other);
  });
}

test('two processes never hold the lock at the same time, whichever store keeps it', async () => {
  const path = join(dir, 'lock.d');
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const go = join(dir, 'go');
  const rounds = 5;
  const procs = ['local', 'remote', 'local'].map((lockFs) =>
    spawnChild({ ZONECTL_LOCK_CHILD: 'critical', LOCK_FS: lockFs, LOCK_PATH: path, LOG_PATH: log, GO_PATH: go, ROUNDS: String(rounds), HOLD_MS: '15' }),
  );
  // All three start contending at the same moment.
  await Promise.all(procs.map((p) => says(p, 'ready')));
  writeFileSync(go, '');
  const errs = procs.map((p) => {
    let s = '';
    p.stderr?.on('data', (d: Buffer) => (s += d.toString()));
    return () => s;
  });
  const results = await Promise.all(procs.map(exited));
  results.forEach((r, i) => assert.is(r.code, 0, `child ${i} failed: ${errs[i]?.()}`));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.is(lines.length, procs.length * rounds * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const start = /^start (\d+)$/.exec(lines[i] ?? '');
    const end = /^end (\d+)$/.exec(lines[i + 1] ?? '');
    assert.ok(start !== null && end !== null && start[1] === end[1], `interleaved at line ${i + 1}: ${lines.slice(i, i + 2).join(' | ')}`);
  }
  for (const p of procs) assert.is(lines.filter((l) => l === `start ${p.pid}`).length, rounds);
  assert.not.ok(existsSync(path), 'the last holder released it');
  assert.equal(readdirSync(dir).sort(), ['go', 'log'], 'no temp or guard left');
});

// One protocol: whichever store took the lock, the other sees it held.
for (const [holdName, holdFs, waitName, waitFs] of [
  ['LocalStoreFs', local, 'RemoteStoreFs', remote],
  ['RemoteStoreFs', remote, 'LocalStoreFs', local],
] as const) {
  test(`a lock taken by ${holdName} is held for ${waitName} on the same directory`, async () => {
    const path = join(dir, 'lock.d');
    const held = await acquireLock(holdFs(), path, 'web', 'install', { timeoutMs: 1000, pollMs: 50 });
    assert.is(owner(path).client, clientId());
    const e = await rejectsZoneError(take(path, 300, waitFs()), 'locked');
    assert.ok(e.message.includes(`pid ${process.pid} (zonectl install) on ${clientId()} has held its lock since`), e.message);
    await held.release();
    assert.not.ok(existsSync(path));
    const mine = await take(path, 300, waitFs());
    assert.is(owner(path).command, 'boot');
    await mine.release();
    assert.equal(readdirSync(dir), []);
  });

  test(`a lock left by a killed zonectl using ${holdName} is taken over by ${waitName}`, async () => {
    const path = join(dir, 'lock.d');
    const c = await holder(path, undefined, holdFs === local ? 'local' : 'remote');
    c.kill('SIGKILL');
    await exited(c);
    assert.is(owner(path).pid, c.pid);
    const lock = await take(path, 2000, waitFs());
    assert.is(owner(path).pid, process.pid);
    await lock.release();
    assert.equal(readdirSync(dir), []);
  });
}

// The primitives, kept alike by both stores.
for (const [name, fs] of [
  ['LocalStoreFs', local],
  ['RemoteStoreFs', remote],
] as const) {
  test(`${name}: tryMake makes the lock whole, or says it is held or has no zone directory`, async () => {
    const path = join(dir, 'lock.d');
    assert.is(await fs().tryMake(path, 'A'), 'made');
    assert.equal(readdirSync(path), ['owner'], 'no temp file left in the lock');
    assert.is(readFileSync(join(path, 'owner'), 'utf8'), 'A');
    assert.is(await fs().tryMake(path, 'B'), 'held');
    assert.is(await fs().readOwner(path), 'A');
    assert.is(await fs().tryMake(join(dir, 'nozone', 'lock.d'), 'A'), 'missing-parent');
    assert.is(await fs().readOwner(join(dir, 'nozone', 'lock.d')), undefined);
  });

  test(`${name}: removeIf removes the lock only while it holds that owner; '' is "no owner"`, async () => {
    const path = join(dir, 'lock.d');
    plant(path, 'A\n');
    await fs().removeIf(path, 'A');
    assert.ok(existsSync(path), 'compared byte for byte');
    await fs().removeIf(path, '');
    assert.ok(existsSync(path));
    await fs().removeIf(path, 'A\n');
    assert.not.ok(existsSync(path));
    await fs().removeIf(path, 'A\n'); // gone already: nothing to do
    plant(path, undefined);
    await fs().removeIf(path, 'A');
    assert.ok(existsSync(path));
    await fs().removeIf(path, '');
    assert.equal(readdirSync(dir), []);
  });

  test(`${name}: takeOver removes the stale lock under the guard, and does nothing while another holds the guard`, async () => {
    const path = join(dir, 'lock.d');
    plant(path, 'stale');
    mkdirSync(`${path}.takeover`);
    assert.is(await fs().takeOver(path, 'stale'), false);
    assert.ok(existsSync(path));
    await fs().clearGuard(path);
    assert.is(await fs().takeOver(path, 'fresh'), true);
    assert.ok(existsSync(path), 'not the owner it judged stale: left alone');
    assert.is(await fs().takeOver(path, 'stale'), true);
    assert.equal(readdirSync(dir), [], 'lock and guard gone');
  });
}

test('locking a zone that does not exist is "not-found"', async () => {
  const store = new ZoneStore(dir);
  const e = await rejectsZoneError(store.lock('ghost', 'boot', 100), 'not-found');
  assert.match(e.message, /"ghost"/);
});

test('ZoneStore.lock takes lock.d inside the zone directory', async () => {
  const store = new ZoneStore(dir);
  mkdirSync(store.dir('web'), { recursive: true });
  const lock = await store.lock('web', 'boot', 100);
  assert.is(owner(join(store.dir('web'), 'lock.d')).pid, process.pid);
  await lock.release();
  assert.equal(readdirSync(store.dir('web')), []);
});

test.run();
