// Words from the host (tool output, paths, messages) on their way to the user's
// terminal: one line, no control character of theirs (an escape sequence in a file
// name must not drive the terminal), nothing cut short.
export function safeLine(text: string): string {
  return text.trim().replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
