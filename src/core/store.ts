// The zone store: one directory per zone under STATE_ROOT/zones, holding zone.json
// (configuration) and state.json (life-cycle state), each replaced atomically, and the
// zone's lock. Creation and deletion are a directory rename, so a zone exists whole or not.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic, fsyncDir } from './atomic.js';
import { ZoneError, errnoCode } from './errors.js';
import { acquireLock, type ZoneLock } from './lock.js';
import { ZONE_STATES, isValidZoneName, type ZoneRecord, type ZoneStatus } from './zone.js';

export interface StoredZone {
  record: ZoneRecord;
  status: ZoneStatus;
}

export class ZoneStore {
  readonly zonesDir: string;

  constructor(readonly root: string) {
    this.zonesDir = join(root, 'zones');
  }

  dir(name: string): string {
    return join(this.zonesDir, name);
  }

  defaultZonepath(name: string): string {
    return this.dir(name);
  }

  async names(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.zonesDir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    return entries.filter((n) => !n.startsWith('.')).sort();
  }

  async exists(name: string): Promise<boolean> {
    return (await this.tryRead(name)) !== undefined;
  }

  async read(name: string): Promise<StoredZone> {
    const z = await this.tryRead(name);
    if (z === undefined) {
      throw new ZoneError('not-found', `zone "${name}" does not exist`, {
        zone: name,
        hint: 'zonectl list shows the zones; zonectl create makes one',
      });
    }
    return z;
  }

  async tryRead(name: string): Promise<StoredZone | undefined> {
    // A name that could not have been created cannot exist, and must not reach a path.
    if (!isValidZoneName(name)) return undefined;
    const dir = this.dir(name);
    const record = await readJson(join(dir, 'zone.json'));
    if (record === undefined) return undefined;
    const status = await readJson(join(dir, 'state.json'));
    return { record: asRecord(record, join(dir, 'zone.json')), status: asStatus(status, join(dir, 'state.json')) };
  }

  /** Makes the zone's directory whole in one rename; refuses a name that exists. */
  async create(record: ZoneRecord, status: ZoneStatus): Promise<void> {
    await mkdir(this.zonesDir, { recursive: true, mode: 0o700 });
    const tmp = join(this.zonesDir, `.new-${record.name}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
    try {
      await writeJsonAtomic(join(tmp, 'zone.json'), record);
      await writeJsonAtomic(join(tmp, 'state.json'), status);
      await rename(tmp, this.dir(record.name));
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      if (errnoCode(e) === 'EEXIST' || errnoCode(e) === 'ENOTEMPTY') {
        throw new ZoneError('exists', `zone "${record.name}" already exists`, {
          zone: record.name,
          hint: `zonectl info ${record.name} shows it; pick another name or delete it first`,
        });
      }
      throw e;
    }
    await fsyncDir(this.zonesDir);
  }

  async writeRecord(record: ZoneRecord): Promise<void> {
    await writeJsonAtomic(join(this.dir(record.name), 'zone.json'), record);
  }

  async writeStatus(name: string, status: ZoneStatus): Promise<void> {
    await writeJsonAtomic(join(this.dir(name), 'state.json'), status);
  }

  /** Removes the zone's directory: renamed away first so no reader sees half a zone. */
  async destroy(name: string): Promise<void> {
    const trash = join(this.zonesDir, `.deleted-${name}-${process.pid}-${Date.now()}`);
    await rename(this.dir(name), trash);
    await fsyncDir(this.zonesDir);
    await rm(trash, { recursive: true, force: true });
  }

  lock(name: string, command: string, timeoutMs: number): Promise<ZoneLock> {
    return acquireLock(join(this.dir(name), 'lock'), name, command, timeoutMs);
  }
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ZoneError('invalid-file', `${path}: not valid JSON (${(e as Error).message})`, {
      hint: 'the zone store was edited or damaged by hand; restore the file or remove the zone directory',
    });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown, path: string): ZoneRecord {
  if (
    isObject(v) &&
    typeof v.name === 'string' &&
    typeof v.brand === 'string' &&
    typeof v.zonepath === 'string' &&
    isObject(v.config)
  ) {
    return v as unknown as ZoneRecord;
  }
  throw new ZoneError('invalid-file', `${path}: not a zone configuration (needs name, brand, zonepath, config)`);
}

function asStatus(v: unknown, path: string): ZoneStatus {
  if (isObject(v) && typeof v.state === 'string' && (ZONE_STATES as readonly string[]).includes(v.state)) {
    return v as unknown as ZoneStatus;
  }
  throw new ZoneError('invalid-file', `${path}: missing or unknown zone state`);
}
