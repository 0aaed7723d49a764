// The zone model: what a zone is, independent of host and backend.
import { printable } from './terminal-text.js';
import { ZoneError } from './errors.js';

/** illumos's zone states (libzonecfg.h), in the order a zone moves through them. */
export const ZONE_STATES = ['configured', 'incomplete', 'installed', 'ready', 'running', 'shutting_down', 'down'] as const;
export type ZoneState = (typeof ZONE_STATES)[number];

/** What `install` put under the zone root, recorded so boot needs no recipe look-up. */
export interface InstalledUserland {
  method: string; // 'recipe', 'source' or 'skeleton'
  recipe?: string;
  source?: string;
  arch: string; // Node-style arch of the userland, e.g. 'x64'
  init?: InitSpec; // overrides the brand's init when the userland brings its own
  env?: string[]; // environment the userland expects (an image's Env)
  inPlace?: string; // a directory used as the zone root where it is (not copied)
  /** Attributes the userland needs (a recipe's, or found in it): kernel-version,
   * vsyscall. The zone's own config wins over these. */
  attributes?: Record<string, string>;
  installedAt: string;
}

export interface InitSpec {
  command: string[];
  haltSignal: string;
}

/** A zonecfg resource as written in a command file: its type (fs, net, device,
 * dataset, attr, rctl, capped-memory, ...) and its properties in order. A value keeps
 * zonecfg's syntax: simple (`/data`), list (`[ro,nodevices]`) or complex
 * (`(name=ips,value="10.0.0.5/24")`); a name may repeat (`add property (...)`). */
export interface ZoneResource {
  type: string;
  props: Array<{ name: string; value: string }>;
}

/** A jail(8) parameter: a list of values (one for a scalar), or a boolean. */
export interface JailParam {
  name: string;
  value: string[] | boolean;
}

/** A file system the zone gets from the host (zonecfg `add fs`; a nullfs mount in a
 * jail's fstab). */
export interface ZoneFs {
  dir: string;
  special: string;
  type?: string;
  options?: string[];
}

/** Host-mechanism settings zonectl does not model, kept as they were imported so the
 * backend applies them and export writes them back unchanged. */
export interface NativeSettings {
  /** zonecfg global properties (bootargs, limitpriv, pool, scheduling-class, hostid,
   * max-lwps, the host's own zone brand, ...), by name. */
  zonecfg?: Record<string, string>;
  /** zonecfg resources not expressed in config or fs. */
  resources?: ZoneResource[];
  /** jail parameters not expressed in config or fs (allow.*, enforce_statfs, ...). */
  jail?: JailParam[];
}

/** zone.json: what the user configured. Changes only through create/configure. */
export interface ZoneRecord {
  name: string;
  brand: string;
  zonepath: string;
  config: Record<string, string>;
  fs?: ZoneFs[];
  native?: NativeSettings;
  createdAt: string;
}

/** state.json: where the zone is in its life cycle. Changes with every transition. */
export interface ZoneStatus {
  state: ZoneState;
  since: string;
  userland?: InstalledUserland;
  /** The verb that moved the zone into a transitional state, for messages after a crash. */
  operation?: string;
  /** The OCI runtime (or other mechanism) that runs it now: halt must use the same one. */
  runtime?: string;
  /** The execution domain its init was started under: exec and login join the same. */
  personality?: { linux32: boolean; uname26: boolean };
  /** Whether its programs run on the kernel or under an emulator, chosen at boot. */
  emulation?: Emulation;
}

/** What a running zone uses now: memory, processes (and threads), CPU time. */
export interface ZoneUsage {
  memoryBytes?: number;
  processes?: number;
  cpuSeconds?: number;
}

/** How a running zone's programs run: on the kernel, or through QEMU's user-mode
 * emulator by a binfmt_misc handler (its name, and the emulator and version). */
export interface Emulation {
  mode: 'native' | 'qemu';
  handler?: string;
  emulator?: string;
  /** The kernel release the emulator reports (QEMU_UNAME), for a zone with a kernel-version. */
  release?: string;
}

/** A snapshot as `snapshot list` shows it. */
export interface SnapshotView {
  name: string;
  createdAt: string;
  /** What the snapshot holds on its own: the layer it added, or zfs `used`. */
  bytes: number;
}

/** What `info` and `list` show; `--json` prints exactly this shape. */
export interface ZoneView {
  name: string;
  brand: string;
  state: ZoneState;
  zonepath: string;
  config: Record<string, string>;
  userland?: InstalledUserland;
  /** How a ready or running zone's programs run (emulation=auto|native|qemu, chosen at boot). */
  emulation?: Emulation;
  /** Helper processes of a running zone (its uname supervisor), with their memory. */
  helpers?: Array<{ name: string; pid: number; rssKb: number }>;
  /** What a running zone uses now, from its cgroups, rctl or kstat (`info` only). */
  usage?: ZoneUsage;
  /** A running zone's own addresses (CIDR) and the bridge each is on. */
  addresses?: Array<{ address: string; bridge: string }>;
}

/** What `info` and `list` show of a stored zone, in the state given (the stored one,
 * or what reconciling with the host made of it). */
export function zoneView(record: ZoneRecord, status: ZoneStatus, state: ZoneState = status.state): ZoneView {
  const v: ZoneView = { name: record.name, brand: record.brand, state, zonepath: record.zonepath, config: record.config };
  if (status.userland !== undefined) v.userland = status.userland;
  if (status.emulation !== undefined && (state === 'ready' || state === 'running')) v.emulation = status.emulation;
  return v;
}

// illumos (zonecfg): letters, digits, '-', '_', '.', starting with a letter or digit,
// at most 64 characters; "global" and the SUNW prefix are reserved.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isValidZoneName(name: string): boolean {
  return NAME_RE.test(name) && name !== 'global' && !name.startsWith('SUNW');
}

export function validateZoneName(name: string): void {
  const bad = (why: string): never => {
    throw new ZoneError('invalid-name', `invalid zone name "${printable(name)}": ${why}`, {
      hint: "use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters",
    });
  };
  if (name.length === 0) bad('it is empty');
  if (name.length > 64) bad(`it is ${name.length} characters long (at most 64)`);
  if (!NAME_RE.test(name)) {
    if (!/^[A-Za-z0-9]/.test(name)) bad('it must start with a letter or digit');
    bad("it may contain only letters, digits, '-', '_' and '.'");
  }
  if (name === 'global') bad('"global" is reserved for the host');
  if (name.startsWith('SUNW')) bad('names starting with "SUNW" are reserved');
}

export { printable };

export function zoneRoot(zonepath: string): string {
  return `${zonepath.replace(/\/+$/, '')}/root`;
}

/** Where the zone's userland is: ZONEPATH/root, or the directory installed in place. */
export function userlandRoot(record: ZoneRecord, status: ZoneStatus): string {
  return status.userland?.inPlace ?? zoneRoot(record.zonepath);
}

/** The PATH a zone's processes get unless its userland says otherwise (boot plan, exec). */
export const ZONE_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
