// Output: tables for people, one JSON document for programs, errors rendered once.
import { ZoneError, isZoneError } from '../core/errors.js';

export interface OutputMode {
  json: boolean;
  quiet: boolean;
}

export function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Columns padded to the widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function say(mode: OutputMode, text: string): void {
  if (!mode.json && !mode.quiet) process.stdout.write(`${text}\n`);
}

/** Renders any error as one line on stderr (or a JSON document on stdout with --json)
 * and returns the exit status to use. Errors that are not ours are bugs: say so. */
export function renderError(e: unknown, mode: OutputMode): number {
  const err = isZoneError(e)
    ? e
    : new ZoneError('runtime', `internal error: ${e instanceof Error ? e.message : String(e)}`, {
        hint: 'this is a bug in zonectl; please report it with the command you ran',
      });
  if (mode.json) {
    printJson({ error: err.toJSON() });
  }
  const hint = err.hint === undefined ? '' : `; ${err.hint}`;
  process.stderr.write(`zonectl: ${err.message}${hint}\n`);
  if (!isZoneError(e) && process.env.ZONECTL_DEBUG !== undefined && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  return err.exit;
}
