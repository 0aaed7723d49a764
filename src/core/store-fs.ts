// The file operations the zone store needs, and nothing more: read a file, replace one
// atomically, list a directory, make a zone directory whole, remove one, and take a
// zone's lock. Here they are Node's fs calls; on a managed host (hosts/remote-store-fs.ts)
// the same rules are kept with the host's POSIX tools through an Executor.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic.js';
import { errnoCode } from './errors.js';
import { acquireLock, type ZoneLock } from './lock.js';

export interface StoreFs {
  /** The file's text, or undefined when it (or its directory) does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Several files at once (one round trip on a managed host), in order. */
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
  lock(path: string, zone: string, command: string, timeoutMs: number): Promise<ZoneLock>;
}

export class LocalStoreFs implements StoreFs {
  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  readTexts(paths: string[]): Promise<Array<string | undefined>> {
    return Promise.all(paths.map((p) => this.readText(p)));
  }

  writeAtomic(path: string, text: string): Promise<void> {
    return writeFileAtomic(path, text);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
  }

  async createDir(dir: string, files: Array<[string, string]>): Promise<boolean> {
    const parent = join(dir, '..');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const tmp = join(parent, `.new-${basename(dir)}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
    try {
      for (const [name, text] of files) await writeFileAtomic(join(tmp, name), text);
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      if (errnoCode(e) === 'EEXIST' || errnoCode(e) === 'ENOTEMPTY') return false;
      throw e;
    }
    await fsyncDir(parent);
    return true;
  }

  async removeDir(dir: string): Promise<void> {
    const trash = join(dir, '..', `.deleted-${basename(dir)}-${process.pid}-${Date.now()}`);
    await rename(dir, trash);
    await fsyncDir(join(dir, '..'));
    await rm(trash, { recursive: true, force: true });
  }

  lock(path: string, zone: string, command: string, timeoutMs: number): Promise<ZoneLock> {
    return acquireLock(path, zone, command, timeoutMs);
  }
}
