// zonecfg property values: simple (`/data`, `"a b"`), complex (`(name=ips,value=10.0.0.5/24)`)
// and list (`[ro,nodevices]`, `[(...),(...)]`), read and written the way zonecfg's own
// lexer (usr/src/cmd/zonecfg/zonecfg_lex.l) splits them. A quoted string runs to the
// next `"` and has no escapes, so a value holding `"` or a newline cannot be written
// at all: formatting one throws rather than producing a file zonecfg reads otherwise.
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';

export interface SimpleValue {
  kind: 'simple';
  text: string;
}

export interface ComplexValue {
  kind: 'complex';
  pairs: Array<{ name: string; value: string }>;
}

export interface ListValue {
  kind: 'list';
  items: Array<SimpleValue | ComplexValue>;
}

export type ZonecfgValue = SimpleValue | ComplexValue | ListValue;

/** Where a value stands decides which characters end an unquoted token (zonecfg_lex.l's
 * TSTATE, LSTATE and CSTATE rules). */
type Context = 'top' | 'list' | 'complex';

const ENDS_TOKEN: Record<Context, RegExp> = {
  top: /[ \t\n";=[\]()]/,
  list: /[ \t\n",;=[\]()]/,
  complex: /[ \t\n",;=()]/,
};

// Characters we leave unquoted at the top and in lists: more is legal, but quoting
// `$`, `#`, `'` and friends keeps a file safe to paste into a shell too. A comma
// separates list elements, so only the top level leaves it bare.
const PLAIN: Record<'top' | 'list', RegExp> = {
  top: /^[A-Za-z0-9_.,:/@%+-]+$/,
  list: /^[A-Za-z0-9_.:/@%+-]+$/,
};

/** A value as zonecfg's lexer reads it back unchanged; throws for `"` and newlines. */
export function quoteFor(text: string, ctx: Context): string {
  if (/["\n]/.test(text)) {
    throw new ZoneError('invalid-config', `value "${printable(text)}" holds a double quote or a newline, which a zonecfg file cannot express`, {
      hint: 'zonecfg quoted strings have no escapes; remove the character',
    });
  }
  // Quotes inside (...) are read only by the illumos-joyent and OmniOS lexers, not by
  // illumos-gate's: quote there only where the lexer needs it.
  const needs = ctx === 'complex' ? text === '' || ENDS_TOKEN.complex.test(text) : !PLAIN[ctx].test(text);
  return needs ? `"${text}"` : text;
}

function formatComplex(v: ComplexValue): string {
  return `(${v.pairs.map((p) => `${p.name}=${quoteFor(p.value, 'complex')}`).join(',')})`;
}

/** The canonical zonecfg text of a value (what ZoneResource props hold). */
export function formatValue(v: ZonecfgValue): string {
  switch (v.kind) {
    case 'simple':
      return quoteFor(v.text, 'top');
    case 'complex':
      return formatComplex(v);
    case 'list':
      return `[${v.items.map((i) => (i.kind === 'simple' ? quoteFor(i.text, 'list') : formatComplex(i))).join(',')}]`;
  }
}

/** Reads values from a position in a line, as the lexer does after a command word. */
export class ValueScanner {
  pos: number;

  constructor(
    readonly text: string,
    start = 0,
  ) {
    this.pos = start;
  }

  skipBlanks(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** A bare or quoted token in `ctx`; undefined when none starts here. */
  token(ctx: Context): { text: string; quoted: boolean } | undefined {
    const c = this.peek();
    if (c === undefined) return undefined;
    if (c === '"') {
      const close = this.text.indexOf('"', this.pos + 1);
      if (close < 0) throw new SyntaxError('unterminated quoted string');
      const text = this.text.slice(this.pos + 1, close);
      if (text.includes('\n')) throw new SyntaxError('newline inside a quoted string');
      this.pos = close + 1;
      return { text, quoted: true };
    }
    const start = this.pos;
    while (this.pos < this.text.length && !ENDS_TOKEN[ctx].test(this.text[this.pos] as string)) this.pos++;
    return this.pos === start ? undefined : { text: this.text.slice(start, this.pos), quoted: false };
  }

  private expect(ch: string, what: string): void {
    this.skipBlanks();
    if (this.peek() !== ch) throw new SyntaxError(`expected "${ch}" ${what}, found ${this.describeHere()}`);
    this.pos++;
  }

  describeHere(): string {
    const c = this.peek();
    return c === undefined ? 'end of line' : `"${printable(c)}"`;
  }

  private complex(): ComplexValue {
    this.expect('(', 'to open a complex value');
    const pairs: ComplexValue['pairs'] = [];
    for (;;) {
      this.skipBlanks();
      const name = this.token('complex');
      if (name === undefined || name.quoted) throw new SyntaxError(`expected NAME=VALUE in a complex value, found ${this.describeHere()}`);
      this.expect('=', `after "${name.text}" in a complex value`);
      this.skipBlanks();
      const value = this.token('complex');
      if (value === undefined) throw new SyntaxError(`expected a value for "${name.text}", found ${this.describeHere()}`);
      pairs.push({ name: name.text, value: value.text });
      this.skipBlanks();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect(')', 'to close a complex value');
      return { kind: 'complex', pairs };
    }
  }

  private list(): ListValue {
    this.expect('[', 'to open a list');
    const items: ListValue['items'] = [];
    this.skipBlanks();
    if (this.peek() === ']') {
      this.pos++;
      return { kind: 'list', items };
    }
    for (;;) {
      this.skipBlanks();
      if (this.peek() === '(') items.push(this.complex());
      else {
        const t = this.token('list');
        if (t === undefined) throw new SyntaxError(`expected a list element, found ${this.describeHere()}`);
        items.push({ kind: 'simple', text: t.text });
      }
      this.skipBlanks();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect(']', 'to close a list');
      return { kind: 'list', items };
    }
  }

  /** One property value: simple, complex or list. */
  value(): ZonecfgValue {
    this.skipBlanks();
    const c = this.peek();
    if (c === '[') return this.list();
    if (c === '(') return this.complex();
    const t = this.token('top');
    if (t === undefined) throw new SyntaxError(`expected a value, found ${this.describeHere()}`);
    return { kind: 'simple', text: t.text };
  }
}

/** Parses canonical value text (as held in ZoneResource props). */
export function parseValue(text: string): ZonecfgValue {
  const s = new ValueScanner(text);
  const v = s.value();
  s.skipBlanks();
  if (s.pos !== text.length) throw new SyntaxError(`unexpected ${s.describeHere()} after a value`);
  return v;
}

/** The plain string of a simple value, or undefined for a list or complex one. */
export function simpleText(text: string): string | undefined {
  const v = parseValue(text);
  return v.kind === 'simple' ? v.text : undefined;
}

/** The simple elements of a value (`foo` ≡ `[foo]`); undefined when one is complex. */
export function simpleItems(text: string): string[] | undefined {
  const v = parseValue(text);
  if (v.kind === 'simple') return [v.text];
  if (v.kind === 'complex') return undefined;
  const out: string[] = [];
  for (const i of v.items) {
    if (i.kind !== 'simple') return undefined;
    out.push(i.text);
  }
  return out;
}

/** The pairs of a single complex value (bare or as a one-element list). */
export function complexPairs(text: string): Record<string, string> | undefined {
  const v = parseValue(text);
  const c = v.kind === 'complex' ? v : v.kind === 'list' && v.items.length === 1 && v.items[0]?.kind === 'complex' ? v.items[0] : undefined;
  if (c === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const p of c.pairs) {
    if (p.name in out) return undefined;
    out[p.name] = p.value;
  }
  return out;
}

export const simple = (text: string): string => quoteFor(text, 'top');
export const complex = (pairs: Array<[string, string]>): string => formatValue({ kind: 'complex', pairs: pairs.map(([name, value]) => ({ name, value })) });
export const list = (items: string[]): string => formatValue({ kind: 'list', items: items.map((text) => ({ kind: 'simple', text })) });
