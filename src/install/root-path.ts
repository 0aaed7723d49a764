// Resolving a path inside a zone root as the zone will see it: symlinks (absolute or
// relative) are followed with the zone root as "/", never out of it. The walk is made
// of synchronous lstat(2)s and readlink(2)s: exec checks a zone's user and command with
// a few dozen of them before it starts the runtime, and each costs microseconds where a
// thread-pool round trip costs about a millisecond of start-up.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function resolveInRootSync(root: string, path: string, maxHops = 40): string | undefined {
  // Not normalized as text: "link/.." must go up from where the link points, as in the zone.
  let parts = path.split('/').filter((p) => p !== '');
  const done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const head = parts.shift() as string;
    if (head === '..') {
      done.pop();
      continue;
    }
    if (head === '.') continue;
    const abs = join(root, ...done, head);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++hops > maxHops) return undefined;
      const target = readlinkSync(abs);
      const rest = target.split('/').filter((p) => p !== '');
      if (target.startsWith('/')) done.length = 0;
      parts = [...rest, ...parts];
      continue;
    }
    done.push(head);
  }
  return join(root, ...done);
}

/** resolveInRootSync for callers that await (install, fixups). */
export async function resolveInRoot(root: string, path: string, maxHops = 40): Promise<string | undefined> {
  return resolveInRootSync(root, path, maxHops);
}
