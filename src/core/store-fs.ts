// The file operations the zone store needs, and nothing more: read a file, replace one
// atomically, list a directory, make a zone directory whole, remove one, and the
// primitives of the zone lock (core/lock.ts holds its one algorithm). Here they are
// Node's fs calls; on a FreeBSD or illumos host (transport/store-over-executor.ts) the same rules
// are kept with the host's POSIX tools through an Executor.
import { linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fsyncDirSync, writeFileAtomicSync } from './atomic.js';
import { errnoCode } from './errors.js';
import type { LockFs } from './lock.js';

/** A name no other process or call of this one uses (pid + counter). */
let uniqueCounter = 0;
const unique = (): string => `${process.pid}-${Date.now().toString(36)}-${uniqueCounter++}`;

const quietly = (fn: () => void): void => {
  try {
    fn();
  } catch {
    // What is being removed is already gone, or was never made.
  }
};

export interface StoreFs extends LockFs {
  /** The file's text, or undefined when it (or its directory) does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Several files at once (one round trip over ssh), in order. */
  readTexts(paths: string[]): Promise<Array<string | undefined>>;
  /** Replaces the file so a reader sees the old or the new text, durably. */
  writeAtomic(path: string, text: string): Promise<void>;
  /** Entry names of a directory; none when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Makes `dir` holding these files in one step; false if `dir` exists already.
   * The files are written in order, the last one being what makes the directory count. */
  createDir(dir: string, files: Array<[string, string]>): Promise<boolean>;
  /** Removes a directory: moved aside first, so no reader sees half of it. */
  removeDir(dir: string): Promise<void>;
  /** How often a lock waiter looks again. */
  readonly lockPollMs: number;
  /** Where the store is, for messages; undefined for this machine's. */
  readonly where: string | undefined;
}

// Node's fs calls, made synchronously: each is a few microseconds on small local files,
// where a thread-pool round trip costs a command start-up time (the store and the lock
// are on every command's path, exec's and boot's included). The interface stays
// asynchronous for the store over ssh.
export class LocalStoreFs implements StoreFs {
  readonly lockPollMs = 50;
  readonly where = undefined;

  async readText(path: string): Promise<string | undefined> {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  readTexts(paths: string[]): Promise<Array<string | undefined>> {
    return Promise.all(paths.map((p) => this.readText(p)));
  }

  async writeAtomic(path: string, text: string): Promise<void> {
    writeFileAtomicSync(path, text);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return readdirSync(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
  }

  async createDir(dir: string, files: Array<[string, string]>): Promise<boolean> {
    const parent = join(dir, '..');
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const tmp = join(parent, `.new-${basename(dir)}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: 0o700 });
    try {
      for (const [name, text] of files) writeFileAtomicSync(join(tmp, name), text);
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (errnoCode(e) === 'EEXIST' || errnoCode(e) === 'ENOTEMPTY') return false;
      throw e;
    }
    fsyncDirSync(parent);
    return true;
  }

  async removeDir(dir: string): Promise<void> {
    const trash = join(dir, '..', `.deleted-${basename(dir)}-${unique()}`);
    renameSync(dir, trash);
    fsyncDirSync(join(dir, '..'));
    rmSync(trash, { recursive: true, force: true });
  }

  async tryMake(lockDir: string, ownerText: string): Promise<'made' | 'held' | 'missing-parent'> {
    try {
      mkdirSync(lockDir, { mode: 0o700 });
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return 'held';
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return 'missing-parent';
      throw e;
    }
    // The owner is written aside and linked in, so it appears whole; link (unlike
    // rename) never replaces an owner that landed first.
    const tmp = join(lockDir, `.owner-${unique()}`);
    try {
      writeFileSync(tmp, ownerText, { mode: 0o600 });
      linkSync(tmp, join(lockDir, 'owner'));
    } catch (e) {
      quietly(() => unlinkSync(tmp));
      // Taken over meanwhile, or another owner is in it: someone else's lock.
      if (errnoCode(e) === 'EEXIST' || errnoCode(e) === 'ENOENT') return 'held';
      quietly(() => rmdirSync(lockDir)); // only while empty: never another's owner
      throw e;
    }
    unlinkSync(tmp);
    return 'made';
  }

  async readOwner(lockDir: string): Promise<string | undefined> {
    try {
      return readFileSync(join(lockDir, 'owner'), 'utf8');
    } catch (e) {
      // No owner yet (or no lock); an owner that is not a file is no owner either.
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errnoCode(e) ?? '')) return undefined;
      throw e;
    }
  }

  async removeIf(lockDir: string, ownerText: string): Promise<void> {
    if (((await this.readOwner(lockDir)) ?? '') !== ownerText) return;
    const aside = `${lockDir}.gone-${unique()}`;
    try {
      renameSync(lockDir, aside);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    rmSync(aside, { recursive: true, force: true });
  }

  async takeOver(lockDir: string, staleText: string): Promise<boolean> {
    try {
      mkdirSync(`${lockDir}.takeover`);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw e;
    }
    try {
      await this.removeIf(lockDir, staleText);
    } finally {
      quietly(() => rmdirSync(`${lockDir}.takeover`));
    }
    return true;
  }

  async clearGuard(lockDir: string): Promise<void> {
    quietly(() => rmdirSync(`${lockDir}.takeover`));
  }
}
