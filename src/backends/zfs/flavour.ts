// How ZFS is used for zones on each OS whose own tools keep them: the one place where FreeBSD, illumos
// and Solaris differ. Everything else in src/backends/zfs is the same for all three;
// a backend passes its flavour in. Each difference says why it exists.
import { posix } from 'node:path';
import type { HostOs } from '../../transport/host-os.js';

export interface ZfsFlavour {
  readonly os: 'freebsd' | 'illumos' | 'solaris';
  /** Whether zfs list takes -p (exact numbers). Without it, the numbers of the
   * snapshots zonectl shows come from `zfs get -Hp`. */
  readonly exactList: boolean;
  /** The property zfs list sorts by (-s): what "newer" means for rollback, and the
   * order of the snapshot list. */
  readonly order: 'createtxg' | 'creation';
  /** 'tree': a zone is its zonepath dataset with every dataset below it, snapshotted
   * and destroyed at once (-r) and rolled back one dataset at a time. 'dataset': the
   * zonepath dataset alone; datasets below it are refused. */
  readonly scope: 'tree' | 'dataset';
  /** What zonectl puts before the user's snapshot name (list shows only those). */
  readonly prefix: string;
  /** Snapshots zonectl clone takes (DATASET@PREFIXTARGET): kept from the user's names
   * and hidden from the list. None where the host's own tools clone. */
  readonly clonePrefix?: string;
  /** Who makes a zone's dataset, and how to get one: the hint of a zone without one. */
  notOwnHint(zonepath: string): string;
}

/** FreeBSD jails. zonectl itself makes each jail's dataset (install: zfs create; clone:
 * zfs clone), one per jail, so:
 * - scope 'dataset': datasets below a jail's are not zonectl's (iocage's DS/root, or
 *   ones delegated to the jail with zfs.dataset and managed from inside it), and zonectl
 *   clone's zfs clone of one snapshot could not copy them: such a zone is refused rather
 *   than snapshotted or rolled back along with data zonectl does not know.
 * - no prefix: the dataset holds zonectl's snapshots only (and the admin's, taken on
 *   purpose), named as the user named them so `zfs list -t snapshot` on the host shows
 *   the same names; zonectl clone's own snapshots are told apart by clone-.
 * - createtxg: OpenZFS documents it for ordering snapshots; creation has one-second
 *   steps, and zfs rollback's "more recent" is by transaction group. */
export const FREEBSD_ZFS: ZfsFlavour = {
  os: 'freebsd',
  exactList: true,
  order: 'createtxg',
  scope: 'dataset',
  prefix: '',
  clonePrefix: 'clone-',
  notOwnHint: (zonepath) =>
    `create the zone with its zonepath under a ZFS dataset's mountpoint (zfs create -o mountpoint=${posix.dirname(zonepath)} POOL/jails), then install or clone it there`,
};

/** illumos zones. zoneadm, not zonectl, makes a zone's datasets, and the brand decides
 * what lies below the zonepath's dataset (ipkg, lipkg, sparse: the root in ROOT/zbe[-N],
 * mountpoint legacy; Solaris 10 native zones and 2016's OmniOS lx: a directory in the
 * zonepath dataset itself), so:
 * - scope 'tree': the zone is the whole tree, whatever the brand put there.
 * - prefix zonectl-: zoneadm clone takes SUNWzoneN snapshots, pkg and beadm in the zone
 *   take others; only zonectl's are listed (all are seen by rollback).
 * - creation: createtxg is a hidden property of illumos's zfs (zfs_prop.c registers it
 *   hidden, zfs(8) does not document it), so zonectl does not sort by it there. */
export const ILLUMOS_ZFS: ZfsFlavour = {
  os: 'illumos',
  exactList: true,
  order: 'creation',
  scope: 'tree',
  prefix: 'zonectl-',
  notOwnHint: (zonepath) => {
    const parent = posix.dirname(zonepath);
    return `zoneadm install makes one when the zonepath's parent (${parent}) is a ZFS dataset: e.g. zfs create -o mountpoint=${parent} rpool/zones before installing the zone`;
  },
};

/** Oracle Solaris (10, 11) zones: as illumos, but Solaris 10's zfs list has no -p
 * (it prints rounded sizes and dates), so the numbers come from zfs get -Hp. */
export const SOLARIS_ZFS: ZfsFlavour = { ...ILLUMOS_ZFS, os: 'solaris', exactList: false };

export function zfsFlavourOf(host: HostOs): ZfsFlavour {
  if (host.kind === 'freebsd') return FREEBSD_ZFS;
  if (host.kind === 'solaris') return SOLARIS_ZFS;
  if (host.kind === 'illumos') return ILLUMOS_ZFS;
  throw new Error(`zfs: no zone flavour for ${host.kind} hosts`);
}
