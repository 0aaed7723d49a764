// Shared by the integration tests: run the built CLI against a temporary state root,
// and leave nothing behind (containers deleted, roots removed) whatever a test did.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(process.cwd(), 'dist', 'zonectl.mjs');
/** zonectl's command line, run with the module that stops it at a named step
 * (ZONECTL_TEST_STOP_AT; see test/fixtures/stop-at.mjs). */
export const CLI_STOPPABLE = ['--import', join(process.cwd(), 'test', 'fixtures', 'stop-at.mjs'), CLI];

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function requireRootAndRunc(): void {
  if (process.getuid?.() !== 0) throw new Error('integration tests run real zones and need root (CI runs them as root)');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (spawnSync('runc', ['--version']).status !== 0) throw new Error('runc is not installed: run .ci/run or apt-get install runc');
}

export function makeRoot(): string {
  return mkdtempSync(join(tmpdir(), 'zonectl-it-'));
}

export function zonectl(root: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, '--root', root, ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    timeout: 120_000,
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Runs zonectl and fails the test with its stderr when it does not exit 0. */
export function ok(root: string, args: string[], opts: { input?: string } = {}): Result {
  const r = zonectl(root, args, opts);
  if (r.code !== 0) throw new Error(`zonectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

export function json<T>(root: string, args: string[]): T {
  return JSON.parse(ok(root, [...args, '--json']).stdout) as T;
}

/** Deletes every container the root's runtime state knows, unmounts what is mounted
 * under it (overlay roots a failed test left), then removes the root itself. */
export function cleanup(root: string): void {
  const runcRoot = join(root, 'runtime', 'runc');
  if (existsSync(runcRoot)) {
    const list = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
    for (const id of list.stdout.split('\n').filter((l) => l !== '')) {
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(root, { recursive: true, force: true });
}

/** Every path's type, mode, owner, size, link target and (for files) content hash,
 * sorted: what "the same tree" means to a user. Lines matching `except` are left out. */
export function treeManifest(dir: string, except: RegExp = /^$/): string[] {
  const r = spawnSync('sh', ['-c', "find . -printf '%p %y %m %U %G %s %l\\n' | sort"], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const hashes = spawnSync('sh', ['-c', 'find . -type f -exec sha256sum {} + | sort -k2'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const byPath = new Map(
    hashes.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => [l.slice(66), l.slice(0, 16)] as const),
  );
  return r.stdout
    .split('\n')
    .filter((l) => l !== '' && !except.test(l))
    .map((l) => {
      const f = l.split(' ');
      if (f[1] === 'd') f[5] = '-'; // a directory's size is the filesystem's business
      return f[1] === 'f' ? `${l} ${byPath.get(f[0] ?? '') ?? '?'}` : f.join(' ');
    });
}

/** Every path under dir with its type, mode, size and content hash: equal snapshots
 * mean nothing on disk changed (lock files excluded: a refused command may have
 * taken and released the lock). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const p = join(d, e);
      const st = lstatSync(p);
      let what = `${st.mode.toString(8)}:${st.size}`;
      if (st.isSymbolicLink()) what += `->${readlinkSync(p)}`;
      else if (st.isFile()) what += `:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      out.set(p.slice(dir.length), what);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

export function oneLine(text: string): boolean {
  return text.trim() !== '' && !text.trim().includes('\n');
}

/** The process's state letter from /proc (R, S, T for stopped, Z...), or undefined if gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Waits (up to 30 s) until a process has stopped itself with SIGSTOP. */
export function waitUntilStopped(pid: number): boolean {
  for (let i = 0; i < 600 && processState(pid) !== 'T'; i++) spawnSync('sleep', ['0.05']);
  return processState(pid) === 'T';
}

/** True once the process is gone (or a zombie waiting for its reaper), polling up to 5 s:
 * killing is immediate but the kernel and the reaper finish a moment later. */
export function processGone(pid: number): boolean {
  const deadline = Date.now() + 5000;
  for (;;) {
    const state = processState(pid);
    if (state === undefined || state === 'Z' || state === 'X') return true;
    if (Date.now() > deadline) return false;
    spawnSync('sleep', ['0.05']);
  }
}

/** Runs `zonectl ARGS` until it stops itself at `stopAt` (ZONECTL_TEST_STOP_AT), calls
 * `atStop` there, then kills it with SIGKILL: a crash at a known point. */
export async function killedAt(root: string, args: string[], stopAt: string, atStop: () => void = () => undefined): Promise<void> {
  const child = spawn(process.execPath, [...CLI_STOPPABLE, '--root', root, ...args], { env: { ...process.env, ZONECTL_TEST_STOP_AT: stopAt }, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  if (!waitUntilStopped(child.pid as number)) {
    child.kill('SIGKILL');
    throw new Error(`zonectl ${args.join(' ')} never reached its stop point ${stopAt}`);
  }
  atStop();
  child.kill('SIGKILL');
  await exited;
}

/** zonectl run without blocking this process: for tests that serve HTTP themselves. */
export function zonectlAsync(root: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--root', root, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

export interface PackEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  body?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
}

/** A tar made entry by entry with tar-stream: archives no honest tar would make. */
export async function packTar(entries: PackEntry[]): Promise<Buffer> {
  const ts = await import('tar-stream');
  const p = ts.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const { body, ...header } = e;
    const mode = e.type === 'directory' ? 0o755 : 0o644;
    await new Promise<void>((resolve, reject) => p.entry({ type: 'file', mode, mtime: new Date('2001-02-03T04:05:06Z'), ...header }, body ?? '', (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
