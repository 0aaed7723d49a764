// Users as the zone knows them: its own /etc/passwd and /etc/group, not the host's.

export interface ZoneUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  groups: number[];
}

interface PasswdRow {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function isId(field: string | undefined): boolean {
  return field !== undefined && /^\d+$/.test(field);
}

export function parsePasswd(text: string): PasswdRow[] {
  const rows: PasswdRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    // glibc skips lines whose ids are not numbers; Number('') would be 0, root.
    if (!isId(f[2]) || !isId(f[3])) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    rows.push({ name: f[0] as string, uid, gid, home: f[5] as string, shell: f[6] as string });
  }
  return rows;
}

/** Supplementary groups of `user`, from /etc/group's member lists. */
export function parseGroupsOf(text: string, user: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    const members = (f[3] as string).split(',').map((m) => m.trim());
    if (members.includes(user) && isId(f[2])) out.push(Number(f[2]));
  }
  return out;
}

/** Looks a user up by name or number; a number with no entry still works (as su does not, but docker exec does). */
export function findUser(spec: string, passwd: string, group: string): ZoneUser | undefined {
  const rows = parsePasswd(passwd);
  const byNumber = /^\d+$/.test(spec) ? Number(spec) : undefined;
  const row = rows.find((r) => (byNumber === undefined ? r.name === spec : r.uid === byNumber));
  if (row !== undefined) return { ...row, groups: parseGroupsOf(group, row.name) };
  if (byNumber !== undefined) return { name: spec, uid: byNumber, gid: byNumber, home: '/', shell: '/bin/sh', groups: [] };
  return undefined;
}
