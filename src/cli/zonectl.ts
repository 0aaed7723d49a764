#!/usr/bin/env node
// zonectl's entry point. Hot commands with plain arguments take the fast path (no
// yargs to load); everything else, help and usage errors included, goes to yargs.
import * as act from './actions.js';
import { parseFast, type FastCommand } from './fast-argv.js';
import { renderError } from './render.js';
import { runYargs } from './yargs-cli.js';
import { takeHostOption } from './host-option.js';

function runFast(c: FastCommand): Promise<number> {
  switch (c.kind) {
    case 'list':
      return act.runAction(c.g, () => act.listAction(c.g));
    case 'info':
      return act.runAction(c.g, () => act.infoAction(c.g, c.name));
    case 'lifecycle':
      return act.runAction(c.g, () => act.lifecycleAction(c.g, c.name, c.verb));
    case 'exec':
      return act.runAction(c.g, () => act.execAction(c.g, c.name, c.exec));
    case 'clone':
      return act.runAction(c.g, () => act.cloneAction(c.g, c.source, c.target));
  }
}

async function main(all: string[]): Promise<number> {
  const { host, rest: argv } = takeHostOption(all, process.env);
  // The ssh executor and the jail and zone backends load only when a run needs them.
  if (host !== undefined) {
    const route = await (await import('../hosts/connect.js')).routeToHost(host, argv);
    if (route.kind === 'delegated') return route.status;
    act.useToolHost(route.host);
  } else if (process.platform === 'freebsd' || process.platform === 'sunos') {
    const local = await (await import('../hosts/connect.js')).localToolHost(process.platform);
    if (local !== undefined) act.useToolHost(local);
  }
  const fast = parseFast(argv);
  if (fast !== undefined) return runFast(fast);
  return runYargs(argv);
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
