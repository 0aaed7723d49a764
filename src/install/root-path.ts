// Resolving a path inside a zone root as the zone will see it: symlinks (absolute or
// relative) are followed with the zone root as "/", never out of it.
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function resolveInRoot(root: string, path: string, maxHops = 40): Promise<string | undefined> {
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
    const st = await lstat(abs).catch(() => undefined);
    if (st === undefined) return undefined;
    if (st.isSymbolicLink()) {
      if (++hops > maxHops) return undefined;
      const target = await readlink(abs);
      const rest = target.split('/').filter((p) => p !== '');
      if (target.startsWith('/')) done.length = 0;
      parts = [...rest, ...parts];
      continue;
    }
    done.push(head);
  }
  return join(root, ...done);
}
