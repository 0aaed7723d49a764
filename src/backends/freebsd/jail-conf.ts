// jail.conf(5) files: the statements of usr.sbin/jail/jailparse.y (jail blocks,
// parameters outside any block, `=`, `+=`, a value without `=`, comma lists, bare
// names) read into blocks, then resolved per configured jail (jail-conf-resolve.ts).
// The writer is jail-conf-format.ts; what it writes reads back to the same parameters.
import { confError, Lexer, type Fragment, type Token } from './jail-conf-lexer.js';
import { resolveJails, type ConfiguredJail, type RawJail, type RawParam } from './jail-conf-resolve.js';

export type { ConfiguredJail } from './jail-conf-resolve.js';
export { formatJailBlock, formatJailValue } from './jail-conf-format.js';

type Word = Extract<Token, { kind: 'word' }>;

function describe(t: Token | undefined): string {
  if (t === undefined) return 'the end of the file';
  if (t.kind !== 'word') return `"${t.kind}"`;
  const text = t.fragments.map((f) => ('text' in f ? f.text : `$${f.variable}`)).join('');
  return `"${text.length > 40 ? `${text.slice(0, 37)}...` : text}"`;
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private fail(reason: string, at: Token | undefined = this.peek()): never {
    const line = at?.line ?? this.tokens.at(-1)?.line ?? 1;
    throw confError(this.file, line, reason);
  }

  private expect(kind: Token['kind'], what: string): Token {
    const t = this.peek();
    if (t?.kind !== kind) this.fail(`expected "${kind}" ${what}, found ${describe(t)}`);
    this.i++;
    return t;
  }

  /** A name is one word of one piece: plain text, or a variable being defined. */
  private name(t: Word, what: string): { name: string; variable: boolean } {
    const only = t.fragments.length === 1 ? (t.fragments[0] as Fragment) : undefined;
    if (only === undefined) this.fail(`${what} must be a single word, found ${describe(t)}`, t);
    return 'text' in only ? { name: only.text, variable: false } : { name: only.variable, variable: true };
  }

  private values(): Fragment[][] {
    const out: Fragment[][] = [];
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'word') this.fail(`expected a value, found ${describe(t)}`);
      out.push(t.fragments);
      this.i++;
      if (this.peek()?.kind !== ',') return out;
      this.i++;
    }
  }

  /** `name;`, `name = v, ...;`, `name += v;` or `name v;` */
  private param(t: Word): RawParam {
    const { name, variable } = this.name(t, 'a parameter name');
    this.i++;
    const next = this.peek();
    let values: Fragment[][] = [];
    let append = false;
    if (next?.kind === '=' || next?.kind === '+=') {
      this.i++;
      append = next.kind === '+=';
      values = this.values();
    } else if (next?.kind === 'word') values = this.values();
    this.expect(';', `after parameter ${name}`);
    return { name, variable, values, append, line: t.line };
  }

  private block(t: Word): RawJail {
    const { name, variable } = this.name(t, 'a jail name');
    if (variable) this.fail(`a jail name cannot be a variable (${describe(t)})`, t);
    this.i += 2;
    const params: RawParam[] = [];
    for (;;) {
      const next = this.peek();
      if (next === undefined) this.fail(`jail "${name}" has no closing "}"`, t);
      if (next.kind === '}') {
        this.i++;
        return { name, line: t.line, params };
      }
      if (next.kind === ';') this.i++;
      else if (next.kind === 'word' && this.peek(1)?.kind === '{') this.fail(`jail "${name}": blocks cannot be nested`, next);
      else if (next.kind === 'word') params.push(this.param(next));
      else this.fail(`unexpected ${describe(next)} in jail "${name}"`, next);
    }
  }

  file_(): RawJail[] {
    const jails: RawJail[] = [];
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      if (t.kind === ';') {
        this.i++;
      } else if (t.kind === 'word' && this.peek(1)?.kind === '{') {
        jails.push(this.block(t));
      } else if (t.kind === 'word') {
        const p = this.param(t);
        if (p.name === '.include') this.fail('.include is not supported: merge the included file', t);
        // Parameters outside a block join the "*" block right before them, or start one
        // there: their place in the file decides what they override (jailparse.y).
        const last = jails.at(-1);
        if (last !== undefined && last.name === '*') last.params.push(p);
        else jails.push({ name: '*', line: p.line, params: [p] });
      } else this.fail(`unexpected ${describe(t)}`);
    }
    return jails;
  }
}

/** The blocks of a jail.conf as written, before wildcards and variables are applied. */
export function parseJailConfBlocks(text: string, file: string): RawJail[] {
  return new Parser(new Lexer(text, file).tokens(), file).file_();
}

/** Every configured (non-wildcard) jail in `text`, with its resolved parameters, in
 * file order; `file` names it in errors (FILE:LINE: reason). */
export function parseJailConf(text: string, file: string): ConfiguredJail[] {
  return resolveJails(parseJailConfBlocks(text, file), file);
}
