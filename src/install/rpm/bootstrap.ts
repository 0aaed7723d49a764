// The rpm-bootstrap method: an RPM distribution installed with no yum or rpm on the
// host. Read the repositories' metadata, resolve the recipe's package list, fetch and
// verify every package, unpack them in install order through the confined writer;
// then, as rinse does, ask the guest's own rpm (run inside the zone by the engine) to
// install them again over themselves: that registers them in the guest's rpm
// database and runs their scriptlets.
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { debianToNode } from '../../core/arch.js';
import { ZoneError } from '../../core/errors.js';
import type { Emit, Populated } from '../methods.js';
import { download } from '../download.js';
import { ConfinedWriter, type Limits } from '../writer.js';
import { extractRpmPayload, readRpm } from './package.js';
import { loadRepository, type RepoPackage } from './repo.js';
import { nvra, resolve } from './resolve.js';

export interface RpmBootstrapMethod {
  kind: 'rpm-bootstrap';
  mirrors: string[];
  /** Per architecture (Debian names): repository paths below a mirror. */
  repos: Record<string, string[]>;
  packages: string[];
  /** Per architecture: RPM arches accepted, best first (default from RPM_ARCHES). */
  'rpm-arches'?: Record<string, string[]>;
}

const RPM_ARCHES: Record<string, string[]> = {
  i386: ['i686', 'i586', 'i486', 'i386', 'noarch'],
  amd64: ['x86_64', 'noarch'],
  arm64: ['aarch64', 'noarch'],
};

/** Where the packages wait inside the zone for the guest's rpm. */
export const STAGING = 'var/tmp/zonectl-rpms';

export interface BootstrapOptions {
  zone: string;
  arch: string;
  mirror: string;
  cacheDir: string;
  limits: Limits;
  emit: Emit;
}

type Located = RepoPackage & { url: string };

async function candidates(m: RpmBootstrapMethod, o: BootstrapOptions): Promise<Located[]> {
  const repos = m.repos[o.arch];
  if (repos === undefined) throw new ZoneError('refused', `this recipe has no repositories for ${o.arch}`, { zone: o.zone });
  const all: Located[] = [];
  for (const repo of repos) {
    const url = `${o.mirror.replace(/\/+$/, '')}/${repo.replace(/^\/+/, '')}`;
    o.emit({ type: 'phase', zone: o.zone, phase: 'resolve', message: `reading ${url}` });
    const base = url.endsWith('/') ? url : `${url}/`;
    for (const p of await loadRepository(base, o)) all.push({ ...p, url: new URL(p.location, base).toString() });
  }
  return all;
}

export async function rpmBootstrap(root: string, m: RpmBootstrapMethod, o: BootstrapOptions): Promise<Populated & { runInZone: string[][] }> {
  const arches = m['rpm-arches']?.[o.arch] ?? RPM_ARCHES[o.arch] ?? [o.arch, 'noarch'];
  const set = resolve(await candidates(m, o), m.packages, { arches });
  o.emit({ type: 'phase', zone: o.zone, phase: 'resolve', message: `${set.packages.length} packages to install` });
  const writer = new ConfinedWriter(root, { zone: o.zone, limits: o.limits, asRoot: process.getuid?.() === 0, source: 'rpm-bootstrap' });
  const staging = join(root, STAGING);
  mkdirSync(staging, { recursive: true });
  let i = 0;
  for (const p of set.packages) {
    i++;
    const expected = p.checksum?.type === 'sha256' ? { sha256: p.checksum.value, ...(p.size === undefined ? {} : { size: p.size }) } : {};
    const file = await download(p.url, { cacheDir: o.cacheDir, zone: o.zone, emit: () => undefined, expected });
    const pkg = await readRpm(file, { zone: o.zone, verify: true });
    if (pkg.name !== p.name || pkg.arch !== p.arch) {
      throw new ZoneError('install-failed', `${p.url} is ${pkg.name}.${pkg.arch}, not the ${nvra(p)} the repository lists`, { zone: o.zone });
    }
    await extractRpmPayload(pkg, (e, c) => writer.write(e, c), o.zone);
    copyFileSync(file, join(staging, `${nvra(p)}.rpm`));
    o.emit({ type: 'progress', zone: o.zone, phase: 'packages', done: i, total: set.packages.length, unit: 'items' });
  }
  await writer.finish();
  const inZone = set.packages.map((p) => `/${STAGING}/${basename(nvra(p))}.rpm`);
  return {
    // The packages' architecture is the userland's, whatever its ELF files say.
    arch: debianToNode(o.arch),
    // The guest's rpm installs its own packages again: database and scriptlets, as
    // on the release itself. --force over the files already there, --nodeps since
    // the set was resolved here; then the staging copies go.
    runInZone: [
      ['rpm', '-i', '--force', '--nodeps', '--ignorearch', ...inZone],
      ['rm', '-rf', `/${STAGING}`],
      // Berkeley DB environment files left by that rpm would make the zone's first
      // rpm run (maybe another rpm version's) hang or refuse the database.
      ['rm', '-f', ...Array.from({ length: 9 }, (_, n) => `/var/lib/rpm/__db.00${n + 1}`)],
    ],
  };
}
