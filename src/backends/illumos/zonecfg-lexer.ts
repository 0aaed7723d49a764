// Splits a zonecfg command file into commands: one per line or per `;`, `#` comments
// where a command would start (zonecfg_lex.l's INITIAL state: inside a value `#` is an
// ordinary character), each command a word and its arguments: words, NAME=VALUE pairs
// and bare values.
import { ZoneError } from '../../core/errors.js';
import { printable } from '../../core/zone.js';
import { ValueScanner, type ZonecfgValue } from './zonecfg-value.js';

export type Arg = { kind: 'word'; text: string; quoted: boolean } | { kind: 'pair'; name: string; value: ZonecfgValue } | { kind: 'value'; value: ZonecfgValue };

export interface Command {
  line: number;
  name: string;
  args: Arg[];
}

/** The one error a file gets: "FILE:LINE: reason". */
export function fileError(file: string, line: number, reason: string): ZoneError {
  return new ZoneError('invalid-file', `${file}:${line}: ${reason}`);
}

function readArg(s: ValueScanner): Arg {
  const c = s.peek();
  if (c === '[' || c === '(') return { kind: 'value', value: s.value() };
  const t = s.token('top');
  if (t === undefined) throw new SyntaxError(`unexpected ${s.describeHere()}`);
  s.skipBlanks();
  if (!t.quoted && s.peek() === '=') {
    s.pos++;
    s.skipBlanks();
    if (s.peek() === undefined || s.peek() === ';') throw new SyntaxError(`${t.text}= has no value`);
    return { kind: 'pair', name: t.text, value: s.value() };
  }
  return { kind: 'word', text: t.text, quoted: t.quoted };
}

/** The commands of one line, in order. */
function lineCommands(text: string, line: number): Command[] {
  const out: Command[] = [];
  const s = new ValueScanner(text);
  for (;;) {
    s.skipBlanks();
    const c = s.peek();
    if (c === undefined || c === '#') return out;
    if (c === ';') {
      s.pos++;
      continue;
    }
    const word = s.token('top');
    if (word === undefined || word.quoted) throw new SyntaxError(`expected a command, found ${s.describeHere()}`);
    const args: Arg[] = [];
    for (;;) {
      s.skipBlanks();
      const n = s.peek();
      if (n === undefined || n === ';') break;
      args.push(readArg(s));
    }
    out.push({ line, name: word.text, args });
  }
}

/** Every command of a file; a syntax error names the file and line. */
export function lexCommands(text: string, file: string): Command[] {
  const out: Command[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    try {
      out.push(...lineCommands(lineText, i + 1));
    } catch (e) {
      if (e instanceof SyntaxError) throw fileError(file, i + 1, e.message);
      throw e;
    }
  });
  return out;
}

/** How an argument reads in a message. */
export function argText(a: Arg): string {
  switch (a.kind) {
    case 'word':
      return printable(a.text);
    case 'pair':
      return `${printable(a.name)}=...`;
    case 'value':
      return a.value.kind === 'list' ? '[...]' : '(...)';
  }
}
