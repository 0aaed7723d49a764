// zfs(8) through the Executor, for the FreeBSD and the illumos/Solaris backends alike:
// its multi-line refusals made one line, and its -H output (tab-separated, no header)
// read into datasets and snapshots. -p (exact numbers: creation in epoch seconds, used
// in bytes) is not everywhere: see flavour.ts.
import { ZoneError, errnoCode } from '../../core/errors.js';
import { lastLine, type ExecResult, type Executor } from '../../transport/executor.js';

/** " on HOST" for a host reached over ssh, nothing for this machine. */
export function where(ex: Executor): string {
  return ex.target === 'local' ? '' : ` on ${ex.target}`;
}

/** At most `max` names, then how many more (a refusal can list a whole tree). */
export function listed(names: string[], max = 5): string {
  const unique = [...new Set(names)];
  return unique.length <= max ? unique.join(', ') : `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}

/** zfs's own message as one line. zfs explains a refusal over several lines and then
 * lists what is in the way one a line ("use '-r' to force deletion of the following
 * snapshots and bookmarks:" then names): the listed names are joined after the colon. */
export function zfsMessage(r: ExecResult): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return lastLine(r);
  let out = '';
  let names: string[] | undefined;
  for (const line of lines) {
    if (names !== undefined) names.push(line);
    else out = out === '' ? line : `${out}; ${line}`;
    if (names === undefined && line.endsWith(':')) names = [];
  }
  return names === undefined || names.length === 0 ? out : `${out} ${listed(names)}`;
}

/** Runs zfs ARGS. A host without the command answers 127, whether a shell said so (ssh)
 * or spawn could not find it (ENOENT, this machine). */
export async function runZfs(ex: Executor, args: string[]): Promise<ExecResult> {
  try {
    return await ex.run(['zfs', ...args]);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    return { code: 127, stdout: '', stderr: 'zfs: not found' };
  }
}

/** Runs zfs ARGS, which must succeed; a failure is one ZoneError line. */
export async function mustZfs(ex: Executor, args: string[], zone: string, hint?: string): Promise<ExecResult> {
  const r = await runZfs(ex, args);
  if (r.code === 0) return r;
  throw new ZoneError('runtime', `zfs ${args.join(' ')} failed${where(ex)}: ${zfsMessage(r)}`, { zone, ...(hint === undefined ? {} : { hint }) });
}

export interface ZfsSnapshotRow {
  dataset: string;
  /** The part after '@'. */
  snap: string;
  /** Seconds since the epoch (-p); absent where zfs printed none. */
  creation?: number;
  /** Bytes (-p). */
  used?: number;
}

/** Datasets and snapshots of one `zfs list -r`, each in the order zfs printed them. */
export interface ZfsTree {
  datasets: string[];
  snapshots: ZfsSnapshotRow[];
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `zfs list -H[p] -o name[,creation,used]` lines of datasets and snapshots. */
export function parseTree(stdout: string): ZfsTree {
  const tree: ZfsTree = { datasets: [], snapshots: [] };
  for (const line of stdout.split('\n')) {
    const [name = '', creation, used] = line.replace(/\r$/, '').split('\t');
    if (name === '') continue;
    const at = name.indexOf('@');
    if (at < 0) {
      tree.datasets.push(name);
      continue;
    }
    const row: ZfsSnapshotRow = { dataset: name.slice(0, at), snap: name.slice(at + 1) };
    const c = numberOrUndefined(creation);
    const u = numberOrUndefined(used);
    if (c !== undefined) row.creation = c;
    if (u !== undefined) row.used = u;
    tree.snapshots.push(row);
  }
  return tree;
}

/** `zfs get -Hp -o name,property,value creation,used ...` lines onto the tree's rows
 * (for a zfs list without -p). */
export function addZfsGet(tree: ZfsTree, stdout: string): ZfsTree {
  const values = new Map<string, { creation?: number; used?: number }>();
  for (const line of stdout.split('\n')) {
    const [name = '', prop, value] = line.replace(/\r$/, '').split('\t');
    const n = numberOrUndefined(value);
    if (n === undefined || (prop !== 'creation' && prop !== 'used')) continue;
    values.set(name, { ...values.get(name), [prop]: n });
  }
  return {
    datasets: tree.datasets,
    snapshots: tree.snapshots.map((r) => ({ ...r, ...values.get(`${r.dataset}@${r.snap}`) })),
  };
}
