// `zonectl doctor` for a FreeBSD host: what it has and lacks for jails as zones, asked
// in one round trip. A fixed sh script (its only inputs positional parameters) prints
// one tagged line per probe; each probe is failure-tolerant on the host (a failing
// command prints "-"), and each check here is too: a line that never came becomes a
// 'warn' check saying why, never an exception.
import type { CheckStatus, DoctorCheck } from '../../probes/check.js';
import { lastLine, type Executor } from '../../transport/executor.js';
import type { HostOs } from '../../transport/host-os.js';
import { hostLine } from '../../core/terminal-text.js';
import { LX_DEVFS_RULES, LX_DEVFS_RULESET } from '../../backends/freebsd/devfs.js';
import { linuxFix, linuxModule, RACCT_FIX } from '../../backends/freebsd/host-features.js';

// $1 the state root, $2 the Linuxulator's module name, $3 its file (without .ko).
// Lines: "tool NAME PATH|-", "uid N", "racct V|-", "vimage V|-",
// "kmod TAG loaded|loadable|-", "zfs ok N" or "zfs - MESSAGE", "state ok" or "state - MESSAGE",
// "devfs N ours|empty|other" ($4 zonectl's ruleset, $5 its rules; N rules in ruleset 4).
export const DOCTOR_SCRIPT = [
  'for c in jail jls jexec fetch; do if p=$(command -v "$c"); then echo "tool $c $p"; else echo "tool $c -"; fi; done',
  'echo "uid $(id -u)"',
  'echo "racct $(sysctl -n kern.racct.enable 2>/dev/null || echo -)"',
  'echo "vimage $(sysctl -n kern.features.vimage 2>/dev/null || echo -)"',
  'kmod() { if kldstat -q -m "$2" 2>/dev/null; then echo "kmod $1 loaded"; elif [ -f "/boot/kernel/$3.ko" ]; then echo "kmod $1 loadable"; else echo "kmod $1 -"; fi; }',
  'kmod bridge if_bridge if_bridge',
  'kmod epair if_epair if_epair',
  'kmod linux "$2" "$3"',
  'if z=$(zfs list -H -o name 2>&1); then echo "zfs ok $(printf \'%s\\n\' "$z" | grep -c \'^[^ ][^ ]*$\')"; else echo "zfs - $(printf \'%s\\n\' "$z" | tail -n 1)"; fi',
  'if e=$(mkdir -p "$1" 2>&1) && [ -w "$1" ]; then echo "state ok"; else echo "state - $e"; fi',
  'z=$(devfs rule -s "$4" show 2>/dev/null); if [ -z "$z" ]; then s=empty; elif [ "$z" = "$5" ]; then s=ours; else s=other; fi',
  'echo "devfs $(devfs rule -s 4 show 2>/dev/null | grep -c .) $s"',
].join('\n');

export function doctorArgv(stateRoot: string, host: HostOs): string[] {
  const linux = linuxModule(host);
  return ['sh', '-c', DOCTOR_SCRIPT, 'sh', stateRoot, linux.module, linux.file, String(LX_DEVFS_RULESET), LX_DEVFS_RULES.join('\n')];
}

/** The script's lines by key: "tool jail", "kmod linux" (two words), else the tag. */
export function parseDoctorLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const words = raw.trim().split(' ');
    const tag = words[0] ?? '';
    const two = tag === 'tool' || tag === 'kmod';
    const key = two ? `${tag} ${words[1] ?? ''}` : tag;
    if (tag !== '' && !out.has(key)) out.set(key, words.slice(two ? 2 : 1).join(' '));
  }
  return out;
}

interface Answers {
  get(key: string): string | undefined;
  /** Why a line is missing (the script failed, or never ran). */
  why: string;
  host: HostOs;
  stateRoot: string;
}

type Check = (a: Answers) => DoctorCheck;

/** Details carry the host's words (paths, messages). */
function check(id: string, title: string, status: CheckStatus, detail: string, fix?: string): DoctorCheck {
  return { id, title, status, detail: hostLine(detail), ...(fix === undefined ? {} : { fix }) };
}

