// The zone store: one directory per zone under STATE_ROOT/zones, holding zone.json
// (configuration) and state.json (life-cycle state), each replaced atomically, and the
// zone's lock, lock.d (see lock.ts). Creation and deletion are a directory rename, so a
// zone exists whole or not.
import { join } from 'node:path';
import { ZoneError } from './errors.js';
import { acquireLock, type ZoneLock } from './lock.js';
import { LocalStoreFs, type StoreFs } from './store-fs.js';
import { ZONE_STATES, isValidZoneName, type ZoneRecord, type ZoneStatus } from './zone.js';

export interface StoredZone {
  record: ZoneRecord;
  status: ZoneStatus;
}

export class ZoneStore {
  readonly zonesDir: string;

  constructor(
    readonly root: string,
    readonly fs: StoreFs = new LocalStoreFs(),
  ) {
    this.zonesDir = join(root, 'zones');
  }

  dir(name: string): string {
    return join(this.zonesDir, name);
  }

  defaultZonepath(name: string): string {
    return this.dir(name);
  }

  async names(): Promise<string[]> {
    return (await this.fs.list(this.zonesDir)).filter((n) => !n.startsWith('.') && isValidZoneName(n)).sort();
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
    const [zone] = await this.readMany([name]);
    return zone?.();
  }

  /** Reads the zones' files in one call; each entry, when called, gives the zone (or
   * undefined if it has no zone.json) or throws for a damaged file, so one broken zone
   * does not hide the others. */
  async readMany(names: string[]): Promise<Array<() => StoredZone | undefined>> {
    const paths = names.flatMap((n) => [join(this.dir(n), 'zone.json'), join(this.dir(n), 'state.json')]);
    const texts = await this.fs.readTexts(paths);
    return names.map((_, i) => () => {
      const [zonePath, statePath] = [paths[2 * i] as string, paths[2 * i + 1] as string];
      const record = parseJson(texts[2 * i], zonePath);
      if (record === undefined) return undefined;
      return { record: asRecord(record, zonePath), status: asStatus(parseJson(texts[2 * i + 1], statePath), statePath) };
    });
  }

  /** Makes the zone's directory whole in one step; refuses a name that exists. */
  async create(record: ZoneRecord, status: ZoneStatus): Promise<void> {
    // zone.json last: a directory without it is not a zone to any reader.
    const made = await this.fs.createDir(this.dir(record.name), [
      ['state.json', jsonText(status)],
      ['zone.json', jsonText(record)],
    ]);
    if (!made) {
      throw new ZoneError('exists', `zone "${record.name}" already exists`, {
        zone: record.name,
        hint: `zonectl info ${record.name} shows it; pick another name or delete it first`,
      });
    }
  }

  async writeRecord(record: ZoneRecord): Promise<void> {
    await this.fs.writeAtomic(join(this.dir(record.name), 'zone.json'), jsonText(record));
  }

  async writeStatus(name: string, status: ZoneStatus): Promise<void> {
    await this.fs.writeAtomic(join(this.dir(name), 'state.json'), jsonText(status));
  }

  /** Removes the zone's directory: renamed away first so no reader sees half a zone. */
  async destroy(name: string): Promise<void> {
    await this.fs.removeDir(this.dir(name));
  }

  lock(name: string, command: string, timeoutMs: number): Promise<ZoneLock> {
    return acquireLock(this.fs, join(this.dir(name), 'lock.d'), name, command, { timeoutMs, pollMs: this.fs.lockPollMs, where: this.fs.where });
  }
}

function parseJson(text: string | undefined, path: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ZoneError('invalid-file', `${path}: not valid JSON (${(e as Error).message})`, {
      hint: 'the zone store was edited or damaged by hand; restore the file or remove the zone directory',
    });
  }
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown, path: string): ZoneRecord {
  if (isObject(v) && typeof v.name === 'string' && typeof v.brand === 'string' && typeof v.zonepath === 'string' && isObject(v.config)) {
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
