// What every verb needs: the store, the backend for this host, and the user's global
// options. Built once per CLI run; the backend only when a verb touches the runtime.
import { configValue } from '../core/config.js';
import { ZoneStore } from '../core/store.js';
import type { Backend, ZoneHandle } from '../backends/backend.js';
import type { ManagedBackend } from '../backends/tool-backend.js';
import type { StoreFs } from '../core/store-fs.js';
import { LinuxBackend } from '../backends/linux/backend.js';
import type { ZoneRecord, ZoneStatus } from '../core/zone.js';

export interface Options {
  root: string;
  lockTimeoutMs: number;
  /** --runtime: overrides the zone's runtime config for boots made in this run. */
  runtime?: string;
  /** Where notes that do not stop a verb go (the CLI prints them on stderr). */
  warn?: (message: string) => void;
}

export class Context {
  readonly store: ZoneStore;
  private readonly backends = new Map<string, Backend>();

  /** Set when the host is a FreeBSD, illumos or Solaris one: its own tools keep the
   * zones, and the verbs take the managed path (core/managed-verbs.ts). */
  readonly managed: ManagedBackend | undefined;

  constructor(readonly options: Options, managed?: { backend: ManagedBackend; fs: StoreFs }) {
    this.store = new ZoneStore(options.root, managed?.fs);
    this.managed = managed?.backend;
  }

  warn(message: string): void {
    this.options.warn?.(message);
  }

  handle(name: string): ZoneHandle {
    return { name, dir: this.store.dir(name) };
  }

  /** The runtime a boot would use now: --runtime, else the zone's config. */
  runtimeFor(record: ZoneRecord): string {
    return this.options.runtime ?? configValue(record.config, 'runtime') ?? 'runc';
  }

  /** The backend that runs (or would run) this zone: the one it booted with, if any. */
  backendFor(record: ZoneRecord, status: ZoneStatus): Backend {
    return this.backend(status.runtime ?? this.runtimeFor(record));
  }

  backend(runtime: string): Backend {
    let b = this.backends.get(runtime);
    if (b === undefined) {
      b = new LinuxBackend(this.options.root, runtime);
      this.backends.set(runtime, b);
    }
    return b;
  }
}
