// The dependency resolver: from the packages a repository offers and a list of names,
// the closed set to install and the order to install it in. Pure logic: no rpm, no yum.
//
// Selection: each seed, then each requirement of what is chosen, gets one package. What
// is already chosen is preferred; otherwise the best provider is taken (see
// compareProviders). One package per name. Obsoletes remove what they obsolete;
// conflicts between chosen packages are an error; so is a requirement no package meets
// (all of them are collected, the first is reported).
//
// Order: the packages of `first` (filesystem, setup, basesystem) lead; then every
// package comes after what it requires. Cycles (glibc <-> glibc-common) are broken
// deterministically: inside a cycle the package with the fewest unmet pre-requirements
// (PreReq, Requires(pre), Requires(post), scriptlet interpreters), then the fewest
// unmet plain requirements, then the first name goes next.
//
// Determinism: the result depends on the seeds and on the candidates as a set, never on
// the order of the candidate list, except between two candidates with the same
// name-epoch:version-release.arch (the same package from two repositories), where the
// one listed first wins: list the preferred repository first.
import { ZoneError } from '../../core/errors.js';
import { compareEVR, formatEVR, satisfies, type Capability } from './evr.js';
import type { Dependency } from './package.js';
import { Sense } from './tags.js';

export interface ResolverPackage {
  name: string;
  epoch?: string;
  version: string;
  release: string;
  arch: string;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  /** The paths the package holds (all of them, or at least those others may require). */
  files: string[];
}

export interface ResolveOptions {
  /** Acceptable architectures, best first, e.g. ['i686', 'i586', 'i486', 'i386', 'noarch']:
   * candidates of any other arch are ignored. */
  arches: string[];
  /** Packages installed first, in this order, when chosen (default DEFAULT_FIRST). */
  first?: string[];
}

export interface ResolvedSet<P extends ResolverPackage = ResolverPackage> {
  /** The chosen packages, the input objects themselves, in install order. */
  packages: P[];
  /** Package name -> the name of the package whose requirement pulled it in, or 'seed'. */
  why: Map<string, string>;
}

/** rinse's order (the reference, 1.1): filesystem unpacked before anything, so the
 * top-level directories get its modes and owners; then setup (/etc/passwd, /etc/group)
 * and basesystem. rpm itself puts setup first (filesystem Requires(pre): setup): pass
 * `first` to follow that instead. */
export const DEFAULT_FIRST: readonly string[] = ['filesystem', 'setup', 'basesystem'];

/** Requirement bits that make a dependency needed before the package's scriptlets run
 * (rpm's install-time "prerequisites"; the erase-time PREUN/POSTUN do not matter here). */
const INTERP = 0x100;
const PRE_MASK = Sense.PREREQ | INTERP | Sense.SCRIPT_PRE | Sense.SCRIPT_POST;