/** Runs `fn` on the lines it needs; a missing one makes the check 'warn'. */
function needing(id: string, title: string, keys: string[], fn: (v: string[], a: Answers) => DoctorCheck): Check {
  return (a) => {
    const values = keys.map((k) => a.get(k));
    if (values.some((v) => v === undefined)) return check(id, title, 'warn', `not probed: ${a.why}`);
    return fn(values as string[], a);
  };
}

const jailTools = needing('jail-tools', 'jail(8), jls, jexec', ['tool jail', 'tool jls', 'tool jexec'], (paths) => {
  const names = ['jail', 'jls', 'jexec'];
  const missing = names.filter((_, i) => paths[i] === '-');
  if (missing.length === 0) return check('jail-tools', 'jail(8), jls, jexec', 'ok', paths.join(', '));
  return check(
    'jail-tools',
    'jail(8), jls, jexec',
    'missing',
    `not found on PATH: ${missing.join(', ')}`,
    'they ship with FreeBSD base in /usr/sbin: put /usr/sbin on the PATH zonectl gets there, or restore base (freebsd-update fetch install)',
  );
});

const root = needing('root', 'root privileges', ['uid'], ([uid]) => {
  if (uid === '0') return check('root', 'root privileges', 'ok', 'running as root');
  return check('root', 'root privileges', 'missing', `running as uid ${uid as string}`, 'connect as root (ssh root@HOST, or zonectl as root there): jail -c, zfs and rctl need it');
});

const racct = needing('racct', 'RACCT/rctl (caps)', ['racct'], ([v]) => {
  const title = 'RACCT/rctl (caps)';
  if (v === '1') return check('racct', title, 'ok', 'kern.racct.enable=1: rctl enforces capped-memory, max-processes and capped-cpu');
  if (v === '-')
    return check('racct', title, 'warn', 'no kern.racct.enable: the kernel has no RACCT, so zones with caps will not boot', `use a kernel with options RACCT and RCTL, then ${RACCT_FIX}`);
  return check('racct', title, 'warn', `kern.racct.enable=${v as string}: zones with capped-memory, max-processes or capped-cpu will not boot`, RACCT_FIX);
});

const vimage = needing('vimage', 'VIMAGE (exclusive-IP zones)', ['vimage'], ([v]) => {
  const title = 'VIMAGE (exclusive-IP zones)';
  if (v === '1') return check('vimage', title, 'ok', 'kern.features.vimage=1: exclusive-IP zones get a network stack of their own (vnet)');
  return check('vimage', title, 'warn', 'no kern.features.vimage: exclusive-IP zones cannot boot; shared-IP zones can', 'use a kernel built with options VIMAGE');
});

/** "loaded", "loadable (ifconfig loads it)", or undefined when neither. */
function moduleState(name: string, v: string): string | undefined {
  if (v === 'loaded') return `${name} loaded`;
  if (v === 'loadable') return `${name} loadable (ifconfig loads it at first use)`;
  return undefined;
}

const bridge = needing('bridge-epair', 'if_bridge and if_epair (exclusive-IP zones)', ['kmod bridge', 'kmod epair'], ([b, e]) => {
  const title = 'if_bridge and if_epair (exclusive-IP zones)';
  const states = [moduleState('if_bridge', b as string), moduleState('if_epair', e as string)];
  if (states.every((s) => s !== undefined)) return check('bridge-epair', title, 'ok', states.join(', '));
  const missing = ['if_bridge', 'if_epair'].filter((_, i) => states[i] === undefined);
  return check(
    'bridge-epair',
    title,
    'warn',
    `${missing.join(', ')}: neither in the kernel nor in /boot/kernel; exclusive-IP zones cannot get their epair`,
    'build the kernel with device if_bridge and device epair, or install their modules in /boot/kernel',
  );
});

const linux = needing('linux', 'Linuxulator (lx zones)', ['kmod linux'], ([v], a) => {
  const title = 'Linuxulator (lx zones)';
  const { module, file } = linuxModule(a.host);
  if (v === 'loaded') return check('linux', title, 'ok', `${module} loaded: lx zones can boot`);
  if (v === 'loadable') return check('linux', title, 'warn', `${file}.ko is not loaded: lx zones will not boot until it is`, linuxFix(a.host));
  return check('linux', title, 'warn', `no ${file}.ko in /boot/kernel: lx zones cannot boot`, linuxFix(a.host));
});

