// An illumos or Solaris host: zones are the system's own, driven with zonecfg, zoneadm,
// zlogin, kstat and ZFS through an executor. What users see differ from Linux is stated
// here, once.
import { IllumosBackend } from '../../backends/illumos/backend.js';
import type { ZoneStore } from '../../core/store.js';
import type { Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import { ToolHost } from '../tool-host.js';
import { illumosDoctor } from './doctor.js';
import type { HostDifferences } from '../zone-host.js';

export const ILLUMOS_DIFFERENCES: HostDifferences = {
  hasReadyState: true,
  readyState: "zoneadm ready: the zone's virtual platform set up, no processes",
  failedInstallLeaves: 'configured',
  installFrom:
    "--source IMAGE|ARCHIVE-ON-HOST (lx: a tarball or ZFS stream; solaris8/9/s10: a flash archive, cpio, pax or ufsdump image with -u or -p), or nothing for the native brand's packages",
  installsRecipes: false,
  cloneBy: 'zoneadm clone (a ZFS clone where the zonepath is a dataset)',
  cloneAddress: 'dropped',
  promotesClones: false,
  promoteClones: "a clone is a ZFS clone here; zfs destroy refuses an origin with clones, naming them: run zfs promote on each clone's dataset on the host first",
  shutdownBy: 'zoneadm shutdown (init 0 in the zone on Solaris 10) under a timeout, then zoneadm halt',
  console: 'zlogin -C',
  execOptions: "zlogin -l (user), the zone's sh and env (--cwd, --env)",
  caps: 'zonecfg capped-cpu, capped-memory and max-processes',
  importsJails: false,
};

export function illumosHost(ex: Executor, os: HostOs, store: ZoneStore): ToolHost {
  const backend = new IllumosBackend(ex, os);
  return new ToolHost(backend, store, {
    doctor: async (stateRoot) => illumosDoctor(ex, os, await backend.brands(), stateRoot),
    differences: ILLUMOS_DIFFERENCES,
    noun: 'zone',
    removeByHand: 'remove it on the host first (zonecfg -z NAME delete)',
    zonesDir: '/zones',
    shutdownSignal: 'zoneadm shutdown',
    adoptsRoots: false,
  });
}
