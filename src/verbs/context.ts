// What every verb needs: the host the zones live on (with its store) and the user's
// global options. Built once per CLI run.
import type { ZoneStore } from '../core/store.js';
import type { ZoneHost } from '../hosts/zone-host.js';

export interface Options {
  root: string;
  lockTimeoutMs: number;
  /** Where notes that do not stop a verb go (the CLI prints them on stderr). */
  warn?: (message: string) => void;
}

export class Context {
  readonly store: ZoneStore;

  constructor(
    readonly options: Options,
    readonly host: ZoneHost,
  ) {
    this.store = host.store;
  }

  warn(message: string): void {
    this.options.warn?.(message);
  }
}