const zfs = needing('zfs', 'ZFS (clones and snapshots)', ['zfs'], ([v]) => {
  const title = 'ZFS (clones and snapshots)';
  const fix = 'sysrc zfs_enable=YES && service zfs start, with a pool (zpool create or zpool import), then zfs create -o mountpoint=/usr/local/jails POOL/jails';
  const m = /^ok (\d+)$/.exec(v as string);
  if (m !== null && m[1] !== '0') return check('zfs', title, 'ok', `zfs list works (${m[1] as string} datasets): zones under a dataset's mountpoint get ZFS clones and snapshots`);
  if (m !== null) return check('zfs', title, 'warn', 'zfs list works but there are no datasets: clones are copies, no snapshots', fix);
  const why = (v as string).replace(/^- ?/, '');
  return check('zfs', title, 'warn', `zfs list failed${why === '' ? '' : ` (${why})`}: clones are copies, no snapshots`, fix);
});

const fetchTool = needing('fetch', 'fetch (release installs)', ['tool fetch'], ([p]) => {
  const title = 'fetch (release installs)';
  if (p !== '-') return check('fetch', title, 'ok', `${p as string}: downloads base.txz and --source URLs`);
  return check(
    'fetch',
    title,
    'warn',
    'fetch not found on PATH: release installs and --source URLs cannot download; archives on the host still install',
    'fetch ships with FreeBSD base in /usr/bin: put it on the PATH zonectl gets there, or restore base',
  );
});

const state = needing('state-root', 'zone store', ['state'], ([v], a) => {
  const title = 'zone store';
  if (v === 'ok') return check('state-root', title, 'ok', `${a.stateRoot} is writable`);
  const why = (v as string).replace(/^- ?/, '');
  return check('state-root', title, 'missing', `${a.stateRoot} is not writable${why === '' ? '' : `: ${why}`}`, 'run zonectl as root there, or give it a writable --root');
});

const devfs = needing('devfs-lx', `devfs ruleset ${LX_DEVFS_RULESET} (lx zones' /dev)`, ['devfs'], ([v]) => {
  const title = `devfs ruleset ${LX_DEVFS_RULESET} (lx zones' /dev)`;
  const [jail = '0', ours = ''] = (v as string).split(' ');
  if (jail === '0') {
    return check('devfs-lx', title, 'warn', 'devfs ruleset 4 (devfsrules_jail) is not loaded: jails would see every device', 'service devfs restart (it loads /etc/defaults/devfs.rules)');
  }
  if (ours === 'ours') return check('devfs-lx', title, 'ok', `loaded: devfsrules_jail plus /dev/shm`);
  if (ours === 'empty') return check('devfs-lx', title, 'ok', 'not loaded yet: the first lx boot loads it (devfsrules_jail plus /dev/shm)');
  return check(
    'devfs-lx',
    title,
    'warn',
    `ruleset ${LX_DEVFS_RULESET} holds rules zonectl did not add: lx zones will not boot`,
    `see devfs rule -s ${LX_DEVFS_RULESET} show; if nothing else uses it, devfs rule -s ${LX_DEVFS_RULESET} delset`,
  );
});

const CHECKS: Check[] = [jailTools, root, racct, vimage, bridge, linux, devfs, zfs, fetchTool, state];

/** The checks from the script's output (`why` explains lines that are missing). */
export function doctorChecks(output: string, why: string, host: HostOs, stateRoot: string): DoctorCheck[] {
  const lines = parseDoctorLines(output);
  const a: Answers = { get: (k) => lines.get(k), why, host, stateRoot };
  return CHECKS.map((c) => c(a));
}

export async function freebsdDoctor(ex: Executor, host: HostOs, stateRoot: string): Promise<DoctorCheck[]> {
  let output = '';
  let why = `${ex.target} gave no answer for it`;
  try {
    const r = await ex.run(doctorArgv(stateRoot, host), { timeoutMs: 30_000 });
    output = r.stdout;
    if (r.code !== 0) why = `the probe script failed on ${ex.target}: ${lastLine(r)}`;
  } catch (e) {
    why = `cannot run the probe script on ${ex.target}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return doctorChecks(output, why, host, stateRoot);
}
