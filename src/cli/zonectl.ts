#!/usr/bin/env node
// zonectl's entry point, built into dist/zonectl.mjs with only the fast path's code:
// exec, list, info, boot, halt, clone and --version with plain arguments on this
// (Linux) host. Everything else (other commands, help, usage errors, --host, FreeBSD
// and illumos hosts) is handed whole to the full command line, dist/cli.mjs (full.ts).
// Every module loaded costs each run start-up time, so this stays small
// (scripts/build.mjs).
import { runFast } from './actions.js';
import { parseFast } from './fast-argv.js';
import { renderError } from './render.js';
import { takeHostOption } from './host-option.js';

async function main(all: string[]): Promise<number> {
  const { host, rest: argv } = takeHostOption(all, process.env);
  const local = host === undefined && process.platform !== 'freebsd' && process.platform !== 'sunos';
  const fast = local ? parseFast(argv) : undefined;
  if (fast !== undefined) return runFast(fast);
  return (await import('./full.js')).main(all);
}

let finished = false;
// A promise nothing will settle lets Node exit with status 0 as if all went well:
// make that a loud failure instead.
process.on('exit', () => {
  if (!finished) {
    process.stderr.write('zonectl: internal error: stopped before the command finished; this is a bug in zonectl\n');
    process.exitCode = 70;
  }
});

main(process.argv.slice(2)).then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (e: unknown) => {
    finished = true;
    process.exitCode = renderError(e, { json: process.argv.includes('--json'), quiet: false });
  },
);
