// zfs(8) through the Executor: its multi-line refusals made one line, and the
// snapshots of one dataset as `zfs list -Hp` prints them (-p: creation in epoch
// seconds, used in bytes; -H: tab-separated, no header).
import { ZoneError } from '../../core/errors.js';
import { lastLine, type ExecResult, type Executor } from '../../transport/executor.js';

/** zfs's own message as one line. zfs explains a refusal over several lines and then
 * lists what is in the way one a line ("use '-r' to force deletion of the following
 * snapshots and bookmarks:" then names): the listed names are joined after the colon. */
export function zfsMessage(r: ExecResult): string {
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return lastLine(r);
  let out = '';
  let listing = false;
  for (const line of lines) {
    if (out === '') out = line;
    else if (listing) out += `${out.endsWith(':') ? ' ' : ', '}${line}`;
    else out += `; ${line}`;
    if (line.endsWith(':')) listing = true;
  }
  return out;
}

/** Runs a zfs command that must succeed; a failure is one ZoneError line. */
export async function mustZfs(ex: Executor, argv: string[], zone: string, hint?: string): Promise<ExecResult> {
  const r = await ex.run(argv);
  if (r.code === 0) return r;
  const where = ex.target === 'local' ? '' : ` on ${ex.target}`;
  throw new ZoneError('runtime', `${argv.join(' ')} failed${where}: ${zfsMessage(r)}`, { zone, ...(hint === undefined ? {} : { hint }) });
}

export interface ZfsSnapshot {
  /** The part after the @. */
  name: string;
  /** Epoch seconds (zfs list -p). */
  creation: number;
  used: number;
}

/** The columns zonectl asks zfs list for, in this order. */
export const SNAPSHOT_COLUMNS = 'name,creation,used';

/** `zfs list -Hp -o name,creation,used -t snapshot ...` lines of `dataset`'s own
 * snapshots, in the order zfs printed them (lines of other datasets are skipped). */
export function parseSnapshots(text: string, dataset: string): ZfsSnapshot[] {
  const out: ZfsSnapshot[] = [];
  for (const line of text.split('\n')) {
    const [full, creation, used] = line.split('\t');
    if (full === undefined || !full.startsWith(`${dataset}@`)) continue;
    if (!/^\d+$/.test(creation ?? '') || !/^\d+$/.test(used ?? '')) continue;
    out.push({ name: full.slice(dataset.length + 1), creation: Number(creation), used: Number(used) });
  }
  return out;
}

/** `dataset`'s snapshots, oldest first. Sorted by createtxg, not creation: creation
 * has one-second steps, and rollback's "more recent" is by transaction group. */
export async function listSnapshots(ex: Executor, dataset: string, zone: string): Promise<ZfsSnapshot[]> {
  const r = await mustZfs(ex, ['zfs', 'list', '-Hp', '-o', SNAPSHOT_COLUMNS, '-t', 'snapshot', '-s', 'createtxg', '-r', dataset], zone);
  return parseSnapshots(r.stdout, dataset);
}
