// A BootPlan is what a brand will do for one zone on this host: the generic,
// backend-neutral description that a backend turns into its own mechanism.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { configValue } from '../core/config.js';
import { signalNumber } from '../core/signals.js';
import { userlandRoot, type InitSpec, type ZoneRecord, type ZoneStatus } from '../core/zone.js';
import type { Brand } from './brand.js';

export interface BindMount {
  source: string;       // host path
  destination: string;  // path inside the zone
  readonly: boolean;
}

export interface SeccompPlan {
  defaultAction: 'allow';
  deny: string[];
  errno: string;
}

export interface BootPlan {
  zone: string;
  brand: string;
  rootfs: string;
  hostname: string;
  init: InitSpec;
  haltSignalNumber: number;
  network: 'shared' | 'exclusive';
  capabilities: string[];
  binds: BindMount[];
  seccomp: SeccompPlan;
  env: string[];
  arch: string;
}

export const ZONE_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Which of the brand's host paths are directories in this zone's root (to bind-mount):
 * the install made a directory where the host has one and mirrored the host's symlinks. */
export async function sharedDirectories(rootfs: string, brand: Brand): Promise<string[]> {
  const out: string[] = [];
  for (const { path } of brand['host-paths'] ?? []) {
    const [inZone, onHost] = await Promise.all([
      lstat(join(rootfs, path)).catch(() => undefined),
      lstat(path).catch(() => undefined),
    ]);
    if (inZone?.isDirectory() === true && onHost?.isDirectory() === true) out.push(path);
  }
  return out;
}

/** KEY=VALUE lists, later ones replacing earlier keys, order kept. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...base, ...over]) out.set(kv.split('=')[0] as string, kv);
  return [...out.values()];
}

export function buildBootPlan(record: ZoneRecord, status: ZoneStatus, brand: Brand, sharedDirs: string[]): BootPlan {
  const init = status.userland?.init ?? { command: brand.init.command, haltSignal: brand.init['halt-signal'] };
  return {
    zone: record.name,
    brand: brand.name,
    rootfs: userlandRoot(record, status),
    hostname: configValue(record.config, 'hostname') ?? record.name,
    init,
    haltSignalNumber: signalNumber(init.haltSignal),
    network: configValue(record.config, 'ip-type') === 'shared' ? 'shared' : 'exclusive',
    capabilities: [...brand.capabilities],
    binds: sharedDirs.map((p) => ({ source: p, destination: p, readonly: true })),
    seccomp: { defaultAction: brand.seccomp['default-action'], deny: [...brand.seccomp.deny], errno: brand.seccomp.errno },
    env: mergeEnv(
      [ZONE_PATH_ENV, 'TERM=xterm', 'container=zonectl', `HOSTNAME=${configValue(record.config, 'hostname') ?? record.name}`],
      status.userland?.env ?? [],
    ),
    arch: status.userland?.arch ?? process.arch,
  };
}
