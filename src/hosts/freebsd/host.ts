// A FreeBSD host: zones are jails, driven with jail(8), jls, jexec, rctl and ZFS through
// an executor. What users see differ from Linux is stated here, once.
import { FreeBsdBackend } from '../../backends/freebsd/backend.js';
import type { ZoneStore } from '../../core/store.js';
import type { Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import { ToolHost } from '../tool-host.js';
import { freebsdDoctor } from './doctor.js';
import type { HostDifferences } from '../zone-host.js';

export const FREEBSD_DIFFERENCES: HostDifferences = {
  hasReadyState: false,
  readyState: 'a FreeBSD jail has no ready state (it exists only while it runs)',
  failedInstallLeaves: 'configured',
  installFrom: '--source URL|PATH-ON-HOST (a tarball) or --release (base.txz, checked against the MANIFEST)',
  installsRecipes: false,
  cloneBy: "zfs clone of the zone's dataset (a copy where the zonepath is not a dataset)",
  cloneAddress: 'dropped',
  promotesClones: false,
  promoteClones: "a clone is a ZFS clone here; zfs destroy refuses an origin with clones, naming them: run zfs promote on each clone's dataset on the host first",
  shutdownBy: "the jail's exec.stop (rc.shutdown) under a timeout, then jail -r",
  console: 'none: a jail has no terminal of its own; login enters it',
  execOptions: "jexec -U (user), the jail's sh and env (--cwd, --env)",
  caps: 'rctl rules (kern.racct.enable=1)',
  importsJails: true,
};

export function freeBsdHost(ex: Executor, os: HostOs, store: ZoneStore): ToolHost {
  return new ToolHost(new FreeBsdBackend(ex, os), store, {
    doctor: (stateRoot) => freebsdDoctor(ex, os, stateRoot),
    differences: FREEBSD_DIFFERENCES,
    noun: 'jail',
    removeByHand: 'adopt the jail with zonectl import --jail-conf FILE',
    zonesDir: '/usr/local/jails',
    shutdownSignal: 'exec.stop',
    adoptsRoots: true,
  });
}
