// Downloads for install sources: into a cache under the state root, keyed by the
// file's sha256; an interrupted download resumes (HTTP Range) on the next try; a
// file is verified against its known checksum and size before anything uses it.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { crypto, http, https } from '../core/builtins.js';
import { join } from 'node:path';
import { ZoneError } from '../core/errors.js';
import type { Emit } from './methods.js';

export interface Expected {
  sha256?: string;
  size?: number;
}

export interface DownloadOptions {
  cacheDir: string;
  zone: string;
  emit: Emit;
  expected?: Expected;
}

const MAX_REDIRECTS = 5;
const PROGRESS_EVERY = 1 << 20;

function request(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https().get : http().get;
    const req = get(url, { headers, timeout: 60_000 }, resolve);
    req.on('timeout', () => req.destroy(new Error('no answer for 60 s')));
    req.on('error', reject);
  });
}

/** GET with redirects followed; `from` > 0 asks for the rest of a partial file. */
async function open(url: string, from: number, zone: string): Promise<{ res: IncomingMessage; url: string }> {
  let current = url;
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    let res: IncomingMessage;
    try {
      res = await request(current, from > 0 ? { Range: `bytes=${from}-` } : {});
    } catch (e) {
      throw new ZoneError('install-failed', `download of ${url} failed: ${(e as Error).message}`, { zone });
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status === 200 || status === 206) return { res, url: current };
    res.resume();
    throw new ZoneError('install-failed', `download of ${url} failed: HTTP ${status}`, { zone });
  }
  throw new ZoneError('install-failed', `download of ${url} failed: more than ${MAX_REDIRECTS} redirects`, { zone });
}

async function sha256Of(path: string): Promise<string> {
  const h = crypto().createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function partialPath(cacheDir: string, url: string): string {
  return join(cacheDir, 'partial', crypto().createHash('sha256').update(url).digest('hex'));
}

/** The file at `url`, from the cache when its checksum is known and cached. */
export async function download(url: string, o: DownloadOptions): Promise<string> {
  const want = o.expected?.sha256?.toLowerCase();
  if (want !== undefined && !/^[0-9a-f]{64}$/.test(want)) throw new ZoneError('invalid-file', `malformed sha256 "${want}" for ${url}`, { zone: o.zone });
  mkdirSync(join(o.cacheDir, 'partial'), { recursive: true, mode: 0o700 });
  if (want !== undefined && existsSync(join(o.cacheDir, want))) {
    o.emit({ type: 'phase', zone: o.zone, phase: 'download', message: `using cached ${url}` });
    return join(o.cacheDir, want);
  }
  if (url.startsWith('file://')) return localFile(url, o, want);
  const part = partialPath(o.cacheDir, url);
  const have = existsSync(part) ? statSync(part).size : 0;
  const { res } = await open(url, have, o.zone);
  const resumed = res.statusCode === 206;
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = o.expected?.size ?? (Number.isFinite(length) ? length + (resumed ? have : 0) : 0);
  o.emit({ type: 'phase', zone: o.zone, phase: 'download', message: `${resumed ? `resuming at ${have} bytes: ` : 'downloading '}${url}` });
  let done = resumed ? have : 0;
  let reported = done;
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(part, { flags: resumed ? 'a' : 'w', mode: 0o600 });
    res.on('data', (b: Buffer) => {
      done += b.length;
      if (done - reported >= PROGRESS_EVERY) {
        reported = done;
        o.emit({ type: 'progress', zone: o.zone, phase: 'download', done, total, unit: 'bytes' });
      }
    });
    res.on('aborted', () => out.destroy(new Error('the connection closed early')));
    res.on('error', (e) => out.destroy(e));
    out.on('error', reject);
    out.on('finish', resolve);
    res.pipe(out);
  }).catch((e: unknown) => {
    // The partial file stays: the next install resumes from it.
    throw new ZoneError('install-failed', `download of ${url} stopped at ${done} bytes: ${(e as Error).message}`, {
      zone: o.zone,
      hint: 'run the install again to resume it',
    });
  });
  if (o.expected?.size !== undefined && done !== o.expected.size) {
    rmSync(part, { force: true });
    throw new ZoneError('install-failed', `download of ${url}: ${done} bytes, expected ${o.expected.size}`, { zone: o.zone });
  }
  const got = await sha256Of(part);
  if (want !== undefined && got !== want) {
    rmSync(part, { force: true });
    throw new ZoneError('install-failed', `download of ${url} does not match its sha256 (expected ${want}, got ${got})`, { zone: o.zone });
  }
  const final = join(o.cacheDir, got);
  renameSync(part, final);
  o.emit({ type: 'progress', zone: o.zone, phase: 'download', done, total: total === 0 ? done : total, unit: 'bytes' });
  return final;
}

/** A file:// mirror (a local or NFS copy of one): used where it is, after the same
 * checks a download gets. */
async function localFile(url: string, o: DownloadOptions, want: string | undefined): Promise<string> {
  const path = fileURLToPath(url);
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile()) throw new ZoneError('install-failed', `download of ${url} failed: no such file`, { zone: o.zone });
  if (o.expected?.size !== undefined && st.size !== o.expected.size) {
    throw new ZoneError('install-failed', `download of ${url}: ${st.size} bytes, expected ${o.expected.size}`, { zone: o.zone });
  }
  const got = await sha256Of(path);
  if (want !== undefined && got !== want) {
    throw new ZoneError('install-failed', `download of ${url} does not match its sha256 (expected ${want}, got ${got})`, { zone: o.zone });
  }
  o.emit({ type: 'phase', zone: o.zone, phase: 'download', message: `using ${path}` });
  return path;
}

export function isUrl(s: string): boolean {
  return /^https?:\/\//.test(s);
}
