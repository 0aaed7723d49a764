// The per-zone lock, against real second processes: a live holder is waited for and
// then refused naming its pid; a dead holder's (or a reused pid's) lock is taken over;
// two processes never hold it at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, clientId, processStartTime, type LockOptions, type LockOwner } from '../../src/core/lock.js';
import { LocalStoreFs, type StoreFs } from '../../src/core/store-fs.js';
import { ZoneStore } from '../../src/core/store.js';
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

async function holder(lockPath: string, holdMs?: number): Promise<ChildProcess> {
  const c = spawnChild({
    ZONECTL_LOCK_CHILD: 'hold',
    LOCK_PATH: lockPath,
    LOCK_COMMAND: 'install',
    ...(holdMs === undefined ? {} : { HOLD_MS: String(holdMs) }),
  });
  await says(c, 'locked');
  return c;
}

const local = (): StoreFs => new LocalStoreFs();

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

test('release() does not remove a lock that is no longer ours', async () => {
  const path = join(dir, 'lock.d');
  const lock = await take(path, 1000);
  // Another process took it over meanwhile (e.g. it judged us stale).
  const other: LockOwner = { client: clientId(), pid: 1, start: processStartTime(1) ?? '1', command: 'halt', since: new Date().toISOString() };
  writeFileSync(join(path, 'owner'), JSON.stringify(other));
  await lock.release();
  assert.ok(existsSync(path), "the other process's lock is still there");
  assert.equal(owner(path), other);
});

test('two processes never hold the lock at the same time', async () => {
  const path = join(dir, 'lock.d');
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const go = join(dir, 'go');
  const rounds = 5;
  const procs = [0, 1, 2].map(() =>
    spawnChild({ ZONECTL_LOCK_CHILD: 'critical', LOCK_PATH: path, LOG_PATH: log, GO_PATH: go, ROUNDS: String(rounds), HOLD_MS: '15' }),
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
