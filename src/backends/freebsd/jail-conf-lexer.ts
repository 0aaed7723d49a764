// jail.conf(5) tokens, as usr.sbin/jail/jaillex.l cuts them: words (unquoted runs,
// single- or double-quoted strings and $variables, joined when nothing separates
// them), the reserved `{ } ; = , +=`, and comments (#, //, /* */) dropped. Escapes are
// decoded here (C escapes, octal, hex, backslash-newline), byte by byte as jail(8)
// does, so "\303\251" is é.
import { ZoneError } from '../../core/errors.js';

/** A piece of a word: literal text, or a variable to substitute ($v, ${v}). */
export type Fragment = { text: string } | { variable: string };

export type Token = { kind: 'word'; fragments: Fragment[]; line: number } | { kind: '{' | '}' | ';' | '=' | ',' | '+='; line: number };

// jaillex.l's atomic-string characters; `$ * + / \` are words of their own there
// (a lone `$` is literal), and anything else outside quotes is a syntax error.
const ATOM = /[A-Za-z0-9_!%&()\-.:<>?@[\]^`|~*+/$]/;
const VAR_NAME = /[A-Za-z_][A-Za-z_0-9]*/y;

/** The error every lexing or parsing problem becomes: one line, FILE:LINE: reason. */
export function confError(file: string, line: number, reason: string): ZoneError {
  return new ZoneError('invalid-file', `${file}:${line}: ${reason}`, {
    hint: 'jail.conf(5): NAME { param = value; ... }, values quoted when they hold anything but letters, digits, . - _',
  });
}

class Bytes {
  private readonly out: number[] = [];
  char(c: string): void {
    for (const b of Buffer.from(c, 'utf8')) this.out.push(b);
  }
  byte(b: number): void {
    this.out.push(b & 0xff);
  }
  get empty(): boolean {
    return this.out.length === 0;
  }
  take(): string {
    const s = Buffer.from(this.out).toString('utf8');
    this.out.length = 0;
    return s;
  }
}

export class Lexer {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private fail(reason: string, line = this.line): never {
    throw confError(this.file, line, reason);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  /** The next character, a whole code point (an emoji is one, not two halves). */
  private advance(): string {
    const cp = this.text.codePointAt(this.pos);
    if (cp === undefined) return '';
    const c = String.fromCodePoint(cp);
    this.pos += c.length;
    if (c === '\n') this.line++;
    return c;
  }

  /** Skips blanks and comments; true if any were skipped (they end a word). */
  private skipSpace(): boolean {
    const start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.advance();
      else if (c === '#' || (c === '/' && this.peek(1) === '/')) {
        while (this.pos < this.text.length && this.peek() !== '\n') this.advance();
      } else if (c === '/' && this.peek(1) === '*') {
        const line = this.line;
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment', line);
        while (this.pos < end + 2) this.advance();
      } else break;
    }
    return this.pos > start;
  }

  /** After a backslash: one escape, as text2lval decodes it. */
  private escape(out: Bytes): void {
    const c = this.advance();
    if (c === '') this.fail('backslash at the end of the file');
    if (c >= '0' && c <= '7') {
      let v = Number(c);
      for (let i = 0; i < 2 && /[0-7]/.test(this.peek()); i++) v = v * 8 + Number(this.advance());
      out.byte(v);
      return;
    }
    if (c === 'x') {
      let v = 0;
      for (let i = 0; i < 2 && /[0-9A-Fa-f]/.test(this.peek()); i++) v = v * 16 + parseInt(this.advance(), 16);
      out.byte(v);
      return;
    }
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (c === '\n') return; // backslash-newline continues the string
    if (simple[c] !== undefined) out.byte(simple[c]);
    else out.char(c);
  }

  /** `${...}`: the name, escapes decoded; inside double quotes it may not hold a quote. */
  private bracedVariable(inQuotes: boolean): string {
    const line = this.line;
    this.advance(); // $
    this.advance(); // {
    const name = new Bytes();
    for (;;) {
      const c = this.peek();
      if (c === '}') {
        this.advance();
        return name.take();
      }
      if (c === '' || c === '\n' || c === '{' || (inQuotes && c === '"')) this.fail('unterminated variable', line);
      const ch = this.advance();
      if (ch === '\\') this.escape(name);
      else name.char(ch);
    }
  }

  /** Whether the `$` here starts a variable ($name or ${...}) rather than being a literal. */
  private variableAhead(): boolean {
    return this.peek(1) === '{' || /[A-Za-z_]/.test(this.peek(1));
  }

  /** A `$` here starts a variable reference (or is a literal `$`, returned as undefined). */
  private variable(inQuotes: boolean): string | undefined {
    if (this.peek(1) === '{') return this.bracedVariable(inQuotes);
    VAR_NAME.lastIndex = this.pos + 1;
    const m = VAR_NAME.exec(this.text);
    if (m === null) return undefined;
    this.pos += 1 + m[0].length;
    return m[0];
  }

  private singleQuoted(out: Bytes): void {
    const line = this.line;
    this.advance();
    for (;;) {
      const c = this.advance();
      if (c === '') this.fail('unterminated string', line);
      if (c === "'") return;
      if (c === '\\') this.escape(out);
      else out.char(c);
    }
  }

  private doubleQuoted(out: Bytes, fragments: Fragment[]): void {
    const line = this.line;
    this.advance();
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail('unterminated string', line);
      if (c === '"') {
        this.advance();
        return;
      }
      if (c === '$' && this.variableAhead()) {
        const text = out.take();
        if (text !== '') fragments.push({ text });
        fragments.push({ variable: this.variable(true) as string });
        continue;
      }
      const ch = this.advance();
      if (ch === '\\') this.escape(out);
      else out.char(ch);
    }
  }

  /** One word: adjacent unquoted runs, quoted strings and variables. */
  private word(): Token {
    const line = this.line;
    const fragments: Fragment[] = [];
    const out = new Bytes();
    const flush = (): void => {
      if (!out.empty) fragments.push({ text: out.take() });
    };
    let any = false;
    for (;;) {
      const c = this.peek();
      // `//` and `/*` start comments even inside a run, as in jaillex.l.
      if (c === '' || /[\s#,;={}]/.test(c) || (c === '/' && (this.peek(1) === '/' || this.peek(1) === '*'))) break;
      if (c === '+' && this.peek(1) === '=') break;
      if (c === "'") {
        this.singleQuoted(out);
        if (out.empty) fragments.push({ text: '' });
      } else if (c === '"') {
        const before = fragments.length;
        this.doubleQuoted(out, fragments);
        if (out.empty && fragments.length === before) fragments.push({ text: '' });
      } else if (c === '\\') {
        this.advance();
        this.escape(out);
      } else if (c === '$' && this.variableAhead()) {
        flush();
        fragments.push({ variable: this.variable(false) as string });
      } else if (ATOM.test(c)) out.char(this.advance());
      else this.fail(`unexpected character ${JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.pos) ?? 0))} (quote values that hold it)`);
      any = true;
    }
    flush();
    if (!any) this.fail(`unexpected character ${JSON.stringify(this.peek())}`);
    return { kind: 'word', fragments: mergeText(fragments), line };
  }

  /** All tokens of the file. */
  tokens(): Token[] {
    const out: Token[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === '') return out;
      const line = this.line;
      if (c === '+' && this.peek(1) === '=') {
        this.pos += 2;
        out.push({ kind: '+=', line });
      } else if (c === '{' || c === '}' || c === ';' || c === '=' || c === ',') {
        this.advance();
        out.push({ kind: c, line });
      } else out.push(this.word());
    }
  }
}

/** Adjacent text pieces become one (a quoted string next to a bare run is one value). */
function mergeText(fragments: Fragment[]): Fragment[] {
  const out: Fragment[] = [];
  for (const f of fragments) {
    const last = out.at(-1);
    if ('text' in f && last !== undefined && 'text' in last) out[out.length - 1] = { text: last.text + f.text };
    else out.push(f);
  }
  return out;
}
