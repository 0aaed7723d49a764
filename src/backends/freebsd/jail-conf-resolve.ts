// From parsed jail.conf blocks to each configured jail's parameters, as load_config()
// in usr.sbin/jail/config.c does it: the implied name, the jail's own block placed
// before the first wildcard block that follows it in the file (so a leading `*` gives
// defaults and a trailing one forces), matching wildcard blocks (`*`, `foo.*`), a
// later setting replacing an earlier one (`+=` appending), then $variable substitution
// per jail. Variables are dropped from the result; they never reach the kernel.
import type { JailParam } from '../../core/zone.js';
import { confError, type Fragment } from './jail-conf-lexer.js';
import { INTERNAL_PARAMS, isBooleanParam, positiveName, sameParam } from './jail-param-names.js';

export interface RawParam {
  name: string;
  /** `$name = ...;`: a variable, only for substitution. */
  variable: boolean;
  /** Each value is a word: text and variable references to join. */
  values: Fragment[][];
  append: boolean;
  line: number;
}

export interface RawJail {
  name: string;
  line: number;
  params: RawParam[];
}

export interface ConfiguredJail {
  name: string;
  /** Where its block starts, for messages. */
  line: number;
  /** Resolved, in jail(8)'s order, without the implied `name` (the block name). */
  params: JailParam[];
}

interface Working {
  name: string;
  variable: boolean;
  values: Fragment[][];
  line: number;
  implied: boolean;
}

/** A `*` that is a whole name component makes a wildcard block (wild_jail_name). */
export function isWildcardName(name: string): boolean {
  return name.split('.').includes('*');
}

/** wild_jail_match(): a non-final `*` matches one component, a final one the rest. */
export function wildcardMatches(jail: string, wild: string): boolean {
  const j = jail.split('.');
  const w = wild.split('.');
  for (let i = 0; i < w.length; i++) {
    const wc = w[i] as string;
    const jc = j[i];
    if (jc === undefined) return false;
    if (i === w.length - 1) return wc === '*' ? true : wc === jc && j.length === w.length;
    if (wc !== '*' && wc !== jc) return false;
  }
  return false;
}

class Resolver {
  readonly params: Working[] = [];

  constructor(
    private readonly file: string,
    private readonly jail: string,
  ) {}

  fail(line: number, reason: string): never {
    throw confError(this.file, line, `jail "${this.jail}": ${reason}`);
  }

  /** add_param(): replace (or append to) a parameter of the same name, else add it. */
  add(p: RawParam | Working, implied = false): void {
    const values = p.values.map((v) => [...v]);
    const dp = this.params.find((d) => sameParam(d.name, p.name));
    if (dp === undefined) {
      if (p.variable && INTERNAL_PARAMS.has(p.name)) this.fail(p.line, `variable "$${p.name}" cannot have the same name as a parameter`);
      this.params.push({ name: p.name, variable: p.variable, values, line: p.line, implied });
      return;
    }
    if (dp.variable !== p.variable) this.fail(p.line, `variable "$${p.name}" cannot have the same name as a parameter`);
    if (dp.implied) this.fail(p.line, `cannot redefine parameter "${dp.name}" (it is the block's name)`);
    dp.name = p.name;
    dp.line = p.line;
    if ('append' in p && p.append && values.length > 0) dp.values.push(...values);
    else dp.values = values;
  }

  private unresolved(p: Working): boolean {
    return p.values.some((v) => v.some((f) => 'variable' in f));
  }

  private target(p: Working, name: string, chain: Set<Working>): Working {
    const vp = this.params.find((x) => x.name === name);
    if (vp === undefined || vp.values.length === 0) this.fail(p.line, `${p.name}: variable "${name}" not found`);
    if (chain.has(vp)) this.fail(p.line, `${name}: variable loop`);
    return vp;
  }

  /** The values of `p` with every variable replaced; a list only replaces a whole value. */
  private substituted(p: Working): Fragment[][] {
    const out: Fragment[][] = [];
    for (const value of p.values) {
      const refs = value.filter((f) => 'variable' in f);
      const only = value.length === 1 && refs.length === 1;
      let text = '';
      let expanded: string[] | undefined;
      for (const f of value) {
        if ('text' in f) {
          text += f.text;
          continue;
        }
        const vp = this.params.find((x) => x.name === f.variable) as Working;
        const strings = vp.values.map((v) => v.map((x) => ('text' in x ? x.text : '')).join(''));
        if (strings.length > 1 && !only) this.fail(p.line, `${p.name}: array cannot be substituted inline`);
        if (only) expanded = strings;
        else text += strings[0] ?? '';
      }
      for (const s of expanded ?? [text]) out.push([{ text: s }]);
    }
    return out;
  }

  /** Substitutes variables in order; a parameter whose value a reference needs and
   * that itself holds references is moved before the referrer and resolved first. */
  substituteAll(): void {
    let chain = new Set<Working>();
    for (let i = 0; i < this.params.length; ) {
      const p = this.params[i] as Working;
      chain.add(p);
      let moved = false;
      for (const f of p.values.flat()) {
        if (!('variable' in f)) continue;
        const vp = this.target(p, f.variable, chain);
        if (this.unresolved(vp)) {
          this.params.splice(this.params.indexOf(vp), 1);
          this.params.splice(i, 0, vp);
          moved = true;
          break;
        }
      }
      if (moved) continue;
      p.values = this.substituted(p);
      chain = new Set();
      i++;
    }
  }
}

/** A resolved parameter as JailParam: bare names and true/false values of booleans
 * become booleans, with "no" folded into the value. */
export function toJailParam(name: string, values: string[]): JailParam {
  const positive = positiveName(name);
  if (values.length === 0) return { name: positive ?? name, value: positive === undefined };
  const only = values.length === 1 ? (values[0] as string).toLowerCase() : undefined;
  if ((only === 'true' || only === 'false') && isBooleanParam(positive ?? name)) {
    const v = only === 'true';
    return { name: positive ?? name, value: positive === undefined ? v : !v };
  }
  return { name, value: values };
}

function impliedParam(name: string): string {
  // A block named by a number sets the jid, not the name (load_config).
  return /^[+-]?\d+$/.test(name) && Number(name) !== 0 ? 'jid' : 'name';
}

function resolveOne(jails: RawJail[], index: number, file: string): ConfiguredJail {
  const j = jails[index] as RawJail;
  const r = new Resolver(file, j.name);
  const implied = impliedParam(j.name);
  r.add({ name: implied, variable: false, values: [[{ text: j.name }]], line: j.line, implied: true }, true);
  let didSelf = false;
  jails.forEach((w, seq) => {
    if (!isWildcardName(w.name)) return;
    if (index < seq && !didSelf) {
      for (const p of j.params) r.add(p);
      didSelf = true;
    }
    if (wildcardMatches(j.name, w.name)) for (const p of w.params) r.add(p);
  });
  if (!didSelf) for (const p of j.params) r.add(p);
  r.substituteAll();
  const params = r.params
    .filter((p) => !p.variable && !p.implied)
    .map((p) =>
      toJailParam(
        p.name,
        p.values.map((v) => v.map((f) => ('text' in f ? f.text : '')).join('')),
      ),
    );
  return { name: j.name, line: j.line, params };
}

/** Every configured (non-wildcard) jail of the file, in file order. */
export function resolveJails(jails: RawJail[], file: string): ConfiguredJail[] {
  const out: ConfiguredJail[] = [];
  jails.forEach((j, i) => {
    if (!isWildcardName(j.name)) out.push(resolveOne(jails, i, file));
  });
  return out;
}
