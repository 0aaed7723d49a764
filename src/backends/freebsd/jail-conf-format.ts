// Writing jail.conf(5): a jail block whose parameters read back exactly as given. A
// value is left bare only when the lexer would read it back as one plain word;
// anything else is double-quoted with `" \ $` escaped (no $variable expansion) and
// control characters as C escapes.
import { ZoneError } from '../../core/errors.js';
import type { JailParam } from '../../core/zone.js';
import { printable } from '../../core/zone.js';
import { negatedName } from './jail-param-names.js';

// Letters, digits and . - _ / : | @ read back as one word; `//` and `/*` would start a
// comment and `+=` an append, so those never stay bare.
const BARE = /^[A-Za-z0-9._\-/:|@]+$/;

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '$':
      return '\\$';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    default: {
      const code = c.charCodeAt(0);
      // Three octal digits always, so a digit that follows is not taken into it.
      return code < 0x20 || code === 0x7f ? `\\${code.toString(8).padStart(3, '0')}` : c;
    }
  }
}

/** One value as jail.conf writes it: bare when that is safe, else double-quoted. */
export function formatJailValue(value: string): string {
  if (value.includes('\0')) {
    throw new ZoneError('invalid-config', `jail parameter value "${printable(value)}" holds a NUL character, which jail(8) cannot take`);
  }
  if (BARE.test(value) && !value.includes('//') && !value.includes('/*')) return value;
  return `"${Array.from(value, escapeChar).join('')}"`;
}

function formatParam(p: JailParam): string {
  if (p.name === 'name') {
    throw new ZoneError('invalid-config', 'jail parameter "name" is set by the block name; it cannot be written inside the block');
  }
  const name = formatJailValue(p.name);
  if (typeof p.value === 'boolean') return `\t${p.value ? name : formatJailValue(negatedName(p.name))};\n`;
  if (p.value.length === 0) {
    throw new ZoneError('invalid-config', `jail parameter ${printable(p.name)} has an empty list, which jail.conf cannot write`);
  }
  return `\t${name} = ${p.value.map(formatJailValue).join(', ')};\n`;
}

/** `name { ... }` with one parameter per line, in the order given. */
export function formatJailBlock(name: string, params: JailParam[]): string {
  return `${formatJailValue(name)} {\n${params.map(formatParam).join('')}}\n`;
}
