// Durable file replacement: a reader sees the old file or the new one, never half of
// either, and after return the new one survives a power cut (temp, fsync, rename, fsync
// dir). The calls are synchronous: a state file is a few hundred bytes, and every
// verb's state writes sit on its path (boot's too), where a thread-pool round trip per
// call costs more than the call.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  fsyncDirSync(dir);
}

let tmpCounter = 0;

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there: nothing to clean.
  }
}

export function writeFileAtomicSync(path: string, data: string, mode = 0o644): void {
  const dir = dirname(path);
  // pid + counter: unique across processes and across concurrent writes in this one.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkQuietly(tmp);
    throw e;
  }
  fsyncDirSync(dir);
}

export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  writeFileAtomicSync(path, data, mode);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