/** "name-version-release.arch", as rpm names a package in its messages. */
export function nvra(p: ResolverPackage): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}`;
}

/** "name op version", as rpm -q --requires prints a dependency. */
function formatCapability(d: Dependency): string {
  return d.op === '' || d.version === '' ? d.name : `${d.name} ${d.op} ${d.version}`;
}

/** Requirements the package set does not have to meet: rpmlib(...) features are met by
 * the rpm that will run in the guest (the one that ships in this very set, for the
 * release it was built for), and config(...) is a package's own configuration stamp. */
function ignored(r: Dependency): boolean {
  return (r.flags & Sense.RPMLIB) !== 0 || r.name.startsWith('rpmlib(') || r.name.startsWith('config(');
}

interface Candidate<P extends ResolverPackage> {
  pkg: P;
  name: string;
  /** Position in the candidate list: the last tie-break only. */
  index: number;
  /** Position of the arch in o.arches (lower is better). */
  archRank: number;
  /** The explicit provides and the package's own "name = [epoch:]version-release". */
  provides: Capability[];
  files: Set<string>;
}

interface Edge {
  to: number;
  pre: boolean;
}

export function resolve<P extends ResolverPackage>(candidates: P[], seeds: string[], o: ResolveOptions): ResolvedSet<P> {
  const archRank = new Map<string, number>();
  o.arches.forEach((a, i) => {
    if (!archRank.has(a)) archRank.set(a, i);
  });

  // Indexes over the acceptable candidates.
  const all: Candidate<P>[] = [];
  const byName = new Map<string, Candidate<P>[]>();
  const byProvide = new Map<string, Candidate<P>[]>();
  const byFile = new Map<string, Candidate<P>[]>();
  const push = <K>(m: Map<K, Candidate<P>[]>, k: K, c: Candidate<P>): void => {
    const list = m.get(k);
    if (list === undefined) m.set(k, [c]);
    else if (list[list.length - 1] !== c) list.push(c);
  };
  candidates.forEach((pkg, index) => {
    const rank = archRank.get(pkg.arch);
    if (rank === undefined) return;
    const self: Capability = { name: pkg.name, op: '=', version: formatEVR(pkg) };
    const c: Candidate<P> = { pkg, name: pkg.name, index, archRank: rank, provides: [...pkg.provides, self], files: new Set(pkg.files) };
    all.push(c);
    push(byName, c.name, c);
    for (const p of c.provides) push(byProvide, p.name, c);
    for (const f of c.files) push(byFile, f, c);
  });

  /** Same name: the highest EVR, then the best arch, then the first listed. */
  const better = (a: Candidate<P>, b: Candidate<P>): number => -compareEVR(a.pkg, b.pkg) || a.archRank - b.archRank || a.index - b.index;
  /** Providers of one requirement: a package named as required, then the shortest name,
   * then by name, then as `better`. The versions of different packages say nothing
   * about which is preferable (bash-3.2 against zsh-4.2 for /bin/sh). */
  const compareProviders =
    (wanted: string) =>
    (a: Candidate<P>, b: Candidate<P>): number => {
      if (a.name !== b.name) {
        if (a.name === wanted) return -1;
        if (b.name === wanted) return 1;
        if (a.name.length !== b.name.length) return a.name.length - b.name.length;
        return a.name < b.name ? -1 : 1;
      }
      return better(a, b);
    };

  const meets = (c: Candidate<P>, r: Capability): boolean => c.provides.some((p) => satisfies(p, r)) || (r.name.startsWith('/') && c.files.has(r.name));
  const providersOf = (r: Capability): Candidate<P>[] => {
    const found = new Set<Candidate<P>>();
    for (const c of byProvide.get(r.name) ?? []) if (meets(c, r)) found.add(c);
    if (r.name.startsWith('/')) for (const c of byFile.get(r.name) ?? []) found.add(c);
    return [...found].sort(compareProviders(r.name));
  };
  /** rpm matches obsoletes against package names and their EVR, never provides. A
   * package never obsoletes one of its own name (Obsoletes: foo < 2 in foo-2). */
  const obsoletes = (by: Candidate<P>, c: Candidate<P>): boolean => by.name !== c.name && by.pkg.obsoletes.some((d) => satisfies({ name: c.name, op: '=', version: formatEVR(c.pkg) }, d));
  /** Name -> the candidates with an obsolete of that name. */
  const obsoleters = new Map<string, Candidate<P>[]>();
  for (const c of all) for (const d of c.pkg.obsoletes) push(obsoleters, d.name, c);

  // --- Selection -------------------------------------------------------------------
  const chosen = new Map<string, Candidate<P>>();
  const removed = new Set<Candidate<P>>();
  const why = new Map<string, string>();
  const queue: Candidate<P>[] = [];

  const eligible = (c: Candidate<P>): boolean => {
    if (removed.has(c)) return false;
    const same = chosen.get(c.name);
    if (same !== undefined && same !== c) return false;
    for (const by of obsoleters.get(c.name) ?? []) if (chosen.get(by.name) === by && obsoletes(by, c)) return false;
    return true;
  };
  const choose = (c: Candidate<P>, reason: string): void => {
    for (const d of c.pkg.obsoletes) {
      const other = chosen.get(d.name);
      if (other !== undefined && obsoletes(c, other)) {
        chosen.delete(other.name);
        why.delete(other.name);
        removed.add(other);
      }
    }
    chosen.set(c.name, c);
    why.set(c.name, reason);
    queue.push(c);
  };
  const satisfiedByChosen = (r: Capability): boolean => {
    for (const c of byProvide.get(r.name) ?? []) if (chosen.get(c.name) === c && meets(c, r)) return true;
    if (r.name.startsWith('/')) for (const c of byFile.get(r.name) ?? []) if (chosen.get(c.name) === c) return true;
    return false;
  };
  /** Meets `r` for `by` if it can: true if met (or chosen now). */
  const fulfil = (by: Candidate<P>, r: Dependency): boolean => {
    if (ignored(r) || meets(by, r) || satisfiedByChosen(r)) return true;
    const best = providersOf(r).find(eligible);
    if (best === undefined) return false;
    choose(best, by.name);
    return true;
  };

  interface Missing {
    by: string;
    what: string;
  }
  const missing: Missing[] = [];
  for (const seed of seeds) {
    if (chosen.has(seed)) continue;
    const named = (byName.get(seed) ?? []).slice().sort(better);
    if (named.length > 0) {
      // A seed obsoleted by what is already chosen is taken care of by its obsoleter.
      const c = named.find(eligible);
      if (c !== undefined) choose(c, 'seed');
      continue;
    }
    const req: Dependency = { name: seed, flags: 0, version: '', op: '' };
    if (satisfiedByChosen(req)) continue;
    const c = providersOf(req).find(eligible);
    if (c === undefined) missing.push({ by: 'the package list', what: seed });
    else choose(c, 'seed');
  }

  // Meet the requirements of each newly chosen package; then check them all again, as
  // an obsolete may have removed a provider: repeat until nothing more is chosen.
  // Terminates: a removed package is never chosen again.
  for (;;) {
    for (let next = 0; next < queue.length; next++) {
      const c = queue[next] as Candidate<P>;
      if (chosen.get(c.name) !== c) continue;
      for (const r of c.pkg.requires) fulfil(c, r);
    }
    queue.length = 0;
    const unmet = new Map<string, Missing>();
    for (const c of [...chosen.values()]) {
      if (chosen.get(c.name) !== c) continue;
      for (const r of c.pkg.requires) {
        if (fulfil(c, r)) continue;
        const m = { by: nvra(c.pkg), what: formatCapability(r) };
        unmet.set(`${m.by}\0${m.what}`, m);
      }
    }
    if (queue.length === 0) {
      missing.push(...unmet.values());
      break;
    }
  }

  if (missing.length > 0) {
    const [first, ...others] = missing as [Missing, ...Missing[]];
    const shown = others.slice(0, 3).map((m) => `${m.by} requires ${m.what}`);
    const more = others.length > shown.length ? `, and ${others.length - shown.length} more` : '';
    const hint =
      others.length === 0
        ? `the repositories hold no package for ${o.arches.join(', ')} that provides it: check that they match the release and architecture`
        : `${others.length} other requirement${others.length === 1 ? ' is' : 's are'} unmet too (${shown.join('; ')}${more}): check that the repositories match the release and architecture (${o.arches.join(', ')})`;
    throw new ZoneError('install-failed', `cannot resolve the package set: ${first.by} requires ${first.what}, which no package provides`, { hint });
  }

  const set = [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // --- Conflicts -------------------------------------------------------------------
  const clashes: string[] = [];
  for (const c of set) {
    for (const d of c.pkg.conflicts) {
      // rpm matches conflicts against provides and files; a package never conflicts
      // with itself.
      for (const other of providersOf(d)) {
        if (other !== c && chosen.get(other.name) === other) clashes.push(`${nvra(c.pkg)} conflicts with ${formatCapability(d)}, which ${nvra(other.pkg)} provides`);
      }
    }
  }
  if (clashes.length > 0) {
    const others = clashes.length - 1;
    throw new ZoneError('install-failed', `cannot resolve the package set: ${clashes[0] as string}`, {
      hint: `leave one of them out of the package list${others > 0 ? ` (${others} other conflict${others === 1 ? '' : 's'} too)` : ''}`,
    });
  }

  // --- Order -----------------------------------------------------------------------
  const firstNames = o.first ?? DEFAULT_FIRST;
  const head = firstNames.map((n) => chosen.get(n)).filter((c): c is Candidate<P> => c !== undefined);
  const rest = set.filter((c) => !head.includes(c));
  const pos = new Map<Candidate<P>, number>(rest.map((c, i) => [c, i]));

  // Edges: a package -> the chosen package meeting each requirement (the one the
  // provider order prefers when several do), marked when any such requirement is a
  // pre-requirement. Requirements met by the package itself or by `head` add none.
  const edges: Edge[][] = rest.map((c) => {
    const to = new Map<number, boolean>();
    for (const r of c.pkg.requires) {
      if (ignored(r) || meets(c, r)) continue;
      const provider = providersOf(r).find((p) => chosen.get(p.name) === p);
      const k = provider === undefined ? undefined : pos.get(provider);
      if (k === undefined) continue;
      to.set(k, (to.get(k) ?? false) || (r.flags & PRE_MASK) !== 0);
    }
    return [...to].map(([k, pre]) => ({ to: k, pre })).sort((x, y) => x.to - y.to);
  });

  const order = [...head, ...topological(rest.length, edges).map((i) => rest[i] as Candidate<P>)];
  return { packages: order.map((c) => c.pkg), why };
}

/** Nodes 0..n-1 (numbered in the order that breaks ties) with edges "i needs e.to";
 * returns them with every node after what it needs, cycles broken as the header says. */
function topological(n: number, edges: Edge[][]): number[] {
  // Tarjan's strongly connected components; each SCC is emitted after every SCC it
  // reaches, i.e. dependencies first.
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const comp = new Array<number>(n).fill(-1);
  const comps: number[][] = [];
  let counter = 0;
  // Iterative (a deep dependency chain would overflow the call stack): each frame is a
  // node and how many of its edges have been followed.
  const visit = (root: number): void => {
    const frames: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as [number, number];
      const [v, next] = frame;
      const out = edges[v] as Edge[];
      if (next < out.length) {
        frame[1] = next + 1;
        const w = (out[next] as Edge).to;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push([w, 0]);
        } else if (onStack[w] === true) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === index[v]) {
        const members: number[] = [];
        for (;;) {
          const w = stack.pop() as number;
          onStack[w] = false;
          comp[w] = comps.length;
          members.push(w);
          if (w === v) break;
        }
        comps.push(members.sort((x, y) => x - y));
      }
    }
  };
  for (let v = 0; v < n; v++) if (index[v] === -1) visit(v);

  // Kahn's algorithm over the components: of those whose needs are all placed, the one
  // with the lowest-numbered member goes next.
  const needs = comps.map(() => new Set<number>());
  const neededBy = comps.map(() => new Set<number>());
  for (let v = 0; v < n; v++) {
    for (const { to } of edges[v] as Edge[]) {
      const a = comp[v] as number;
      const b = comp[to] as number;
      if (a !== b) {
        (needs[a] as Set<number>).add(b);
        (neededBy[b] as Set<number>).add(a);
      }
    }
  }
  const waiting = needs.map((s) => s.size);
  const ready = new Set<number>();
  comps.forEach((_, k) => {
    if (waiting[k] === 0) ready.add(k);
  });
  const lowest = comps.map((members) => members[0] as number);
  const out: number[] = [];
  while (ready.size > 0) {
    let k = -1;
    for (const r of ready) if (k === -1 || (lowest[r] as number) < (lowest[k] as number)) k = r;
    ready.delete(k);
    out.push(...breakCycle(comps[k] as number[], edges));
    for (const up of neededBy[k] as Set<number>) {
      waiting[up] = (waiting[up] as number) - 1;
      if (waiting[up] === 0) ready.add(up);
    }
  }
  return out;
}

/** The members of one component in order: repeatedly the member with the fewest unplaced
 * pre-requirements, then the fewest unplaced plain ones, then the lowest number. Counts
 * are kept up to date as members are placed; a heap with stale entries skipped picks the
 * next one. */
function breakCycle(members: number[], edges: Edge[][]): number[] {
  if (members.length === 1) return members;
  const inside = new Set(members);
  const pre = new Map<number, number>();
  const plain = new Map<number, number>();
  /** Member -> the members that need it, and whether as a pre-requirement. */
  const neededBy = new Map<number, Edge[]>();
  for (const v of members) {
    pre.set(v, 0);
    plain.set(v, 0);
    neededBy.set(v, []);
  }
  for (const v of members) {
    for (const e of edges[v] as Edge[]) {
      if (!inside.has(e.to)) continue;
      const counts = e.pre ? pre : plain;
      counts.set(v, (counts.get(v) as number) + 1);
      (neededBy.get(e.to) as Edge[]).push({ to: v, pre: e.pre });
    }
  }
  const heap = new Heap();
  for (const v of members) heap.push([pre.get(v) as number, plain.get(v) as number, v]);
  const placed = new Set<number>();
  const out: number[] = [];
  while (out.length < members.length) {
    const [p, q, v] = heap.pop() as [number, number, number];
    if (placed.has(v) || p !== pre.get(v) || q !== plain.get(v)) continue;
    placed.add(v);
    out.push(v);
    for (const e of neededBy.get(v) as Edge[]) {
      if (placed.has(e.to)) continue;
      const counts = e.pre ? pre : plain;
      counts.set(e.to, (counts.get(e.to) as number) - 1);
      heap.push([pre.get(e.to) as number, plain.get(e.to) as number, e.to]);
    }
  }
  return out;
}

type Key = [number, number, number];
const before = (a: Key, b: Key): boolean => a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));

/** A binary min-heap of keys compared in order. */
class Heap {
  private readonly items: Key[] = [];

  push(k: Key): void {
    const a = this.items;
    a.push(k);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!before(a[i] as Key, a[up] as Key)) break;
      [a[i], a[up]] = [a[up] as Key, a[i] as Key];
      i = up;
    }
  }

  pop(): Key | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l] as Key, a[m] as Key)) m = l;
      if (r < a.length && before(a[r] as Key, a[m] as Key)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m] as Key, a[i] as Key];
      i = m;
    }
    return top;
  }
}
