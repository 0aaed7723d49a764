// Words from outside (zone names, paths, host tools' output) on their way to the user's
// terminal, with one policy: every control character (C0, DEL, C1: U+009B is a terminal
// escape) is shown escaped, as JSON writes it, so an escape sequence cannot drive the
// terminal and a newline cannot forge a line of ours; nothing else changes.
function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
    return short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A value to quote in a message ("..."): controls, quotes and backslashes escaped,
 * cut to 80 characters. */
export function printable(s: string): string {
  const esc = escapeControls(s.replace(/[\\"]/g, (c) => `\\${c}`));
  return esc.length > 80 ? `${esc.slice(0, 77)}...` : esc;
}

/** A host's output as one line of a message: trimmed, controls escaped, nothing cut. */
export function hostLine(text: string): string {
  return escapeControls(text.trim());
}
